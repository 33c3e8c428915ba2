/**
 * The engine: one SQL stream through one transport into psql, its output teed into the run log
 * and parsed into events as it arrives. Order matters and is the safety argument:
 *   1. everything the user gave is validated and the stream is built locally (exit 2 before
 *      anything is contacted: ./step.ts, ./stream.ts);
 *   2. the log is opened (a log that cannot be written stops the run here);
 *   3. the transport connects (and verifies the host key);
 *   4. the bytes are staged on the far side and psql starts only on a whole, checked copy;
 *   5. success is exit 0 *and* our random sentinel echoed after the last statement
 *      (./outcome.ts).
 */
import { createPsqlParser } from '../psql/parse.js';
import { forRecords, type PsqlEvent } from '../psql/events.js';
import { RecordingMap } from '../packet/map-excerpts.js';
import { formatMatches } from '../psql/raise-format.js';
import { excerptTuple } from '../runlog/compact.js';
import type { StepRecord } from './live-record.js';
import { RunLog, type EndFields } from '../runlog/writer.js';
import { anchorRunLog } from '../runlog/anchor.js';
import type { Connection, Peer } from '../transport/types.js';
import { onTheWire } from './compress.js';
import { classify, errorText, failedEnd } from './outcome.js';
import { prepareStep, type PreparedStep } from './step.js';
import type { SqlSource } from './stream.js';

// The engine (src/engine/) reaches the runner through this module.
export { prepareStep, type PreparedStep } from './step.js';
export {
  sessionExtras,
  type RunResult,
  type SessionClose,
  type SessionRequest,
} from './session-types.js';
import type { RunRequest, RunResult, SessionClose, SessionRequest } from './session-types.js';

/** Query-output lines kept in RunResult.events (all of them are in the .log). */
const MAX_OUTPUT_EVENTS = 10_000;

/**
 * One run on one target: the log (opened before anything connects), one connection, and any
 * number of psql sessions on it, run one after the other. Close it in `finally`.
 */
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
      ...(request.elapsed ? { elapsed: request.elapsed } : {}),
      ...(request.runId ? { runId: request.runId } : {}),
      ...(request.argv ? { argv: request.argv } : {}),
      ...(request.onLogFailure ? { onFailure: request.onLogFailure } : {}),
      ...(request.packet ? { packet: request.packet } : {}),
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
    this.note({
      name: 'stream',
      fields: {
        step: step.name,
        source: sourceName(request.source),
        length: prepared.length,
        sha256: prepared.sha256,
        files: prepared.files,
        variables: request.variables ?? {},
        readOnly: request.readOnly === true,
        parse: {
          map: prepared.map !== undefined,
          markers: prepared.map?.knowsMarkers === true,
          ...(prepared.claims
            ? {
                claims: {
                  preflight: [...prepared.claims.preflight],
                  verify: [...prepared.claims.verify],
                },
              }
            : {}),
        },
      },
    });
    const running = this.connection.exec({
      container: this.request.target.container,
      argv: step.staged,
      stdin: onTheWire(prepared),
      ...(step.env ? { env: step.env } : {}),
    });
    this.log.record('exec', { step: step.name, commandLine: running.commandLine });
    const tee = request.tee !== false;
    // The map's answers are recorded with the chunk that asked (replay parses the .log again).
    const map =
      prepared.map &&
      new RecordingMap(
        prepared.map,
        formatMatches,
        prepared.files.map((f) => f.path),
      );
    const parser = createPsqlParser({
      ...(map ? { map } : {}),
      ...(prepared.claims ? { claims: prepared.claims } : {}),
    });
    const events: PsqlEvent[] = [];
    let outputLines = 0;
    const take = (batch: PsqlEvent[]) => {
      for (const event of batch) {
        // Query output is already in the .log byte for byte: keep a bounded sample, and do
        // not copy it into the records, so a large SELECT costs neither memory nor log space.
        const kept = event.kind !== 'output' || ++outputLines <= MAX_OUTPUT_EVENTS;
        if (kept) events.push(event);
        request.onEvent?.(event);
      }
    };
    // Recorded first, then shown: whatever the operator saw (a tier ok) is already in the
    // records, even when the runner is killed right after printing it (forRecords: urgent).
    const record = (batch: PsqlEvent[], chunk?: { stream: 'stdout' | 'stderr'; bytes: Buffer }) => {
      const { events: kept, urgent } = forRecords(batch);
      const excerpts = map?.take(batch);
      const parsed = { step: step.name, events: kept, flush: urgent, map: excerpts };
      // Teed, the bytes are the record (parser.end()'s events too: replay ends its parser).
      if (chunk && tee) this.log.output(chunk.stream, chunk.bytes, parsed);
      else if (!tee) this.log.events(step.name, kept);
    };
    const pump = (stream: 'stdout' | 'stderr') =>
      new Promise<void>((resolve) => {
        const source = stream === 'stdout' ? running.stdout : running.stderr;
        source.on('data', (chunk: Buffer) => {
          const batch = parser.push(stream, chunk);
          record(batch, { stream, bytes: chunk });
          request.onOutput?.(stream, chunk);
          take(batch);
        });
        source.once('end', resolve);
        source.once('close', resolve);
        source.once('error', () => resolve());
      });
    const [end] = await Promise.all([running.done, pump('stdout'), pump('stderr')]);
    const last = parser.end();
    // What the map answered for the parser's end (a message it closed): in the step-end record.
    const endMap = tee ? map?.take(last) : undefined;
    record(last);
    take(last);

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
    this.note({
      name: 'step-end',
      fields: {
        step: step.name,
        outcome,
        end,
        sentinelSeen,
        durationMs: result.durationMs,
        ...(endMap?.length ? { map: endMap.map(excerptTuple) } : {}),
      },
    });
    return result;
  }

  /** A record the live view follows: written, then told. */
  private note(record: StepRecord): void {
    if (record.name === 'stream') this.log.record('stream', record.fields);
    else this.log.record('step-end', record.fields);
    this.request.onRecord?.(record);
  }

  /**
   * Seals the log (its end record), then anchors the seal on the target over this same
   * connection (src/runlog/anchor.ts) unless asked not to or the connection was lost, then
   * closes the connection. An anchor that cannot be written is reported, never fatal: the log
   * is complete and the run's result stands. Idempotent.
   */
  async close(fields: EndFields = {}, options: { anchor?: boolean } = {}): Promise<SessionClose> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const end = { durationMs: Date.now() - this.started, ...fields };
      const seal = this.log.close(end);
      this.request.onRecord?.({ name: 'end', fields: end });
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

/** One step on its own session: validate, log, connect, run, close. @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
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

function sourceName(source: SqlSource): string {
  if (source.kind === 'packet') return source.entry;
  if (source.kind === 'plan') return source.name;
  if (source.kind === 'file') return source.path;
  return source.label;
}
