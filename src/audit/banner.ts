/**
 * The first thing an auditor reads, in the text report and on the page alike: the integrity
 * verdict in capitals (VERIFIED, SIGNED, UNSIGNED, TAMPERED) and what the run came to. A
 * tampered log's outcome is not told: nothing in it can be trusted.
 */
import type { ReplayReport } from './report.js';

export function banner(report: ReplayReport): { verdict: string; outcome: string } {
  const { integrity, outcome } = report;
  const verdict = integrity.verdict.toUpperCase();
  if (integrity.verdict === 'tampered')
    return { verdict, outcome: 'the log was changed: its outcome is not told' };
  const exit = outcome.exitCode === null ? '' : ` (exit ${outcome.exitCode})`;
  return { verdict, outcome: `${outcome.outcome}${exit}` };
}
