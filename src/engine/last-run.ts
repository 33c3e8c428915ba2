/**
 * What became of a mutating run whose client went away (a lost connection, a killed runner):
 * the staged script goes on in the container, or the server rolls its open tier back. status
 * finds the newest apply/rollback log for the target on this machine and, when that run did not
 * end normally, compares what its log saw with what the server says now (the ledger and the
 * sessions still alive), and says which.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { replayLog } from '../audit/replay.js';
import type { ReplayReport } from '../audit/report.js';
import type { AliveSession, LedgerRow } from './probes.js';

export interface LastRun {
  log: string;
  command: string;
  startedAt: string | null;
  by: string | null;
  /** How the log ends: 'lost' (the connection went) or 'incomplete' (no end record). */
  ended: string;
  /** running: a oneroof session still holds the run lock; finished: it is gone. */
  server: 'running' | 'finished';
  /** Tiers the log did not see committed that the ledger shows applied: it went on. */
  committedAfter: number[];
  /** Tiers the log saw begin that the ledger does not show applied: rolled back. */
  rolledBack: number[];
  message: string;
}

/** How many logs status looks through for the target's last mutating run. */
const MAX_LOGS = 200;
const MUTATING_LOG = /^(rollout|rollback)_\d{8}T\d{6}Z(-\d+)?\.jsonl$/;

/** The newest apply/rollback records file of `target` in logDir (names sort by time). */
/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
export function findLastMutatingLog(logDir: string, target: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(logDir).filter((n) => MUTATING_LOG.test(n));
  } catch {
    return undefined;
  }
  names.sort((a, b) => stamp(b).localeCompare(stamp(a)));
  for (const name of names.slice(0, MAX_LOGS)) {
    const first = firstLine(join(logDir, name));
    try {
      const record = JSON.parse(first ?? '') as { record?: string; target?: string };
      if (record.record === 'start' && record.target === target) return join(logDir, name);
    } catch {
      // not a record file we can read: replay is the tool for that
    }
  }
  return undefined;
}

function stamp(name: string): string {
  const m = /_(\d{8}T\d{6}Z)(?:-(\d+))?\./.exec(name);
  return m ? `${m[1]}-${(m[2] ?? '1').padStart(4, '0')}` : '';
}

function firstLine(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? undefined : text.slice(0, end);
  } finally {
    closeSync(fd);
  }
}

/** The last mutating run on `target`, when it did not end normally; undefined otherwise. */
export async function lastUnfinishedRun(
  logDir: string,
  target: string,
  ledger: readonly LedgerRow[],
  alive: readonly AliveSession[],
): Promise<LastRun | undefined> {
  const records = findLastMutatingLog(logDir, target);
  if (records === undefined) return undefined;
  const report = await replayLog({ path: records });
  const ended = report.outcome.outcome;
  if (ended !== 'lost' && ended !== 'incomplete') return undefined;
  return fateOnTarget(report, records, ledger, alive);
}

/**
 * What the target's ledger and live sessions say of a run its log left open (replay --target
 * and status share it): still running, rolled back, or gone on after the client left.
 */
export function fateOnTarget(
  report: ReplayReport,
  records: string,
  ledger: readonly LedgerRow[],
  alive: readonly AliveSession[],
): LastRun {
  const ended = report.outcome.outcome;
  const applied = new Set(ledger.filter((r) => r.applied).map((r) => r.tier));
  const tiers = report.tiers.filter(
    (t): t is typeof t & { tier: number } => typeof t.tier === 'number',
  );
  const seen = new Set(
    tiers.filter((t) => t.status === 'ok' || t.status === 'skipped').map((t) => t.tier),
  );
  // An apply's tiers: what the ledger has that the log never saw committed went on without
  // the client; what the log saw begin and the ledger lacks was rolled back by the server.
  const isApply = report.run.command === 'apply';
  const committedAfter = isApply
    ? [...applied].filter((tier) => !seen.has(tier)).sort((a, b) => a - b)
    : [];
  const rolledBack = isApply
    ? tiers
        .filter((t) => (t.status === 'unknown' || t.status === 'failed') && !applied.has(t.tier))
        .map((t) => t.tier)
    : [];
  const running = alive.some(
    (s) => s.holdsRunLock && /^oneroof (apply|rollback) /.test(s.applicationName),
  );
  const name = records.replace(/\.jsonl$/, '.log');
  const what = `the last ${report.run.command ?? 'run'} (${name}) ${
    ended === 'lost'
      ? 'lost its connection'
      : ended === 'incomplete'
        ? 'ended without an end record'
        : `ended ${ended}`
  }`;
  let message: string;
  if (running) message = `${what}; it is still running on the server (see runs)`;
  else if (rolledBack.length > 0)
    message = `${what}; on the server tier ${rolledBack.join(', ')} was rolled back${
      committedAfter.length ? ` after ${committedAfter.join(', ')} committed` : ''
    } — fix the cause and run apply again`;
  else if (committedAfter.length > 0)
    message = `${what}; it went on on the server: tier ${committedAfter.join(', ')} committed after the client left`;
  else message = `${what}; the server finished it: the ledger above is what stands`;
  return {
    log: name,
    command: report.run.command ?? 'run',
    startedAt: report.run.startedAt,
    by: report.run.by ? `${report.run.by.user}@${report.run.by.host}` : null,
    ended,
    server: running ? 'running' : 'finished',
    committedAfter,
    rolledBack,
    message,
  };
}
