/**
 * A cited run log, replayed (src/audit/replay.ts: its chain, every byte of its .log, its own
 * signature when it has one) and held against what the evidence set says of it: the run id, and
 * the head and length of its records' chain. The one check of a cited log, for sealing and for
 * verifying.
 */
import { replayLog } from '../audit/replay.js';
import { describeProblem } from '../audit/integrity.js';

export interface CitedExpectation {
  runId: string;
  head: string;
  /** Unknown when sealing (the replay says it). */
  records?: number;
}

export type CitedCheck =
  { ok: true; records: number; head: string; summary: string } | { ok: false; reason: string };

export async function checkCitedLog(
  log: string,
  expected: CitedExpectation,
  env: NodeJS.ProcessEnv | undefined,
): Promise<CitedCheck> {
  let report;
  try {
    report = await replayLog({ path: log, ...(env ? { env } : {}) });
  } catch (error) {
    return { ok: false, reason: `cannot be replayed: ${(error as Error).message}` };
  }
  const integrity = report.integrity;
  if (report.source.records === null)
    return { ok: false, reason: 'has no records file: a log made by hand proves nothing' };
  if (integrity.verdict === 'tampered')
    return {
      ok: false,
      reason: `does not replay intact: ${integrity.firstBad ? describeProblem(integrity.firstBad) : integrity.summary}`,
    };
  if (report.run.id !== expected.runId)
    return {
      ok: false,
      reason: `is the log of run ${report.run.id ?? '(no run id)'}, not of run ${expected.runId}`,
    };
  const head = integrity.head ?? '';
  const records = integrity.records ?? 0;
  if (head !== expected.head || (expected.records !== undefined && records !== expected.records))
    return {
      ok: false,
      reason: `its records end at head ${head} after ${records} records, but the set cites head ${expected.head}${expected.records === undefined ? '' : ` after ${expected.records}`}: another state of the log`,
    };
  return { ok: true, records, head, summary: integrity.summary };
}
