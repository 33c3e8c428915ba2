/**
 * 02 inventory and conflicts: every database object the release creates or changes, read from
 * the statements of the files each tier runs (the tier's file and, transitively, what it
 * includes; ./sql-objects.ts), and what the preflight observed on the target, each check with
 * its record. The packet's own files and their digests close it.
 */
import type { Block, EvidenceDoc } from './doc.js';
import { file, included } from './docs-files.js';
import { cite, header, type EvidenceInput } from './input.js';
import type { FileFacts } from './packet-facts.js';

interface Row {
  name: string;
  kind: string;
  actions: string[];
  scope: string;
  at: string[];
}

/** One row per object and scope: what is done to it, and where (file:line). */
function objectRows(scope: string, files: FileFacts[]): Row[] {
  const rows = new Map<string, Row>();
  for (const f of files)
    for (const use of f.objects) {
      const key = `${use.kind === 'table' ? 'table' : use.kind} ${use.name}`;
      const row = rows.get(key) ?? { name: use.name, kind: use.kind, actions: [], scope, at: [] };
      if (!row.actions.includes(use.action)) row.actions.push(use.action);
      row.at.push(`${f.path}:${use.line}`);
      rows.set(key, row);
    }
  return [...rows.values()];
}

function inventoryTable(rows: Row[]): Block {
  return {
    kind: 'table',
    head: ['object', 'kind', 'what it does', 'in', 'at'],
    rows: rows.map((r) => [r.name, r.kind, r.actions.join(', '), r.scope, r.at.join(', ')]),
  };
}

export function inventory(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const run = input.preflight;
  const blocks: Block[] = [...header(input, [run])];
  const release = d.tiers.flatMap((t) => {
    const f = file(input, t.file);
    return objectRows(`tier ${t.tier} ${t.name}`, [f, ...included(input, f)]);
  });
  const kinds = new Map<string, number>();
  for (const r of release)
    if (r.actions.some((a) => a.startsWith('created')))
      kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  blocks.push(
    { kind: 'h', text: 'Objects the release creates or changes' },
    {
      kind: 'p',
      text: `Read from the statements of each tier's file and of the files it includes (packet.yml tiers): ${release.length} row(s), one per object and tier; created: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}. A statement outside these patterns (CREATE, ALTER, DROP, COMMENT ON, INSERT, UPDATE, DELETE) is not listed.`,
    },
    release.length ? inventoryTable(release) : { kind: 'p', text: 'No object found.' },
  );
  const reader = file(input, d.entries.reader);
  const readerRows = objectRows('reader setup', [reader, ...included(input, reader)]);
  blocks.push(
    { kind: 'h', text: `The read role (${d.entries.reader}, oneroof reader setup)` },
    readerRows.length
      ? inventoryTable(readerRows)
      : {
          kind: 'p',
          text: `No statement of ${d.entries.reader} names an object this reading recognises (a name built at run time, e.g. by EXECUTE format, is not read); the file is in the manifest below.`,
        },
  );
  blocks.push({ kind: 'h', text: 'Conflicts observed on the target (the preflight)' });
  if (!run) blocks.push({ kind: 'p', text: 'Not checked: no preflight run in this evidence set.' });
  else {
    const checks = run.checks.filter((c) => c.status !== 'INFO');
    const failed = checks.filter((c) => c.status !== 'PASS');
    blocks.push(
      {
        kind: 'p',
        text: `${checks.length} precondition(s) probed on ${input.target}; ${failed.length ? `${failed.length} conflict(s) with what the release needs: ${failed.map((c) => c.check).join(', ')}` : 'none conflicts with what the release needs'}; ${cite(run)}.`,
      },
      {
        kind: 'table',
        head: ['check', 'result', 'observed', 'expected', 'source'],
        rows: checks.map((c) => [
          c.check,
          c.status === 'PASS' ? 'PASS: no conflict' : `${c.status}: conflict`,
          c.observed,
          c.expected ?? '',
          cite(run, c.record),
        ]),
      },
    );
  }
  const entry = run?.state.entry?.raw.split('|');
  blocks.push(
    { kind: 'h', text: 'What the release counts (packet.yml state.columns)' },
    {
      kind: 'table',
      head: ['column', 'what it counts', 'baseline', 'after the release', 'on the target now'],
      rows: d.state.columns.map((c, i) => [
        c.name,
        c.label,
        d.state.baseline.split('|')[i] ?? '',
        d.state.applied.split('|')[i] ?? '',
        entry?.[i] ?? 'not checked',
      ]),
    },
  );
  if (run)
    blocks.push({
      kind: 'p',
      text: `"On the target now" is the preflight's state at entry, ${cite(run, run.state.entry?.record)}.`,
    });
  blocks.push(
    { kind: 'h', text: 'Files of the packet (its manifest)' },
    {
      kind: 'table',
      head: ['file', 'sha256'],
      rows: input.packet.manifest.map((m) => [m.path, m.sha256]),
    },
  );
  return { file: '02-inventory-conflicts.md', title: '02 Inventory and conflicts', blocks };
}
