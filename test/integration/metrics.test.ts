/**
 * `--metrics FILE` (issue 15, item 5) through the real bin/oneroof on the testbed: a preflight
 * NO-GO and GO on the replica, a failed run that keeps the last success, a usage error that
 * writes nothing, and a group's one file with every member.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, SSH_TARGET, STATE, groupInventory } from '../helpers/e2e.js';
import { runCli } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
let inventory: string;

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  ({ inventory } = await groupInventory(testbed));
});

async function cli(dir: string, args: string[]) {
  return runCli(['--inventory', inventory, '--log-dir', join(dir, 'logs'), ...args]);
}

/** The file's samples: `name{labels}` → value; and every family has HELP and TYPE first. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\S+) gauge$/.exec(line);
    if (type) typed.add(type[1]!);
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(typed.has(m![1]!), `${m![1]} has a TYPE line before it`).toBe(true);
    out.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return out;
}

const at = (command: string, target: string, extra = '') =>
  `{command="${command}",target="${target}"${extra}}`;

describe('preflight --metrics on the testbed replica', { shuffle: false }, () => {
  let dir: string;
  let file: string;
  let lastSuccess: number;

  it('NO-GO (exit 3): the verdict, exit code, state vector and a last success are written', async () => {
    dir = await tempDir('oneroof-metrics-');
    file = join(dir, 'oneroof.prom');
    await bench.reset();
    const before = Math.floor(Date.now() / 1000);
    const run = await cli(dir, ['preflight', '--target', SSH_TARGET, '--metrics', file]);
    expect(run.code, run.stderr).toBe(3);
    const m = samples(await readFile(file, 'utf8'));
    const t = at('preflight', SSH_TARGET);
    expect(m.get(`oneroof_run_exit_code${t}`)).toBe(3);
    expect(m.get(`oneroof_verdict${at('preflight', SSH_TARGET, ',verdict="no-go"')}`)).toBe(1);
    expect(m.get(`oneroof_verdict${at('preflight', SSH_TARGET, ',verdict="go"')}`)).toBe(0);
    expect(m.get(`oneroof_lock_refused${t}`)).toBe(0);
    expect(m.get(`oneroof_run_duration_seconds${t}`)).toBeGreaterThan(0);
    lastSuccess = m.get(`oneroof_last_success_timestamp_seconds${t}`)!;
    expect(lastSuccess).toBeGreaterThanOrEqual(before);
    const exitVector = [...m]
      .filter(([k]) => k.startsWith('oneroof_state_value') && k.includes('at="exit"'))
      .map(([, v]) => v);
    expect(exitVector.join('|')).toBe(STATE.golden);
    // node_exporter reads *.prom only: nothing else is left in the directory
    expect((await readdir(dir)).sort()).toEqual(['logs', 'oneroof.prom']);
  });

  it('GO (exit 0) after the approval: the verdict turns', async () => {
    await bench.reset(APR);
    const run = await cli(dir, [
      'preflight',
      '--target',
      SSH_TARGET,
      '--apr',
      APR,
      '--metrics',
      file,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const m = samples(await readFile(file, 'utf8'));
    expect(m.get(`oneroof_verdict${at('preflight', SSH_TARGET, ',verdict="go"')}`)).toBe(1);
    expect(m.get(`oneroof_verdict${at('preflight', SSH_TARGET, ',verdict="no-go"')}`)).toBe(0);
    expect(m.get(`oneroof_run_exit_code${at('preflight', SSH_TARGET)}`)).toBe(0);
    lastSuccess = m.get(`oneroof_last_success_timestamp_seconds${at('preflight', SSH_TARGET)}`)!;
  });

  it('a failed run (exit 1) is written too, and keeps the previous last success', async () => {
    const ghost = join(dir, 'ghost.prom');
    await writeFile(
      ghost,
      `# TYPE oneroof_last_success_timestamp_seconds gauge\noneroof_last_success_timestamp_seconds${at('preflight', 'ghost')} ${lastSuccess}\n`,
    );
    const run = await cli(dir, ['preflight', '--target', 'ghost', '--metrics', ghost]);
    expect(run.code, run.stderr).toBe(1);
    const m = samples(await readFile(ghost, 'utf8'));
    expect(m.get(`oneroof_run_exit_code${at('preflight', 'ghost')}`)).toBe(1);
    expect(m.get(`oneroof_last_success_timestamp_seconds${at('preflight', 'ghost')}`)).toBe(
      lastSuccess,
    );
    expect([...m.keys()].some((k) => k.startsWith('oneroof_verdict'))).toBe(false);
  });

  it.each([
    ['a bad --apr', ['preflight', '--target', SSH_TARGET, '--apr', 'nope']],
    ['an unknown target', ['preflight', '--target', 'nowhere']],
  ])('hostile metrics-usage: %s writes no file (exit 2)', async (_, args) => {
    const fresh = await tempDir('oneroof-metrics-usage-');
    const run = await cli(fresh, [...args, '--metrics', join(fresh, 'x.prom')]);
    expect(run.code, run.stderr).toBe(2);
    expect(await readdir(fresh)).toEqual([]);
  });

  it.each([
    ['a name not ending in .prom', 'oneroof.txt'],
    ['a directory that does not exist', 'missing/oneroof.prom'],
  ])('hostile metrics-path: %s is refused before anything runs', async (_, name) => {
    const fresh = await tempDir('oneroof-metrics-path-');
    const run = await cli(fresh, [
      'preflight',
      '--target',
      SSH_TARGET,
      '--metrics',
      join(fresh, name),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^oneroof: error: --metrics .*nothing was run$/m);
    expect(await readdir(fresh)).toEqual([]);
  });

  it('a group run writes one file with every member', async () => {
    await bench.reset();
    const group = join(dir, 'group.prom');
    const run = await cli(dir, [
      'preflight',
      '--target',
      'both',
      '--wait',
      '60',
      '--metrics',
      group,
    ]);
    expect(run.code, run.stderr).toBe(3);
    const m = samples(await readFile(group, 'utf8'));
    for (const member of [SSH_TARGET, 'replica']) {
      expect(m.get(`oneroof_run_exit_code${at('preflight', member)}`)).toBe(3);
      expect(m.get(`oneroof_lock_wait_limit_seconds${at('preflight', member)}`)).toBe(60);
    }
  });
});
