/**
 * The documents generated from the packet contract and the packet's own files: 03 canonical
 * sequence, 05 executor, 06 rollback map, 07 verify suite. Every
 * name comes from packet.yml and every guard, assertion and check from the marker formats the
 * files' own statements raise, so the documents cannot drift from what runs.
 */
import type { Block, EvidenceDoc } from './doc.js';
import { header, type EvidenceInput } from './input.js';
import { file, included, markerRows } from './docs-files.js';

const GUARDS = ['ONEROOF NO-GO', 'ONEROOF REFUSED', 'ONEROOF LOCKED'];
const ASSERTS = ['ASSERT '];

export function canonicalSequence(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const blocks: Block[] = [...header(input, [])];
  blocks.push({
    kind: 'p',
    text: `The executor ${d.entries.apply} runs the preflight ${d.entries.preflight}, then the tiers in this order, then the verify suite ${d.entries.verify}.`,
  });
  blocks.push({
    kind: 'table',
    head: ['tier', 'name', 'file', 'sha256', 'includes', 'per-tier rollback'],
    rows: d.tiers.map((t) => {
      const f = file(input, t.file);
      return [
        String(t.tier),
        t.name,
        t.file,
        f.sha256,
        f.includes.join(', ') || 'none',
        t.rollback ?? 'full rollback only',
      ];
    }),
  });
  for (const t of d.tiers) {
    const f = file(input, t.file);
    blocks.push({ kind: 'h', text: `Tier ${t.tier} ${t.name}: guards and assertions` });
    const rows = [
      ...markerRows(f, ['ONEROOF TIER', ...GUARDS, ...ASSERTS]),
      ...included(input, f).flatMap((i) => markerRows(i, [...GUARDS, ...ASSERTS])),
    ];
    blocks.push(
      rows.length
        ? { kind: 'table', head: ['at', 'marker format'], rows }
        : { kind: 'p', text: `${t.file} raises no marker of its own.` },
    );
  }
  return { file: '03-canonical-sequence.md', title: '03 Canonical sequence', blocks };
}

export function executor(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const f = file(input, d.entries.apply);
  const end = d.entries.apply.replace(/^.*\//, '').replace(/\.sql$/, '');
  const blocks: Block[] = [...header(input, [])];
  blocks.push({
    kind: 'p',
    text: `The executor is ${d.entries.apply} (sha256 ${f.sha256}); oneroof apply streams it through ssh, docker exec -i and psql -v ON_ERROR_STOP=1, under the run lock, after the manifest check and the preflight.`,
  });
  blocks.push({ kind: 'h', text: 'What it runs, in order (its includes)' });
  blocks.push({ kind: 'list', items: f.includes.length ? f.includes : ['no includes'] });
  const guards = included(input, f).flatMap((i) => markerRows(i, GUARDS));
  if (guards.length) {
    blocks.push({ kind: 'h', text: 'Guards it runs (from its includes)' });
    blocks.push({ kind: 'table', head: ['at', 'marker format'], rows: guards });
  }
  blocks.push({ kind: 'h', text: 'Stop rules' });
  blocks.push({
    kind: 'list',
    items: [
      'ON_ERROR_STOP is on and no packet file can turn it off: the first SQL error stops psql; the open tier rolls back, earlier tiers stay committed and recorded.',
      `A NO-GO of the preflight stops the run before any tier (exit 3); the gate variable is ${d.gate.variable}.`,
      'An ASSERT stops the run at the assertion (exit 4); a REFUSED guard stops it (exit 3); a run lock held by another run stops it before anything runs (exit 6).',
      `Success is psql exit 0 and the last marker ONEROOF END ${end}; psql also exits 0 on a stream cut short, so without that marker the run is not a success.`,
      'A tier already applied SKIPs; a tier out of order is refused by its own guard.',
      `A dry run (-v ${d.variables.dry_run}=on) runs everything in one transaction and ends with ONEROOF DRY-RUN ROLLBACK, then ROLLBACK.`,
    ],
  });
  const rows = markerRows(f, ['ONEROOF', ...ASSERTS]);
  if (rows.length) blocks.push({ kind: 'table', head: ['at', 'marker format'], rows });
  return { file: '05-executor.md', title: '05 Executor', blocks };
}

export function rollbackMap(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const blocks: Block[] = [...header(input, [])];
  blocks.push({
    kind: 'p',
    text: `Per tier, in reverse order only, through ${d.entries.rollback_tier} (-v ${d.variables.tier}=N, oneroof rollback --tier N); everything at once through ${d.entries.rollback_full} (oneroof rollback --full).`,
  });
  blocks.push({
    kind: 'table',
    head: ['order', 'tier', 'name', 'rollback file', 'sha256'],
    rows: [...d.tiers]
      .reverse()
      .map((t, i) => [
        String(i + 1),
        String(t.tier),
        t.name,
        t.rollback ?? 'none: only the full rollback undoes it',
        t.rollback ? file(input, t.rollback).sha256 : '',
      ]),
  });
  for (const t of [...d.tiers].reverse()) {
    if (!t.rollback) continue;
    const rows = markerRows(file(input, t.rollback), ['ONEROOF', ...ASSERTS]);
    blocks.push({ kind: 'h', text: `Rollback of tier ${t.tier} ${t.name}` });
    blocks.push({ kind: 'table', head: ['at', 'marker format'], rows });
  }
  const full = file(input, d.entries.rollback_full);
  blocks.push({
    kind: 'h',
    text: `Full rollback ${d.entries.rollback_full} (sha256 ${full.sha256})`,
  });
  blocks.push({
    kind: 'table',
    head: ['at', 'marker format'],
    rows: markerRows(full, ['ONEROOF', ...ASSERTS]),
  });
  return { file: '06-rollback.md', title: '06 Rollback map', blocks };
}

export function verifySuite(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const f = file(input, d.entries.verify);
  const blocks: Block[] = [...header(input, [])];
  blocks.push({
    kind: 'p',
    text: `The verify suite is ${d.entries.verify} (sha256 ${f.sha256}), read-only; every check raises ONEROOF VERIFY PASS or an ASSERT that stops it. oneroof verify runs the probes below first.`,
  });
  blocks.push({ kind: 'h', text: 'Checks' });
  blocks.push({
    kind: 'table',
    head: ['at', 'marker format'],
    rows: markerRows(f, ['ONEROOF VERIFY', ...ASSERTS]),
  });
  blocks.push({ kind: 'h', text: 'Probes' });
  blocks.push({
    kind: 'table',
    head: ['probe', 'file', 'shows'],
    rows: [
      ['state vector', d.state.probe, d.state.columns.map((c) => c.name).join('|')],
      [
        'tier status',
        d.probes.tier_status,
        'tier|name|applied|attempt|file_sha256|apr_code|applied_at',
      ],
      ['gate', d.probes.gate, 'apr_code|level|status|proposal|decided_at|opens_gate'],
      ['fingerprint', d.probes.fingerprint, 'one hex digest'],
      ...d.probes.verify.map((p) => [
        p.name,
        p.file,
        `${p.label}${p.note ? ` (${p.note})` : ''}${p.alert ? ', alert on any line' : ''}`,
      ]),
    ],
  });
  return { file: '07-verify-suite.md', title: '07 Verify suite', blocks };
}
