/**
 * 08 gate options: what the operator may do next, each option built from the packet contract
 * (packet.yml: the gate's variable, pattern and example, the entries, the dry-run and tier
 * variables, the tiers with a per-tier rollback, the replica's approval file), so an option the
 * packet does not have is not offered; then what closes the gate (the preflight's own markers)
 * and where the target stands, from the preflight run.
 */
import type { Block, EvidenceDoc } from './doc.js';
import { file, markerRows } from './docs-files.js';
import { cite, header, type EvidenceInput } from './input.js';

export function gateOptions(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const t = input.target;
  const f = file(input, d.entries.preflight);
  const run = input.preflight;
  const code = `${d.gate.example}`;
  const perTier = [...d.tiers].reverse().filter((x) => x.rollback !== undefined);
  const blocks: Block[] = [...header(input, [run])];
  blocks.push({
    kind: 'p',
    text: `The gate (packet.yml gate): the approval code travels in the psql variable ${d.gate.variable} (as a quoted literal only), must match ${d.gate.pattern} (e.g. ${d.gate.example}), and is judged by ${d.entries.preflight} (sha256 ${f.sha256}). The commands below use the example code; the real one is the ratified approval's.`,
  });
  const rows: string[][] = [
    [
      'hold',
      `oneroof preflight --target ${t}`,
      `${d.entries.preflight}: NO-GO (exit 3) while the gate is closed; nothing is changed`,
      'gate, entries.preflight',
    ],
    ...(d.replica.approve === undefined
      ? []
      : [
          [
            'rehearse the approval on a replica',
            `oneroof replica reset --approve ${code}`,
            `${d.replica.approve}: a ratified approval recorded on the local replica only (rehearsals)`,
            'replica.approve',
          ],
        ]),
    [
      'check the approval',
      `oneroof preflight --target ${t} --apr ${code}`,
      `${d.entries.preflight} with -v ${d.gate.variable}=${code}: GO once the approval is ratified`,
      'gate, entries.preflight',
    ],
    ...(d.variables.dry_run === undefined
      ? []
      : [
          [
            'rehearse the release',
            `oneroof apply --target ${t} --apr ${code} --dry-run`,
            `${d.entries.apply} with -v ${d.variables.dry_run}=on: every tier in one transaction, rolled back`,
            'variables.dry_run, entries.apply',
          ],
        ]),
    [
      'release',
      `oneroof apply --target ${t} --apr ${code}`,
      `${d.entries.apply}: tiers ${d.tiers.map((x) => `${x.tier} ${x.name}`).join(', ')}, then ${d.entries.verify}`,
      'tiers, entries.apply, entries.verify',
    ],
    ['verify', `oneroof verify --target ${t}`, `${d.entries.verify}, read-only`, 'entries.verify'],
    ...perTier.map((x) => [
      `undo tier ${x.tier} ${x.name}`,
      `oneroof rollback --target ${t} --tier ${x.tier}`,
      `${d.entries.rollback_tier} with -v ${d.variables.tier}=${x.tier} (${x.rollback}); in reverse order only`,
      `tiers[${x.tier}].rollback, entries.rollback_tier`,
    ]),
    [
      'undo everything',
      `oneroof rollback --target ${t} --full`,
      d.entries.rollback_full,
      'entries.rollback_full',
    ],
  ];
  blocks.push(
    { kind: 'h', text: 'Options' },
    { kind: 'table', head: ['option', 'command', 'what runs', 'from packet.yml'], rows },
  );
  blocks.push({ kind: 'h', text: 'What closes the gate (the preflight’s own markers)' });
  blocks.push({
    kind: 'table',
    head: ['at', 'marker format'],
    rows: markerRows(f, ['ONEROOF PREFLIGHT', 'ONEROOF NO-GO']),
  });
  blocks.push({ kind: 'h', text: `Where ${t} stands` });
  if (!run) blocks.push({ kind: 'p', text: 'Not checked: no preflight run in this evidence set.' });
  else {
    const v = run.verdict;
    blocks.push({
      kind: 'p',
      text:
        v === null
          ? `No verdict: the preflight ended ${run.outcome.outcome}; ${cite(run)}.`
          : v.verdict === 'GO'
            ? `GO: the gate is open for ${run.apr ?? 'the code given'}; the next option is to rehearse or release. ${cite(run, v.record)}.`
            : `NO-GO, closed by ${v.noGo.join(', ')}: the option is to hold until these pass. ${cite(run, v.record)}.`,
    });
    blocks.push({
      kind: 'table',
      head: ['check', 'result', 'observed', 'source'],
      rows: run.checks
        .filter((c) => c.status !== 'INFO')
        .map((c) => [c.check, c.status, c.observed, cite(run, c.record)]),
    });
  }
  return { file: '08-gate-options.md', title: '08 Gate options', blocks };
}
