/**
 * `oneroof replay`'s engine: integrity first, then the reconstruction — in one streaming pass
 * over the records and the .log (flat memory whatever their size), then the signature and, when
 * asked, the on-target anchor. A log with a records file is checked record by record; a log
 * without one is read as psql's text (`psql … 2>&1 | tee`): no chain, so "unsigned".
 */
import { basename } from 'node:path';
import { createPsqlParser } from '../psql/parse.js';
import type { AnchorLookup } from '../runlog/anchor.js';
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
import { describeIssues, outputRecordSchema } from '../runlog/records.js';
import type { AnchorCheck, Integrity, ReplayReport } from './report.js';
import type { SignatureCheck } from '../ssh/sign.js';
import { verifyRunLogSignature } from '../ssh/sign.js';
import { LogChecker } from './log-check.js';
import { verifyChain, type ChainResult, type Problem } from './verify.js';

export interface ReplayOptions {
  /** LOGFILE: the .log, or its .jsonl. */
  path: string;
  /** ssh-keygen allowed-signers file: demands a signature by one of its keys. */
  allowedSigners?: string;
  /** Checks the on-target anchor: looks up the anchor lines of a run id on the target. */
  anchor?: { target: string; lookup: (run: string) => Promise<AnchorLookup> };
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export async function replayLog(options: ReplayOptions): Promise<ReplayReport> {
  const files = locateRunLog(options.path);
  const now = options.now ?? (() => new Date());
  const report =
    files.records === undefined
      ? replayTee(files, options)
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
    for (;;) {
      const step = verified.next();
      if (step.done === true) {
        chain = step.value;
        break;
      }
      const record = step.value;
      if (record.name === 'output') {
        const output = outputRecordSchema.safeParse(record.json);
        problem = output.success
          ? checker.check(output.data, record)
          : {
              file: 'records',
              line: record.line,
              record: record.seq,
              recordName: 'output',
              reason: `an output record the .log cannot be checked against: ${describeIssues(output.error)}`,
            };
        if (problem) {
          chain = { records: record.seq, head: '' };
          break;
        }
      }
      reconstruction.record(record);
    }
    problem ??= chain.problem;
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
  const integrity = judge({
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

function replayTee(files: RunLogFiles, options: ReplayOptions): Partial_ {
  const reconstruction = new Reconstruction('tee');
  const parser = createPsqlParser();
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
  const integrity = judge({
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

async function checkAnchor(
  anchor: NonNullable<ReplayOptions['anchor']>,
  run: string | null,
  chain: ChainResult,
): Promise<AnchorCheck> {
  if (run === null)
    return { status: 'missing', target: anchor.target, detail: 'the log has no run id' };
  const found = await anchor.lookup(run);
  const base = { target: anchor.target, file: found.file };
  if (found.entries.length === 0)
    return {
      status: 'missing',
      ...base,
      detail: found.missingFile
        ? `${anchor.target} has no anchors file (${found.file})`
        : `${anchor.target} holds no anchor for run ${run}`,
    };
  const match = found.entries.find((e) => e.head === chain.head && e.records === chain.records);
  if (match)
    return { status: 'matches', ...base, line: `${match.name} ${match.records} ${match.head}` };
  const entry = found.entries[0]!;
  const how =
    entry.records > chain.records
      ? `records #${chain.records}–#${entry.records - 1} are missing at the end: truncated`
      : entry.records < chain.records
        ? `${chain.records - entry.records} record(s) were added after the run`
        : 'the same number of records with other contents: the records were rewritten';
  return {
    status: 'differs',
    ...base,
    line: `${entry.name} ${entry.records} ${entry.head}`,
    detail: `the target anchored ${entry.records} records with head ${entry.head}; this log has ${chain.records} with head ${chain.head}: ${how}`,
  };
}

function judge(input: {
  problem: Problem | undefined;
  chain: ChainResult | undefined;
  complete: boolean | null;
  /** False when the run could not have anchored its log (lost, or no end record). */
  anchorExpected?: boolean;
  signature: SignatureCheck;
  anchor: AnchorCheck;
  allowedSigners: string | undefined;
  log: Integrity['log'];
  records: string | undefined;
}): Integrity {
  const { chain, signature, anchor } = input;
  let problem = input.problem;
  const endNote =
    input.complete === false && chain !== undefined
      ? ` (the records end at line ${chain.cutLine ?? chain.records} without an end record: cut short after signing?)`
      : '';
  if (problem === undefined && (signature.status === 'invalid' || signature.status === 'error'))
    problem = {
      file: 'signature',
      reason:
        `the signature ${signature.file} does not match the records file: it was changed after it was signed${endNote} — ${signature.detail ?? ''}`.trim(),
    };
  if (problem === undefined && signature.status === 'not-allowed')
    problem = {
      file: 'signature',
      reason: `signed by ${signature.key}, a key the allowed-signers file ${signature.allowedSigners} does not name for run logs${signature.detail ? ` (${signature.detail})` : ''}`,
    };
  if (problem === undefined && signature.status === 'missing' && input.allowedSigners !== undefined)
    problem = {
      file: 'signature',
      reason: `unsigned: no ${input.records ? `${basename(input.records)}.sig` : 'records file or signature'}, and ${input.allowedSigners} demands a signature`,
    };
  if (
    problem === undefined &&
    (anchor.status === 'differs' || (anchor.status === 'missing' && input.anchorExpected !== false))
  )
    problem = { file: 'anchor', reason: `on-target anchor: ${anchor.detail ?? anchor.status}` };

  const chainState: Integrity['chain'] =
    chain === undefined ? 'none' : input.problem?.file === 'records' ? 'broken' : 'intact';
  const verdict: Integrity['verdict'] =
    problem !== undefined
      ? 'tampered'
      : signature.status === 'valid'
        ? signature.principal !== undefined
          ? 'verified'
          : 'signed'
        : 'unsigned';
  return {
    verdict,
    summary: summarize(verdict, { chain, problem, signature, anchor, complete: input.complete }),
    chain: chainState,
    records: chain?.records ?? null,
    head: chain && problem === undefined ? chain.head : null,
    complete: input.complete,
    log: input.log,
    signature,
    anchor,
    firstBad: problem ?? null,
  };
}

function summarize(
  verdict: Integrity['verdict'],
  facts: {
    chain: ChainResult | undefined;
    problem: Problem | undefined;
    signature: SignatureCheck;
    anchor: AnchorCheck;
    complete: boolean | null;
  },
): string {
  const { chain, problem, signature, anchor } = facts;
  if (verdict === 'tampered' && problem) return `TAMPERED: ${describeProblem(problem)}`;
  const anchored =
    anchor.status === 'matches' ? `; the target's anchor agrees (${anchor.file})` : '';
  const incomplete = facts.complete === false ? '; the records end without an end record' : '';
  if (chain === undefined)
    return 'UNSIGNED: a hand-made log (psql … | tee) has no chain and no signature; nothing proves it was not edited';
  const intact = `${chain.records} records chained intact, every output byte matches`;
  if (verdict === 'verified')
    return `VERIFIED: ${intact}; signed by ${signature.principal} (${signature.key})${anchored}${incomplete}`;
  if (verdict === 'signed')
    return `SIGNED (signer not checked: pass --allowed-signers): ${intact}; signed by ${signature.key}${anchored}${incomplete}`;
  return `UNSIGNED: ${intact}, but no signature: whoever can write the log could have rewritten it whole${anchored}${incomplete}`;
}

/** `rollout_….jsonl:17 (record #16, output): …` */
export function describeProblem(problem: Problem): string {
  const where: string[] = [];
  if (problem.line !== undefined) where.push(`line ${problem.line}`);
  if (problem.record !== undefined)
    where.push(`record #${problem.record}${problem.recordName ? ` (${problem.recordName})` : ''}`);
  if (problem.bytes !== undefined && problem.file === 'log')
    where.push(`.log bytes ${problem.bytes.from}–${problem.bytes.to}`);
  return `${problem.file}${where.length ? ` ${where.join(', ')}` : ''}: ${problem.reason}`;
}
