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
import type { RunOutcome } from '../model/judge.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { EXIT, OneroofError } from '../errors.js';
import type { Target } from '../inventory/load.js';
import { bundlePacket, BundleError, fsPacketReader, type PacketReader } from '../packet/bundle.js';
import type { SourceMap } from '../packet/source-map.js';
import { createPsqlParser } from '../psql/parse.js';
import type { PsqlEvent } from '../psql/events.js';
import { buildPsqlInvocation, CommandLineError, type PsqlFlag } from '../remote/psql-command.js';
import { buildStagedArgv, STAGE_EXIT_FAILED, STAGE_EXIT_INCOMPLETE } from '../remote/stage.js';
import {
  RunLog,
  type EndFields,
  type RunKind,
  type RunLogPaths,
  type RunLogSeal,
} from '../runlog/writer.js';
import { anchorRunLog, type AnchorReceipt } from '../audit/anchor.js';
import { readOnlyOptions, readOnlyUser, readOnlyVariables } from './read-only.js';
import type { Connection, ExecEnd, Peer, Transport } from '../transport/types.js';

export type SqlSource =
  /** A packet entry file; its \i / \ir includes are expanded locally. */
  | { kind: 'packet'; root: string; entry: string }
  /** SQL text the runner itself chose (probes); `label` names it in messages. */
  | { kind: 'text'; label: string; text: string }
  /** One file streamed as is (no includes expanded): large scripts stay out of memory. */
  | { kind: 'file'; path: string }
  /**
   * A script oneroof generated (the lock, a probe, then a packet entry file), placed at
   * `<root>/<name>` for the bundler: its `\ir` includes are packet files, checked like any other.
   */
  | { kind: 'plan'; root: string; name: string; text: string };

/** One exec of psql: what it reads and how it is started. */
export interface StepRequest {
  /** Names the step in the records (`main`, `state-exit`, …). */
  name?: string;
  source: SqlSource;
  /** psql variables: values reach SQL only as :'name'. */
  variables?: Record<string, string>;
  flags?: readonly PsqlFlag[];
  /** Session settings for docker exec -e (PGOPTIONS, PGAPPNAME). */
  env?: Readonly<Record<string, string>>;
  /**
   * Read-only, enforced by the server: the session logs in as the target's read role (a
   * NOSUPERUSER role that can only read), with default_transaction_read_only=on and the
   * read timeouts (src/runner/read-only.ts). With `read_only: session`, as the apply role
   * with the client setting only.
   */
  readOnly?: boolean;
  /** psql's output goes into the .log (default). Probes record their result instead. */
  tee?: boolean;
  onEvent?: (event: PsqlEvent) => void;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** One run: one log, one connection, one or more steps. */
export interface SessionRequest {
  kind: RunKind;
  target: Target;
  transport: Transport;
  logDir: string;
  /** The user's command line, for the log's first record. */
  argv?: readonly string[];
  now?: () => Date;
  onConnected?: (peer: Peer) => void;
  /** The log could not be written after it was opened (disk full, I/O error): called once. */
  onLogFailure?: (error: Error) => void;
}

export type RunRequest = SessionRequest & StepRequest;

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
  if (source.kind === 'packet' || source.kind === 'plan') {
    try {
      const bundle = await bundlePacket(
        source.kind === 'packet'
          ? { root: source.root, entry: source.entry }
          : {
              root: source.root,
              entry: source.name,
              reader: planReader(source),
              generatedEntry: true,
            },
      );
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

/** The disk, plus the generated script at `<root>/<name>` (which exists only in memory). */
function planReader(plan: { root: string; name: string; text: string }): PacketReader {
  const virtual = resolve(plan.root, plan.name);
  const text = Buffer.from(plan.text, 'utf8');
  return {
    readFile: (p) => (p === virtual ? text : fsPacketReader.readFile(p)),
    realpath: async (p) =>
      p === virtual
        ? resolve(await fsPacketReader.realpath(dirname(p)), basename(p))
        : fsPacketReader.realpath(p),
  };
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

/** A step validated and built: its exact bytes and staged argv. Nothing contacted yet. */
export interface PreparedStep {
  name: string;
  request: StepRequest;
  prepared: PreparedStream;
  staged: string[];
  env: Readonly<Record<string, string>> | undefined;
}

/** Validates a step and builds its stream locally: throws a usage error before any contact. */
export async function prepareStep(target: Target, step: StepRequest): Promise<PreparedStep> {
  let argv: string[];
  try {
    argv = buildPsqlInvocation({
      container: target.container,
      database: target.database,
      user: step.readOnly ? readOnlyUser(target) : target.user,
      variables: { ...step.variables, ...(step.readOnly ? readOnlyVariables(target) : {}) },
      ...(step.flags ? { flags: step.flags } : {}),
    });
  } catch (error) {
    if (error instanceof CommandLineError)
      throw new OneroofError('usage', `target ${target.name}: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
  const env = step.readOnly
    ? { ...step.env, PGOPTIONS: readOnlyOptions(target, step.env?.PGOPTIONS) }
    : step.env;
  const prepared = await prepareStream(step.source);
  const staged = buildStagedArgv(argv, { length: prepared.length, sha256: prepared.sha256 });
  return { name: step.name ?? 'main', request: step, prepared, staged, env };
}

/**
 * One run on one target: the log (opened before anything connects), one connection, and any
 * number of psql sessions on it, run one after the other. Close it in `finally`.
 */
/** What closing a session leaves: the log's seal, and where it was anchored (or why not). */
export interface SessionClose {
  seal: RunLogSeal;
  anchor?: AnchorReceipt;
  anchorError?: string;
}

export class RunSession {
  private closing: Promise<SessionClose> | undefined;
  /** A step lost the connection: nothing more is sent on it. */
  private lost = false;

  private constructor(
    readonly request: SessionRequest,
    readonly log: RunLog,
    readonly connection: Connection,
    readonly started: number,
  ) {}

  /** Opens the log, then connects (verifying the host key). The log records a failure. */
  static async open(request: SessionRequest): Promise<RunSession> {
    const log = RunLog.open({
      dir: request.logDir,
      kind: request.kind,
      target: request.target.name,
      ...(request.now ? { now: request.now } : {}),
      ...(request.argv ? { argv: request.argv } : {}),
      ...(request.onLogFailure ? { onFailure: request.onLogFailure } : {}),
    });
    const started = Date.now();
    let connection: Connection;
    try {
      connection = await request.transport.connect();
    } catch (error) {
      log.close(failedEnd(error));
      throw error;
    }
    log.record('connected', { peer: connection.peer });
    request.onConnected?.(connection.peer);
    return new RunSession(request, log, connection, started);
  }

  get peer(): Peer {
    return this.connection.peer;
  }

  record: RunLog['record'] = (name, fields, msg) => this.log.record(name, fields, msg);

  /** Stages and runs one step; its output is parsed (and teed into the .log) as it arrives. */
  async run(step: PreparedStep): Promise<RunResult> {
    const { request, prepared } = step;
    const started = Date.now();
    this.log.record('stream', {
      step: step.name,
      source: sourceName(request.source),
      length: prepared.length,
      sha256: prepared.sha256,
      files: prepared.files,
      variables: request.variables ?? {},
      readOnly: request.readOnly === true,
      map: prepared.map?.toJSON(),
    });
    const running = this.connection.exec({
      container: this.request.target.container,
      argv: step.staged,
      stdin: typeof prepared.bytes === 'function' ? prepared.bytes() : prepared.bytes,
      ...(step.env ? { env: step.env } : {}),
    });
    this.log.record('exec', { step: step.name, commandLine: running.commandLine });
    const tee = request.tee !== false;
    const parser = createPsqlParser(prepared.map ? { map: prepared.map } : {});
    const events: PsqlEvent[] = [];
    let outputLines = 0;
    const take = (batch: PsqlEvent[]) => {
      for (const event of batch) {
        // Recorded first, then shown: whatever the operator saw (a tier ok) is already in the
        // records, even when the runner is killed right after printing it.
        // Query output is already in the .log byte for byte: keep a bounded sample, and do
        // not copy it into the records, so a large SELECT costs neither memory nor log space.
        const kept = event.kind !== 'output' || ++outputLines <= MAX_OUTPUT_EVENTS;
        if (kept) events.push(event);
        if (event.kind !== 'output') this.log.record('event', { step: step.name, event });
        request.onEvent?.(event);
      }
    };
    const pump = (stream: 'stdout' | 'stderr') =>
      new Promise<void>((resolve) => {
        const source = stream === 'stdout' ? running.stdout : running.stderr;
        source.on('data', (chunk: Buffer) => {
          if (tee) this.log.output(stream, chunk);
          request.onOutput?.(stream, chunk);
          take(parser.push(stream, chunk));
        });
        source.once('end', resolve);
        source.once('close', resolve);
        source.once('error', () => resolve());
      });
    const [end] = await Promise.all([running.done, pump('stdout'), pump('stderr')]);
    take(parser.end());

    const sentinelSeen = events.some((e) => e.kind === 'sentinel' && e.nonce === prepared.sentinel);
    const outcome = classify(end, sentinelSeen);
    if (outcome === 'lost') this.lost = true;
    const result: RunResult = {
      outcome,
      end,
      peer: this.connection.peer,
      events,
      log: this.log.paths,
      commandLine: running.commandLine,
      stream: { length: prepared.length, sha256: prepared.sha256, files: prepared.files },
      sentinelSeen,
      durationMs: Date.now() - started,
      ...(this.log.failure ? { logFailure: this.log.failure.message } : {}),
    };
    this.log.record('step-end', {
      step: step.name,
      outcome,
      end,
      sentinelSeen,
      durationMs: result.durationMs,
    });
    return result;
  }

  /** Closes the connection and writes the log's end record. Idempotent. */
  /**
   * Seals the log (its end record), then anchors the seal on the target over this same
   * connection (src/audit/anchor.ts) unless asked not to or the connection was lost, then
   * closes the connection. An anchor that cannot be written is reported, never fatal: the log
   * is complete and the run's result stands. Idempotent.
   */
  async close(fields: EndFields = {}, options: { anchor?: boolean } = {}): Promise<SessionClose> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const seal = this.log.close({ durationMs: Date.now() - this.started, ...fields });
      const closed: SessionClose = { seal };
      try {
        // A head whose records are not all on disk proves nothing: it is never anchored.
        if (options.anchor && seal.failure !== undefined)
          closed.anchorError = `the log is incomplete (${seal.failure}): its head is not anchored`;
        else if (options.anchor && !this.lost) {
          try {
            closed.anchor = await anchorRunLog(this.connection, this.request.target, seal);
          } catch (error) {
            closed.anchorError = errorText(error);
          }
        }
      } finally {
        await this.connection.close();
      }
      return closed;
    })();
    return this.closing;
  }
}

/** One step on its own session: validate, log, connect, run, close. */
export async function runSql(request: RunRequest): Promise<RunResult> {
  const step = await prepareStep(request.target, request);
  const session = await RunSession.open(request);
  try {
    const result = await session.run(step);
    await session.close({
      outcome: result.outcome,
      end: result.end,
      sentinelSeen: result.sentinelSeen,
    });
    return result;
  } catch (error) {
    await session.close(failedEnd(error));
    throw error;
  }
}

/**
 * The end record of a run that stopped on an error before it could judge itself: the error and
 * the exit code oneroof leaves with for it (so replay says the exit code the run had).
 */
export function failedEnd(error: unknown): EndFields {
  return {
    outcome: 'error',
    ...(error === undefined ? {} : { error: errorText(error) }),
    exitCode: error instanceof OneroofError ? error.exitCode : EXIT.runtime,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sourceName(source: SqlSource): string {
  if (source.kind === 'packet') return source.entry;
  if (source.kind === 'plan') return source.name;
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
