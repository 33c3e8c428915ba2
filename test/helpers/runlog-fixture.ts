/**
 * A run log written the way the runner writes one (src/runner/run.ts: RunSession), from a
 * recorded psql run (test/fixtures/psql/<case>.stdout/.stderr), without any database: the
 * records and the .log that replay's unit tests check and tamper with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketSummary } from '../../src/contract/summary.js';
import { createPsqlParser } from '../../src/psql/parse.js';
import { forRecords } from '../../src/psql/events.js';
import { RunLog, type RunLogOptions, type RunLogSeal } from '../../src/runlog/writer.js';

const PSQL = join(import.meta.dirname, '..', 'fixtures', 'psql');

export interface FixtureRun {
  /** A case of test/fixtures/psql. */
  psqlCase: string;
  dir: string;
  /** Extra records, as the commands write them (release, state, lock, step…), before the run. */
  before?: [string, Record<string, unknown>][];
  after?: [string, Record<string, unknown>][];
  end?: Record<string, unknown>;
  /** Bytes per output chunk (the recording is cut into chunks of this size). */
  chunk?: number;
  /** Leave the log open (a crash): no end record. */
  crash?: boolean;
  /** The packet's names in the start record, as a release command writes them. */
  packet?: PacketSummary;
}

/**
 * A clock that does not depend on when or how fast the test runs: the wall clock starts at
 * `start` and each reading moves it 1 ms on; the monotonic clock (the records' `t`) is the
 * number of readings in ms. With the fixed run id, the same fixture writes the same bytes.
 */
export function fixedClock(
  start = '2026-11-25T11:30:05.000Z',
  runId = '00000000-0000-4000-8000-000000000001',
): Required<Pick<RunLogOptions, 'now' | 'elapsed' | 'runId'>> {
  const at = Date.parse(start);
  let wall = 0;
  let mono = 0;
  return {
    now: () => new Date(at + wall++),
    elapsed: () => mono++ / 1000,
    runId,
  };
}

export function writeFixtureRun(options: FixtureRun): {
  seal: RunLogSeal | undefined;
  log: RunLog;
} {
  const stdout = readFileSync(join(PSQL, `${options.psqlCase}.stdout`));
  const stderr = readFileSync(join(PSQL, `${options.psqlCase}.stderr`));
  const exit = Number(readFileSync(join(PSQL, `${options.psqlCase}.exit`), 'utf8').trim());
  const log = RunLog.open({
    dir: options.dir,
    kind: 'rollout',
    target: 'replica',
    argv: ['apply', '--target', 'replica', '--apr', 'APR-2026-0142'],
    ...fixedClock(),
    ...(options.packet ? { packet: options.packet } : {}),
    // Records of two chunks each (by default): several output records, each in pieces.
    maxHeld: 2 * (options.chunk ?? 64),
  });
  log.record('connected', {
    peer: {
      transport: 'ssh2',
      host: '127.0.0.1',
      port: 2222,
      user: 'op',
      hostKeyFingerprint: 'SHA256:abc',
    },
  });
  for (const [name, fields] of options.before ?? []) log.logger.info({ record: name, ...fields });
  log.record('stream', {
    step: 'main',
    source: 'prod/99_run_all.sql',
    length: 1234,
    sha256: 'ab'.repeat(32),
    files: [{ path: 'prod/99_run_all.sql', sha256: 'cd'.repeat(32) }],
    variables: { ratified_apr: 'APR-2026-0142' },
  });
  log.record('exec', {
    step: 'main',
    commandLine: "docker exec -i replica sh -c '…' oneroof-stage …",
  });
  const parser = createPsqlParser();
  const size = options.chunk ?? 64;
  // As the runner records them (src/runner/run.ts).
  const recorded = (events: ReturnType<typeof parser.end>) => {
    const { events: kept, urgent } = forRecords(events);
    return { step: 'main', events: kept, flush: urgent };
  };
  for (const [stream, bytes] of [
    ['stderr', stderr],
    ['stdout', stdout],
  ] as const)
    for (let at = 0; at < bytes.length; at += size) {
      const chunk = bytes.subarray(at, at + size);
      log.output(stream, chunk, recorded(parser.push(stream, chunk)));
    }
  // parser.end()'s events are not recorded: replay ends its own parser (format 3).
  parser.end();
  const outcome = exit === 0 ? 'ok' : exit === 3 ? 'sql-error' : 'failed';
  log.record('step-end', {
    step: 'main',
    outcome,
    end: { kind: 'exit', code: exit },
    durationMs: 12,
  });
  for (const [name, fields] of options.after ?? []) log.logger.info({ record: name, ...fields });
  if (options.crash) return { seal: undefined, log };
  const seal = log.close({
    outcome,
    end: { kind: 'exit', code: exit },
    sentinelSeen: exit === 0,
    ...options.end,
  });
  return { seal, log };
}
