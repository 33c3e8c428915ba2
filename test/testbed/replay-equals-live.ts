/**
 * Setup of the integration project (vitest setupFiles): after every test, each run of the bin it
 * made (test/helpers/live-runs.ts) is replayed with `oneroof replay --json`, and replay must say
 * what the run said — its outcome, its tier table and its exit code (a release run's or a
 * reader setup's) — twice: as replay reports
 * it (the end record's word where there is one), and as the one judge (src/model/judge.ts)
 * rules from the log's events alone, ignoring the end record. Deterministic: it reads only
 * what the test's own runs wrote.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { takeRuns, type LiveRun } from '../helpers/live-runs.js';
import type { ReplayReport } from '../../src/audit/report.js';

const RELEASE_LOG =
  /^(preflight|rollout|verify|rollback|status|reader)_\d{8}T\d{6}Z(-\d+)?\.jsonl$/;

interface Live {
  outcome?: string;
  exitCode: number;
  tiers?: { tier: number; status: string }[];
}

let compared = 0;

afterEach(async () => {
  for (const run of takeRuns()) compared += await compare(run);
});

afterAll(() => {
  console.info(`replay = live: ${compared} run log(s) compared in this file`);
});

function releaseLogs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => RELEASE_LOG.test(name))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** What the run itself said: its --json result, else (one log) its exit code. */
function liveOf(run: LiveRun, records: string, logs: number): Live | undefined {
  if (run.code === null) return undefined;
  if (run.stdout.startsWith('{')) {
    try {
      const doc = JSON.parse(run.stdout) as Partial<Live> & { records?: string | null };
      if (doc.records === records && typeof doc.exitCode === 'number')
        return { ...(doc as Live), exitCode: doc.exitCode };
    } catch {
      // not one document: fall back to the exit code
    }
  }
  return logs === 1 ? { exitCode: run.code } : undefined;
}

async function compare(run: LiveRun): Promise<number> {
  const logs = releaseLogs(run.logDir);
  let count = 0;
  for (const records of logs) {
    const live = liveOf(run, records, logs.length);
    if (live === undefined) continue;
    const replayed = await runCli(['replay', records, '--json']);
    const report = JSON.parse(replayed.stdout) as ReplayReport;
    // A test that edits a log on purpose gets tampered: that is replay.test.ts's business.
    if (report.integrity.verdict === 'tampered') continue;
    const what = `${records} (oneroof ${run.args.join(' ')})`;
    // Killed while writing, or the log failed: no end record, no exit code to claim.
    if (!report.integrity.complete) {
      expect(report.outcome.exitCode, `${what}: a log without its end claims no exit code`).toBe(
        null,
      );
      count++;
      continue;
    }
    expect(report.outcome.exitCode, `${what}: replay's exit code`).toBe(live.exitCode);
    if (live.outcome !== undefined)
      expect(report.outcome.outcome, `${what}: replay's outcome`).toBe(live.outcome);
    const table = report.run.command === 'rollback' ? report.rollbacks : report.tiers;
    if (live.tiers !== undefined)
      expect(
        table.map((t) => [t.tier, t.status]),
        `${what}: replay's tier table`,
      ).toEqual(live.tiers.map((t) => [t.tier, t.status]));
    // The events alone, through the same judge, for a run whose log holds them all.
    const events = report.outcome.fromEvents;
    // It says less, never more: no exit code when the events never reached the main session's
    // end (the run stopped on an error of its own before: only the end record knows which).
    const mainEnded = report.steps.some((s) => s.step === 'main' && s.outcome !== undefined);
    if (live.outcome !== 'log-failed' && (mainEnded || events.exitCode !== null)) {
      expect(events.exitCode, `${what}: the judge from the events: exit code`).toBe(live.exitCode);
      if (live.outcome !== undefined)
        expect(events.outcome, `${what}: the judge from the events: outcome`).toBe(live.outcome);
      if (live.tiers !== undefined)
        expect(
          live.tiers.map((t) => [
            t.tier,
            events.tiers.find((e) => e.tier === t.tier)?.status ?? 'pending',
          ]),
          `${what}: the judge from the events: tiers`,
        ).toEqual(live.tiers.map((t) => [t.tier, t.status]));
    }
    count++;
  }
  return count;
}
