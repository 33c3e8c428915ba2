/**
 * 10 self-review: each item with its evidence (the run and record it cites) or "not checked",
 * never a claim no run of this set has shown.
 */
import type { EvidenceDoc } from './doc.js';
import { cite, header, type EvidenceInput } from './input.js';

export function selfReview(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const pre = input.preflight;
  const status = input.status;
  const compared = (raw: string | undefined) =>
    raw
      ?.split('|')
      .filter((_, i) => d.state.columns[i]?.volatile !== true)
      .join('|');
  const item = (what: string, evidence: string | undefined): string[] => [
    what,
    evidence === undefined ? 'not checked' : 'checked',
    evidence ?? 'not checked',
  ];
  const unchanged = (run: typeof pre) =>
    run?.state.entry && run.state.exit
      ? `${compared(run.state.entry.raw) === compared(run.state.exit.raw) ? 'equal' : 'DIFFERENT'}: ${run.state.entry.raw} → ${run.state.exit.raw}, ${cite(run, run.state.exit.record)}`
      : undefined;
  const rows = [
    item(
      'The packet matches its manifest',
      `manifest sha256 ${input.packet.manifestSha256}, checked when this set was built`,
    ),
    item(
      'The packet is signed',
      input.packet.signer.startsWith('unsigned') ? undefined : input.packet.signer,
    ),
    item(
      'The runs were made with this packet',
      pre?.manifest
        ? pre.manifest === input.packet.manifestSha256
          ? `run ${pre.runId} recorded the same manifest`
          : `DIFFERENT: run ${pre.runId} recorded ${pre.manifest}`
        : undefined,
    ),
    item('The preflight ran read-only', pre?.readOnly === true ? cite(pre) : undefined),
    item('Production unchanged by the preflight (entry == exit)', unchanged(pre)),
    item(
      'The status run reads the same state as the preflight',
      status?.state.entry && pre?.state.entry
        ? `${compared(status.state.entry.raw) === compared(pre.state.entry.raw) ? 'same' : 'DIFFERENT'}: ${status.state.entry.raw}, ${cite(status, status.state.entry.record)}`
        : undefined,
    ),
    item(
      'Every precondition has an observed value',
      pre && pre.checks.length
        ? `${pre.checks.filter((c) => c.status !== 'INFO').length} checks, ${cite(pre)}`
        : undefined,
    ),
    item(
      'The verdict',
      pre?.verdict
        ? `${pre.verdict.verdict}${pre.verdict.noGo.length ? ` (${pre.verdict.noGo.join(', ')})` : ''}, ${cite(pre, pre.verdict.record)}`
        : undefined,
    ),
    item(
      'The cited logs are intact',
      [pre, status, input.revalidation].every((r) => r === undefined)
        ? undefined
        : [pre, status, input.revalidation]
            .filter((r) => r)
            .map((r) => `${r!.runId}: ${r!.integrity.verdict}, head ${r!.head}`)
            .join('; '),
    ),
    item('Clone revalidation (document 04)', revalidated(input)),
    item(
      'Every tier has a rollback or is undone by the full rollback',
      `${d.tiers.filter((t) => t.rollback).length} of ${d.tiers.length} tiers have a per-tier rollback; ${d.entries.rollback_full} undoes all (packet.yml)`,
    ),
  ];
  return {
    file: '10-self-review.md',
    title: '10 Self-review',
    blocks: [
      ...header(input, [pre, status]),
      { kind: 'table', head: ['item', 'result', 'evidence'], rows },
    ],
  };
}

/** The revalidation's outcome, as 04 shows it; undefined when none ran. */
function revalidated(input: EvidenceInput): string | undefined {
  const run = input.revalidation;
  if (run === undefined) return undefined;
  const { entry, exit } = run.state;
  const back =
    entry?.fingerprint !== undefined &&
    entry.fingerprint === exit?.fingerprint &&
    entry.raw === exit.raw;
  return `${run.outcome.outcome} on replica ${run.target}${back ? ', state and fingerprint unchanged after it' : ', NOT shown unchanged after it'}, ${cite(run, exit?.record)}`;
}
