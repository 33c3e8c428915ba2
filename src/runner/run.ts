/**
 * The engine: one SQL stream through one transport into psql, its output teed into the run log
 * and parsed into events as it arrives. Order matters and is the safety argument:
 *   1. everything the user gave is validated and the stream is built locally (exit 2 before
 *      anything is contacted);
 *   2. the log is opened (a log that cannot be written stops the run here);
 *   3. the transport connects (and verifies the host key);
 *   4. the bytes are staged on the far side and psql starts only on a whole, checked copy;
 *   5. success is exit 0 *and* our random sentinel echoed after the last statement.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { OneroofError } from '../errors.js';
import type { Target } from '../inventory/load.js';
import { bundlePacket, BundleError } from '../packet/bundle.js';
import type { SourceMap } from '../packet/source-map.js';
import { createPsqlParser } from '../psql/parse.js';
import type { PsqlEvent } from '../psql/events.js';
import { buildPsqlInvocation, CommandLineError, type PsqlFlag } from '../remote/psql-command.js';
import { buildStagedArgv, STAGE_EXIT_FAILED, STAGE_EXIT_INCOMPLETE } from '../remote/stage.js';
import { RunLog, type RunKind, type RunLogPaths } from '../runlog/writer.js';
import type { ExecEnd, Peer, Transport } from '../transport/types.js';

export type SqlSource =
  /** A packet entry file; its \i / \ir includes are expanded locally. */
  | { kind: 'packet'; root: string; entry: string }
  /** SQL text the runner itself chose (probes); `label` names it in messages. */
  | { kind: 'text'; label: string; text: string }
  /** One file streamed as is (no includes expanded): large scripts stay out of memory. */
  | { kind: 'file'; path: string };

export interface RunRequest {
  kind: RunKind;
  target: Target;
  source: SqlSource;
  transport: Transport;
  logDir: string;
  /** psql variables: values reach SQL only as :'name'. */
  variables?: Record<string, string>;
  flags?: readonly PsqlFlag[];
  /** Session settings for docker exec -e (PGOPTIONS, PGAPPNAME). */
  env?: Readonly<Record<string, string>>;
  /** The user's command line, for the log's first record. */
  argv?: readonly string[];
  now?: () => Date;
  onConnected?: (peer: Peer) => void;
  onEvent?: (event: PsqlEvent) => void;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/**
 * ok           exit 0 and the sentinel seen: every statement ran
 * sql-error    psql stopped on an error (exit 3, ON_ERROR_STOP): see the events
 * not-run      the bytes did not arrive whole, or staging failed: psql never started
 * psql-failed  psql could not start or lost its server (exit 1 or 2)
 * lost         the connection went away: the far side may still be running
 * incomplete   exit 0 without the sentinel (the script stopped itself early: \q)
 * failed       any other end (another exit code, a signal)
 */
export type RunOutcome =
  'ok' | 'sql-error' | 'not-run' | 'psql-failed' | 'lost' | 'incomplete' | 'failed';

export interface RunResult {
  outcome: RunOutcome;
  end: ExecEnd;
  peer: Peer;
  events: PsqlEvent[];
  log: RunLogPaths;
  commandLine: string;
  stream: { length: number; sha256: string; files: { path: string; sha256: string }[] };
  sentinelSeen: boolean;
  durationMs: number;
  /** Set when the log could not be written after the run started. */
  logFailure?: string;
}

export const SENTINEL_PREFIX = 'ONEROOF SENTINEL';
/** Query-output lines kept in RunResult.events (all of them are in the .log). */
export const MAX_OUTPUT_EVENTS = 10_000;

interface PreparedStream {
  /** The bytes psql will read, or a way to stream them (file sources). */
  bytes: Buffer | (() => Readable);
  length: number;
  sha256: string;
  map: SourceMap | undefined;
  files: { path: string; sha256: string }[];
  sentinel: string;
}

/** Builds the exact bytes psql will read: the source, then our sentinel line. */
export async function prepareStream(source: SqlSource): Promise<PreparedStream> {
  const sentinel = randomBytes(16).toString('hex');
  if (source.kind === 'file') return prepareFile(source.path, sentinel);
  let body: Buffer;
  let map: SourceMap | undefined;
  let files: { path: string; sha256: string }[] = [];
  if (source.kind === 'packet') {
    try {
      const bundle = await bundlePacket({ root: source.root, entry: source.entry });
      body = bundle.bytes;
      map = bundle.map.append(1, '<oneroof sentinel>');
      files = bundle.files;
    } catch (error) {
      if (error instanceof BundleError)
        throw new OneroofError('usage', error.message, { cause: error });
      throw error;
    }
  } else {
    body = Buffer.from(source.text, 'utf8');
  }
  const bytes = Buffer.concat([body, sentinelLine(body.at(-1), sentinel)]);
  return {
    bytes,
    length: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    map,
    files,
    sentinel,
  };
}

function sentinelLine(lastByte: number | undefined, sentinel: string): Buffer {
  const newline = lastByte !== undefined && lastByte !== 0x0a ? '\n' : '';
  return Buffer.from(`${newline}\\echo ${SENTINEL_PREFIX} ${sentinel}\n`);
}

/** A file is hashed in one streaming pass, then streamed again: memory stays flat. */
async function prepareFile(path: string, sentinel: string): Promise<PreparedStream> {
  const hash = createHash('sha256');
  let length = 0;
  let last: number | undefined;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      length += chunk.length;
      last = chunk.at(-1);
    }
  } catch (error) {
    throw new OneroofError('usage', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const fileDigest = hash.copy().digest('hex');
  const tail = sentinelLine(last, sentinel);
  hash.update(tail);
  const digest = hash.digest('hex');
  return {
    bytes: () => Readable.from(concatStreams(path, tail)),
    length: length + tail.length,
    sha256: digest,
    map: undefined,
    files: [{ path, sha256: fileDigest }],
    sentinel,
  };
}

async function* concatStreams(path: string, tail: Buffer): AsyncGenerator<Buffer> {
  yield* createReadStream(path) as AsyncIterable<Buffer>;
  yield tail;
}

export async function runSql(request: RunRequest): Promise<RunResult> {
  // 1. Validate and build locally: nothing is contacted when this throws.
  let argv: string[];
  try {
    argv = buildPsqlInvocation({
      container: request.target.container,
      database: request.target.database,
      user: request.target.user,
      ...(request.variables ? { variables: request.variables } : {}),
      ...(request.flags ? { flags: request.flags } : {}),
    });
  } catch (error) {
    if (error instanceof CommandLineError)
      throw new OneroofError('usage', `target ${request.target.name}: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
  const prepared = await prepareStream(request.source);
  const staged = buildStagedArgv(argv, { length: prepared.length, sha256: prepared.sha256 });

  // 2. The log, before anything connects.
  const log = RunLog.open({
    dir: request.logDir,
    kind: request.kind,
    target: request.target.name,
    ...(request.now ? { now: request.now } : {}),
    ...(request.argv ? { argv: request.argv } : {}),
  });
  const started = Date.now();
  try {
    log.record('stream', {
      source: sourceName(request.source),
      length: prepared.length,
      sha256: prepared.sha256,
      files: prepared.files,
      variables: request.variables ?? {},
      map: prepared.map?.toJSON(),
    });

    // 3. Connect.
    const connection = await request.transport.connect();
    try {
      log.record('connected', { peer: connection.peer });
      request.onConnected?.(connection.peer);

      // 4. Stage and run.
      const running = connection.exec({
        container: request.target.container,
        argv: staged,
        stdin: typeof prepared.bytes === 'function' ? prepared.bytes() : prepared.bytes,
        ...(request.env ? { env: request.env } : {}),
      });
      log.record('exec', { commandLine: running.commandLine });
      const parser = createPsqlParser(prepared.map ? { map: prepared.map } : {});
      const events: PsqlEvent[] = [];
      let outputLines = 0;
      const take = (batch: PsqlEvent[]) => {
        for (const event of batch) {
          request.onEvent?.(event);
          // Query output is already in the .log byte for byte: keep a bounded sample, and do
          // not copy it into the records, so a large SELECT costs neither memory nor log space.
          if (event.kind === 'output' && ++outputLines > MAX_OUTPUT_EVENTS) continue;
          events.push(event);
          if (event.kind !== 'output') log.record('event', { event });
        }
      };
      const pump = (stream: 'stdout' | 'stderr') =>
        new Promise<void>((resolve) => {
          const source = stream === 'stdout' ? running.stdout : running.stderr;
          source.on('data', (chunk: Buffer) => {
            log.output(stream, chunk);
            request.onOutput?.(stream, chunk);
            take(parser.push(stream, chunk));
          });
          source.once('end', resolve);
          source.once('close', resolve);
          source.once('error', () => resolve());
        });
      const [end] = await Promise.all([running.done, pump('stdout'), pump('stderr')]);
      take(parser.end());

      // 5. Judge.
      const sentinelSeen = events.some(
        (e) => e.kind === 'sentinel' && e.nonce === prepared.sentinel,
      );
      const outcome = classify(end, sentinelSeen);
      const result: RunResult = {
        outcome,
        end,
        peer: connection.peer,
        events,
        log: log.paths,
        commandLine: running.commandLine,
        stream: { length: prepared.length, sha256: prepared.sha256, files: prepared.files },
        sentinelSeen,
        durationMs: Date.now() - started,
        ...(log.failure ? { logFailure: log.failure.message } : {}),
      };
      log.close({ outcome, end, sentinelSeen, durationMs: result.durationMs });
      return result;
    } finally {
      await connection.close();
    }
  } catch (error) {
    log.close({ outcome: 'error', error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

function sourceName(source: SqlSource): string {
  if (source.kind === 'packet') return source.entry;
  if (source.kind === 'file') return source.path;
  return source.label;
}

export function classify(end: ExecEnd, sentinelSeen: boolean): RunOutcome {
  if (end.kind === 'lost') return 'lost';
  if (end.kind === 'signal') return 'failed';
  switch (end.code) {
    case 0:
      return sentinelSeen ? 'ok' : 'incomplete';
    case 3:
      return 'sql-error';
    case 1:
    case 2:
      return 'psql-failed';
    case STAGE_EXIT_INCOMPLETE:
    case STAGE_EXIT_FAILED:
      return 'not-run';
    default:
      return 'failed';
  }
}
