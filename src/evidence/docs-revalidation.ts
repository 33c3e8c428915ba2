/**
 * 04 clone revalidation: from the revalidate run on a local replica (oneroof evidence
 * --revalidate-on REPLICA, or a revalidate log given with --from), never from the target it is
 * evidence for. Every figure cites the run and its record; the transaction rolled back is shown
 * by the state vector and the fingerprint read before and after it in the same session. No run:
 * "not run", and only what such a run would check, from the packet.
 */
import type { Block, EvidenceDoc } from './doc.js';
import { cite, header, type EvidenceInput } from './input.js';
import type { RunFacts } from './run-facts.js';

const FILE = '04-clone-revalidation.md';
const TITLE = '04 Clone revalidation';
const SCOPE = 'revalidation.';

/** The count a scanner PASS line starts with (`38 (findings sha256 …)`), or undefined. */
function leadingCount(observed: string | undefined): number | undefined {
  const m = observed === undefined ? null : /^(\d+)\b/.exec(observed);
  return m ? Number(m[1]) : undefined;
}

function sameOrNot(a: string | undefined, b: string | undefined): string {
  if (a === undefined || b === undefined) return 'not recorded';
  return a === b ? 'yes' : 'NO';
}

/** The target's own reading (the preflight's state at entry) against the golden clone's. */
function baseline(input: EvidenceInput): string {
  const pre = input.preflight;
  const raw = pre?.state.entry?.raw;
  if (pre === undefined || raw === undefined)
    return " The target's state was not read in this set.";
  const same = raw === input.packet.descriptor.state.baseline;
  return ` The target ${input.target} reads ${raw} (${cite(pre, pre.state.entry?.record)}): ${same ? "its baseline is the golden clone's" : "NOT the golden clone's baseline, so this replica does not stand for it"}.`;
}

function runBlocks(input: EvidenceInput, run: RunFacts, path: string): Block[] {
  const d = input.packet.descriptor;
  const { entry, exit } = run.state;
  const pass = (check: string) => run.verified.find((v) => v.check === `${SCOPE}${check}`);
  const canonical = run.verified.filter((v) => !v.check.startsWith(SCOPE));
  const ddl = pass('ddl_recompile');
  const first = pass('scanner_first');
  const second = pass('scanner_second');
  const [n1, n2] = [leadingCount(first?.observed), leadingCount(second?.observed)];
  const where = (v: { record?: number } | undefined) => (v ? cite(run, v.record) : 'no such line');
  const blocks: Block[] = [
    {
      kind: 'p',
      text: `${path} ran on ${run.target}, a local replica (never the target this set is for), in one transaction rolled back: ${run.outcome.outcome}, exit ${run.outcome.exitCode ?? 'not recorded'} (${run.outcome.summary}); ${cite(run)}.`,
    },
    { kind: 'h', text: 'Results' },
    {
      kind: 'list',
      items: [
        `canonical verify (${d.entries.verify}): ${canonical.length ? `${canonical.length} checks passed` : 'no check passed'}, ${cite(run)}`,
        `consolidated DDL recompile against the live graph: ${ddl ? `passed: ${ddl.observed}` : 'not passed'}, ${where(ddl)}`,
        `scanner, first count: ${n1 ?? 'not passed'}, ${where(first)}`,
        `scanner, second count: ${n2 ?? 'not passed'}${second ? ' (the same findings, equal to the baseline)' : ''}, ${where(second)}`,
        `scanner stable: ${n1 !== undefined && n1 === n2 ? `yes, ${n1} findings twice` : 'not shown'}`,
      ],
    },
    { kind: 'h', text: 'The replica before and after (the rollback)' },
    {
      kind: 'table',
      head: ['reading', 'before', 'after', 'equal', 'source'],
      rows: [
        [
          'state vector',
          entry?.raw ?? 'not recorded',
          exit?.raw ?? 'not recorded',
          sameOrNot(entry?.raw, exit?.raw),
          `records #${entry?.record ?? '?'}, #${exit?.record ?? '?'} of run ${run.runId}`,
        ],
        [
          'fingerprint',
          entry?.fingerprint ?? 'not recorded',
          exit?.fingerprint ?? 'not recorded',
          sameOrNot(entry?.fingerprint, exit?.fingerprint),
          `records #${entry?.record ?? '?'}, #${exit?.record ?? '?'} of run ${run.runId}`,
        ],
      ],
    },
    {
      kind: 'p',
      text: `Built to the target's baseline (${d.replica.golden_clone}: ${d.state.baseline}) and released, a replica reads ${d.state.applied} (packet.yml state): this replica's state before the revalidation ${entry?.raw === d.state.applied ? 'equals it' : 'is not that'}.${baseline(input)}`,
    },
    { kind: 'h', text: 'Every check the run passed' },
    {
      kind: 'table',
      head: ['check', 'observed', 'source'],
      rows: run.verified.map((v) => [v.check, v.observed, cite(run, v.record)]),
    },
  ];
  if (run.findings.length)
    blocks.push(
      { kind: 'h', text: 'Errors and assertions' },
      { kind: 'list', items: run.findings.map((f) => `${f.text}${f.at ? ` (${f.at})` : ''}`) },
    );
  return blocks;
}

export function cloneRevalidation(input: EvidenceInput): EvidenceDoc {
  const d = input.packet.descriptor;
  const path = d.replica.revalidate;
  const f = path === undefined ? undefined : input.packet.files[path];
  const run = input.revalidation;
  const blocks: Block[] = [...header(input, [run])];
  if (path === undefined || f === undefined) {
    blocks.push({
      kind: 'p',
      text: 'The packet declares no clone revalidation (packet.yml replica.revalidate).',
    });
    return { file: FILE, title: TITLE, blocks };
  }
  if (run) blocks.push(...runBlocks(input, run, path));
  else
    blocks.push({
      kind: 'p',
      text: `Not run: this evidence set holds no clone revalidation run, so nothing here claims it passed. It runs only on a local replica (oneroof evidence --revalidate-on REPLICA), never on the target the set is for; below is what such a run checks, from the packet.`,
    });
  blocks.push(
    { kind: 'h', text: 'What the revalidation checks (the packet)' },
    {
      kind: 'p',
      text: `${path} (sha256 ${f.sha256}), on a replica built to the target's baseline (${d.replica.golden_clone}, ${d.replica.approve}) with the release applied; it includes ${f.includes.join(', ') || 'nothing'}.`,
    },
    {
      kind: 'table',
      head: ['at', 'marker format'],
      rows: f.markers.map((m) => [`${f.path}:${m.line}`, m.format]),
    },
  );
  return { file: FILE, title: TITLE, blocks };
}
