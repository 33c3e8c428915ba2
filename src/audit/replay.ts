/**
 * `oneroof replay`'s engine: integrity first, then the reconstruction — in one streaming pass
 * over the records and the .log (flat memory whatever their size), then the signature and, when
 * asked, the on-target anchor. A log with a records file is checked record by record; a log
 * without one is read as psql's text (`psql … 2>&1 | tee`): no chain, so "unsigned".
 */
import { basename } from 'node:path';
import { createPsqlParser } from '../psql/parse.js';
import type { MarkerClaims } from '../psql/markers.js';
import {
  FileBytes,
  LineLengthGuard,
  locateRunLog,
  readChunks,
  readLines,
  type RunLogFiles,
} from './files.js';
import { Reconstruction } from './reconstruct.js';
import { TeeLines } from './tee-repair.js';
import { describeIssues, parseRecord } from '../runlog/records.js';
import { outputRecordSchema, type OutputRecord } from '../runlog/output-records.js';
import type { PsqlEvent } from '../psql/events.js';
import { piecesProblem, REPARSED_FORMATS, Reparse, whenOf } from './reparse.js';
import { checkAnchor, judgeIntegrity, type AnchorSource } from './integrity.js';
import type { ReplayReport } from './report.js';
import type { SignatureCheck } from '../ssh/sign.js';
import { verifyRunLogSignature } from '../ssh/sign.js';
import { LogChecker } from './log-check.js';
import { verifyChain, type ChainResult, type Problem, type VerifiedRecord } from './verify.js';

export interface ReplayOptions {
  /** LOGFILE: the .log, or its .jsonl. */
  path: string;
  /** ssh-keygen allowed-signers file: demands a signature by one of its keys. */
  allowedSigners?: string;
  /** Checks the on-target anchor: looks up the anchor lines of a run id on the target. */
  anchor?: AnchorSource;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /**
   * A log made by hand: which packet files own which claims (the packet's contract), read only
   * for such a log (a oneroof log's records already hold its events).
   */
  claims?: () => Promise<MarkerClaims>;
  /** Sees every intact record as it is read (a figure's record number, for evidence). */
  onRecord?: (record: VerifiedRecord) => void;
}

export async function replayLog(options: ReplayOptions): Promise<ReplayReport> {
  const files = locateRunLog(options.path);
  const now = options.now ?? (() => new Date());
  const report =
    files.records === undefined
      ? replayTee(files, options, await options.claims?.())
      : await replayRecords(files, files.records, options);
  return { replay: { format: 'oneroof-replay/1', generatedAt: now().toISOString() }, ...report };
}

type Partial_ = Omit<ReplayReport, 'replay'>;

async function replayRecords(
  files: RunLogFiles,
  records: string,
  options: ReplayOptions,
): Promise<Partial_> {
  const reconstruction = new Reconstruction('oneroof');
  const bytes = new FileBytes(files.log);
  let problem: Problem | undefined;
  let chain: ChainResult;
  let logResult: { sha256: string; unindexed: number } = { sha256: '', unindexed: 0 };
  try {
    const checker = new LogChecker(bytes);
    const verified = verifyChain(readLines(records));
    let derived: PsqlEvent[] = [];
    const reparse = new Reparse(bytes, (event, when) => {
      derived.push(event);
      reconstruction.stepEvent(event, when);
    });
    let reparsing = false;
    let last: ReturnType<typeof whenOf> = { t: undefined, time: undefined };
    for (;;) {
      const step = verified.next();
      if (step.done === true) {
        chain = step.value;
        break;
      }
      const record = step.value;
      if (record.seq === 0) reparsing = REPARSED_FORMATS.includes(record.json.format);
      let output: OutputRecord | undefined;
      if (record.name === 'output') {
        const parsed = outputRecordSchema.safeParse(record.json);
        if (parsed.success) output = parsed.data;
        problem = parsed.success
          ? (checker.check(parsed.data, record) ?? piecesProblem(parsed.data, record))
          : {
              file: 'records',
              line: record.line,
              record: record.seq,
              recordName: 'output',
              reason: `an output record the .log cannot be checked against: ${describeIssues(parsed.error)}`,
            };
        if (problem) {
          chain = { records: record.seq, head: '' };
          break;
        }
      }
      const when = whenOf(record);
      last = when;
      if (reparsing && record.name === 'step-end') {
        const ended = parseRecord('step-end', record.json);
        if (!('error' in ended) && ended.name === 'step-end')
          reparse.end(ended.fields.step, when, ended.fields.map);
      }
      reconstruction.record(record);
      if (reparsing && record.name === 'stream') {
        const stream = parseRecord('stream', record.json);
        if (!('error' in stream) && stream.name === 'stream') reparse.stream(stream.fields, when);
      }
      if (reparsing && output !== undefined) reparse.output(output, when);
      // A figure's record (evidence): the events its bytes gave, as /2 held them.
      options.onRecord?.(
        derived.length === 0 ? record : { ...record, json: { ...record.json, events: derived } },
      );
      derived = [];
    }
    problem ??= chain.problem;
    if (problem === undefined && reparsing) reparse.finish(last);
    if (problem === undefined) {
      const end = reconstruction.endRecord;
      if (reconstruction.complete && end?.log === undefined)
        problem = {
          file: 'records',
          ...(chain.endLine === undefined ? {} : { line: chain.endLine }),
          reason: 'the end record holds no .log length',
        };
      const finished = checker.finish(reconstruction.complete ? end?.log : undefined);
      logResult = finished;
      problem ??= finished.problem;
    }
  } finally {
    bytes.close();
  }

  const signature: SignatureCheck =
    problem === undefined
      ? await verifyRunLogSignature(records, files.signature, options.allowedSigners, options.env)
      : {
          status: files.signature === undefined ? 'missing' : 'error',
          file: files.signature ?? null,
          allowedSigners: options.allowedSigners ?? null,
          detail: 'not checked: the records are already known to be altered',
        };
  const reconstructed = reconstruction.finish();
  const anchor =
    problem === undefined && options.anchor
      ? await checkAnchor(options.anchor, reconstructed.run.id, chain)
      : { status: 'not-checked' as const };

  // A run that lost its connection, or whose log ends early (killed, disk full), never wrote
  // an anchor: its absence there is what the log itself says, not a sign of tampering.
  if (
    anchor.status === 'missing' &&
    (!reconstruction.complete || reconstructed.outcome.outcome === 'lost')
  )
    anchor.detail = `${anchor.detail ?? 'no anchor'} — none was written: the log ${
      reconstruction.complete ? 'lost its connection' : 'ends without an end record'
    }`;
  const integrity = judgeIntegrity({
    problem,
    chain,
    anchorExpected: reconstruction.complete && reconstructed.outcome.outcome !== 'lost',
    complete: reconstruction.complete,
    signature,
    anchor,
    allowedSigners: options.allowedSigners,
    log: {
      bytes: bytes.size,
      sha256: problem ? null : logResult.sha256,
      unindexed: logResult.unindexed,
    },
    records,
  });
  if (!reconstruction.complete && logResult.unindexed > 0)
    reconstructed.notes.push(
      `${logResult.unindexed} bytes at the end of the .log have no output record: written as the runner stopped`,
    );
  return {
    source: {
      kind: 'oneroof',
      log: files.log,
      records,
      signature: files.signature ?? null,
    },
    integrity,
    ...reconstructed,
  };
}

function replayTee(
  files: RunLogFiles,
  options: ReplayOptions,
  claims: MarkerClaims | undefined,
): Partial_ {
  const reconstruction = new Reconstruction('tee');
  const parser = createPsqlParser({
    ...(claims ? { claims } : {}),
    onOutputLines: (count) => reconstruction.outputLines(count),
  });
  const lines = new TeeLines();
  const feed = (pieces: (Buffer | string)[]) => {
    for (const piece of pieces)
      for (const event of parser.push('combined', piece)) reconstruction.event(event);
  };
  let size = 0;
  const guard = new LineLengthGuard(files.log);
  for (const chunk of readChunks(files.log)) {
    guard.check(chunk);
    size += chunk.length;
    reconstruction.chunk('combined', chunk.length);
    feed(lines.push(chunk));
  }
  feed(lines.end());
  for (const event of parser.end()) reconstruction.event(event);
  const reconstructed = reconstruction.finish();
  reconstructed.run.target = null;
  let problem: Problem | undefined;
  if (reconstruction.sawSentinel)
    problem = {
      file: 'records',
      reason: `${basename(files.log)} holds oneroof's sentinel line, so oneroof wrote it, but its records file (${basename(files.log).replace(/\.log$/, '')}.jsonl) is missing: deleted`,
    };
  const signature: SignatureCheck = {
    status: 'missing',
    file: null,
    allowedSigners: options.allowedSigners ?? null,
  };
  const integrity = judgeIntegrity({
    problem,
    chain: undefined,
    complete: null,
    signature,
    anchor: { status: 'not-checked' },
    allowedSigners: options.allowedSigners,
    log: { bytes: size, sha256: null, unindexed: 0 },
    records: undefined,
  });
  return {
    source: { kind: 'tee', log: files.log, records: null, signature: null },
    integrity,
    ...reconstructed,
  };
}
