/**
 * `--metrics FILE` of an apply and of a group run (issue 15, item 5) through the real
 * bin/oneroof on the testbed: the file parses as the Prometheus text format (a strict reader,
 * test/helpers/prom-text.ts), has every family for every target, and says what the run's own
 * --json document says; it is written to a temporary name and renamed over the old file (a new
 * inode, no other file left), and a write that fails leaves the previous file as it was.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, SSH_TARGET, STATE, groupInventory } from '../helpers/e2e.js';
import { runCli } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { parsePromText, type PromFamily } from '../helpers/prom-text.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
let inventory: string;

/** The families every target of a run has (docs/monitoring.md). */
const FAMILIES = [
  'oneroof_run_exit_code',
  'oneroof_run_outcome',
  'oneroof_verdict',
  'oneroof_run_duration_seconds',
  'oneroof_run_timestamp_seconds',
  'oneroof_last_success_timestamp_seconds',
  'oneroof_state_value',
  'oneroof_lock_refused',
  'oneroof_lock_wait_limit_seconds',
];

interface RunDoc {
  command: string;
  target: string;
  exitCode: number;
  outcome: string;
  verdict: string | null;
  durationMs: number;
  state: { entry: { values: number[] | null } | null; exit: { values: number[] | null } | null };
}

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  ({ inventory } = await groupInventory(testbed));
});
afterAll(async () => {
  await bench.uninstall();
  await bench.emptyDatabase();
});

async function cli(dir: string, args: string[]) {
  return runCli(['--inventory', inventory, '--log-dir', join(dir, 'logs'), ...args]);
}

/** One target's samples of a family. */
function of(f: PromFamily | undefined, doc: RunDoc) {
  return (f?.samples ?? []).filter(
    (s) => s.labels.command === doc.command && s.labels.target === doc.target,
  );
}

/** Every family for this target, each value what its --json document says. */
function expectAgrees(families: Map<string, PromFamily>, doc: RunDoc, wait: number): void {
  for (const name of FAMILIES) expect(of(families.get(name), doc), name).not.toHaveLength(0);
  for (const [name, f] of families)
    expect(of(f, doc).length, `${name} for ${doc.target}`).toBeGreaterThan(0);
  const value = (name: string) => of(families.get(name), doc).map((s) => s.value);
  expect(value('oneroof_run_exit_code')).toEqual([doc.exitCode]);
  expect(of(families.get('oneroof_run_outcome'), doc)).toEqual([
    { labels: { command: doc.command, target: doc.target, outcome: doc.outcome }, value: 1 },
  ]);
  const verdicts: Record<string, number> = Object.fromEntries(
    of(families.get('oneroof_verdict'), doc).map((s): [string, number] => [
      s.labels.verdict ?? '',
      s.value,
    ]),
  );
  expect(verdicts).toEqual({
    go: doc.verdict === 'GO' ? 1 : 0,
    'no-go': doc.verdict === 'GO' ? 0 : 1,
  });
  expect(value('oneroof_run_duration_seconds')[0]).toBeGreaterThanOrEqual(doc.durationMs / 1000);
  expect(value('oneroof_lock_refused')).toEqual([doc.exitCode === 6 ? 1 : 0]);
  expect(value('oneroof_lock_wait_limit_seconds')).toEqual([wait]);
  const ran = value('oneroof_run_timestamp_seconds');
  expect(value('oneroof_last_success_timestamp_seconds')).toEqual(ran);
  for (const at of ['entry', 'exit'] as const)
    expect(
      of(families.get('oneroof_state_value'), doc)
        .filter((s) => s.labels.at === at)
        .map((s) => s.value),
      `state at ${at}`,
    ).toEqual(doc.state[at]?.values);
}

describe('--metrics of an apply and of a group run', { shuffle: false }, () => {
  let dir: string;
  let file: string;

  it('apply: the file agrees with the --json document, renamed over the previous one', async () => {
    dir = await tempDir('oneroof-metrics-runs-');
    file = join(dir, 'oneroof.prom');
    await bench.reset(APR);
    const first = await cli(dir, [
      'preflight',
      '--target',
      SSH_TARGET,
      '--apr',
      APR,
      '--metrics',
      file,
    ]);
    expect(first.code, first.stderr).toBe(0);
    const before = await stat(file);
    const run = await cli(dir, [
      'apply',
      '--target',
      SSH_TARGET,
      '--apr',
      APR,
      '--yes',
      '--json',
      '--metrics',
      file,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as RunDoc;
    const text = await readFile(file, 'utf8');
    const families = parsePromText(text);
    expectAgrees(families, doc, 0);
    expect(doc.state.exit?.values?.join('|')).toBe(STATE.released);
    // The file is this run's alone: nothing of the preflight before it is left in it.
    expect(text).not.toContain('command="preflight"');
    // A new file renamed into place, not the old one rewritten; nothing else left beside it.
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect((await readdir(dir)).sort()).toEqual(['logs', 'oneroof.prom']);
  });

  it('a group apply --serial 1: every family for every member, each as its document says', async () => {
    await bench.reset(APR);
    const group = join(dir, 'group.prom');
    const run = await cli(dir, [
      'apply',
      '--target',
      'both',
      '--serial',
      '1',
      '--apr',
      APR,
      '--yes',
      '--wait',
      '30',
      '--json',
      '--metrics',
      group,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { results: RunDoc[] };
    expect(doc.results.map((r) => r.target)).toEqual([SSH_TARGET, 'replica']);
    const families = parsePromText(await readFile(group, 'utf8'));
    for (const member of doc.results) expectAgrees(families, member, 30);
  });

  it('fault metrics-write: a directory that refuses the file: exit 1, the previous file intact', async () => {
    const previous = await readFile(file);
    // Root writes through modes: the immutable flag is what refuses even root a new file.
    execFileSync('chattr', ['+i', dir]);
    try {
      const run = await cli(dir, ['status', '--target', SSH_TARGET, '--metrics', file]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /^oneroof: error: metrics not written: .*oneroof\.prom \(E[A-Z]+\)$/m,
      );
    } finally {
      execFileSync('chattr', ['-i', dir]);
    }
    expect(await readFile(file)).toEqual(previous);
    expect((await readdir(dir)).sort()).toEqual(['group.prom', 'logs', 'oneroof.prom']);
  });
});
