/**
 * The documents written from runs: 01 state/baselines and 09 GO/NO-GO, from the read-only
 * preflight and status runs. Every figure names the run and the record it came from; what no
 * run shows is said so, never filled in.
 */
import type { Block, EvidenceDoc } from './doc.js';
import { cite, header, type EvidenceInput } from './input.js';
import type { RunFacts } from './run-facts.js';

const NOT_RUN = (what: string): Block => ({
  kind: 'p',
  text: `Not checked: no ${what} run in this evidence set.`,
});

function stateRows(
  run: RunFacts,
  columns: EvidenceInput['packet']['descriptor']['state']['columns'],
) {
  const entry = run.state.entry?.raw.split('|');
  const exit = run.state.exit?.raw.split('|');
  return columns.map((c, i) => [
    c.name,
    c.label,
    entry?.[i] ?? 'not recorded',
    exit?.[i] ?? 'not recorded',
    c.volatile
      ? 'volatile: shown, not compared'
      : exit === undefined
        ? 'one reading'
        : entry?.[i] === exit[i]
          ? 'equal'
          : 'differs',
  ]);
}

function stateBlocks(input: EvidenceInput, run: RunFacts): Block[] {
  const d = input.packet.descriptor;
  const legend = d.state.columns.map((c) => c.name).join('|');
  const entry = run.state.entry?.raw ?? 'not recorded';
  const exit = run.state.exit?.raw ?? 'not recorded';
  const compared = d.state.columns.map((c, i) => (c.volatile ? undefined : i));
  const part = (raw: string | undefined) =>
    raw
      ?.split('|')
      .filter((_, i) => compared[i] !== undefined)
      .join('|');
  const equal =
    run.state.entry !== null &&
    run.state.exit !== null &&
    part(run.state.entry.raw) === part(run.state.exit.raw);
  const once = run.state.exit === null;
  return [
    {
      kind: 'h',
      text: once
        ? `${run.command}: state vector (read once)`
        : `${run.command}: state vector at entry and at exit`,
    },
    {
      kind: 'list',
      items: [
        `${once ? 'reading' : 'entry'} ${entry} (${legend}): ${cite(run, run.state.entry?.record)}`,
        ...(once
          ? [`this ${run.command} run reads the state once: no exit reading to compare`]
          : [
              `exit ${exit} (${legend}): ${cite(run, run.state.exit?.record)}`,
              `entry == exit: ${equal ? 'yes' : 'no'}${d.state.columns.some((c) => c.volatile) ? ' (volatile columns not compared)' : ''}`,
            ]),
        `golden-clone baseline (packet.yml state.baseline): ${d.state.baseline}${run.state.entry?.raw === d.state.baseline ? ` — the ${once ? '' : 'entry '}reading equals it` : ` — the ${once ? '' : 'entry '}reading differs`}`,
        `read-only session: ${run.readOnly === null ? 'not recorded' : run.readOnly ? 'yes' : 'no'}`,
      ],
    },
    {
      kind: 'table',
      head: ['column', 'what it counts', 'entry', 'exit', 'compared'],
      rows: stateRows(run, d.state.columns),
    },
  ];
}

export function stateBaselines(input: EvidenceInput): EvidenceDoc {
  const blocks = [...header(input, [input.preflight, input.status])];
  const d = input.packet.descriptor;
  blocks.push({
    kind: 'p',
    text: `The state vector is ${d.state.probe}, read first and last in every session. Baseline on a golden clone: ${d.state.baseline}; after a complete release: ${d.state.applied} (packet.yml).`,
  });
  for (const run of [input.preflight, input.status])
    if (run) blocks.push(...stateBlocks(input, run));
  if (!input.preflight) blocks.push(NOT_RUN('preflight'));
  if (!input.status) blocks.push(NOT_RUN('status'));
  return { file: '01-state-baselines.md', title: '01 State and baselines', blocks };
}

export function goNoGo(input: EvidenceInput): EvidenceDoc {
  const run = input.preflight;
  const blocks = [...header(input, [run])];
  if (!run) {
    blocks.push(NOT_RUN('preflight'));
    return { file: '09-go-no-go.md', title: '09 GO / NO-GO', blocks };
  }
  const v = run.verdict;
  blocks.push({
    kind: 'p',
    text:
      v === null
        ? `No verdict: the preflight ended ${run.outcome.outcome} (${run.outcome.summary}) without GO or NO-GO: ${cite(run)}.`
        : `Verdict: ${v.verdict}${v.noGo.length ? `, closed by ${v.noGo.join(', ')}` : ''}: ${cite(run, v.record)}.`,
  });
  blocks.push({
    kind: 'list',
    items: [
      `approval code given: ${run.apr ?? 'none'}`,
      `exit code: ${run.outcome.exitCode ?? 'not recorded'} (${run.outcome.outcome})`,
      `fingerprint: ${run.checks.find((c) => c.status === 'INFO' && c.check === 'fingerprint')?.observed ?? 'not reported'}`,
      `packet manifest at run time: ${run.manifest ?? 'not recorded'}${run.packetSigner ? `, signed by ${run.packetSigner}` : ''}`,
    ],
  });
  const rows = (status: (s: string) => boolean) =>
    run.checks
      .filter((c) => status(c.status))
      .map((c) => [
        c.check,
        c.status,
        c.observed,
        c.expected ?? '',
        c.at ?? '',
        cite(run, c.record),
      ]);
  blocks.push({ kind: 'h', text: 'Preconditions' });
  blocks.push({
    kind: 'table',
    head: ['check', 'result', 'observed', 'expected', 'at', 'source'],
    rows: rows((s) => s !== 'INFO'),
  });
  blocks.push({ kind: 'h', text: 'Context reported by the preflight' });
  blocks.push({
    kind: 'table',
    head: ['item', 'value', 'source'],
    rows: rows((s) => s === 'INFO').map((r) => [r[0]!, r[2]!, r[5]!]),
  });
  if (run.findings.length)
    blocks.push(
      { kind: 'h', text: 'Errors and assertions' },
      { kind: 'list', items: run.findings.map((f) => `${f.text}${f.at ? ` (${f.at})` : ''}`) },
    );
  return { file: '09-go-no-go.md', title: '09 GO / NO-GO', blocks };
}
