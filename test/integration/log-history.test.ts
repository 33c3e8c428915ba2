/**
 * `oneroof runs` and `oneroof logs prune` (issue 15, item 5) through the real bin/oneroof on
 * the testbed: the history after a few real runs, and a prune that leaves a planted in-progress
 * run, a run with a file it does not recognise and everything that is not a run's.
 */
import { appendFile, chmod, cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, SSH_TARGET, oneJsonDocument } from '../helpers/e2e.js';
import { runCli } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';
import { GENESIS, sealLine } from '../../src/runlog/chain.js';

const testbed = inject('testbed');
let logDir: string;

const cli = (args: string[], dir = logDir) =>
  runCli(['--inventory', testbed.inventory, '--log-dir', dir, ...args]);

interface Entry {
  command: string;
  target: string;
  outcome: string | null;
  exitCode: number | null;
  signature: string;
  integrity: string;
  log: string;
}

/** The testbed's runs in a folder of this test's own (no test changes another's). */
async function copyOfLogs(): Promise<string> {
  const dir = join(await tempDir('oneroof-history-copy-'), 'logs');
  await cp(logDir, dir, { recursive: true });
  return dir;
}

async function runs(args: string[] = [], dir = logDir): Promise<Entry[]> {
  const run = await cli(['runs', '--json', ...args], dir);
  expect(run.code, run.stderr).toBe(0);
  const doc = oneJsonDocument(run.stdout);
  expect(doc.schema).toBe('oneroof/runs/1');
  expect(doc.anchors).toBe('not-checked');
  return doc.runs as Entry[];
}

/** A run's records whose start record names a live writer on this host: a run in progress. */
async function plantInProgress(dir: string, base: string, pid: number): Promise<void> {
  const body = `{"seq":0,"t":0,"time":"2020-01-01T00:00:00.000Z","record":"start","format":"oneroof-runlog/2","run":"x","kind":"preflight","target":"${SSH_TARGET}","by":{"user":"u","host":"${hostname()}"},"pid":${pid},"argv":[]`;
  await writeFile(join(dir, `${base}.jsonl`), sealLine(GENESIS, body).line);
  await writeFile(join(dir, `${base}.log`), '');
}

beforeAll(async () => {
  logDir = join(await tempDir('oneroof-history-'), 'logs');
  const bench = await PacketBench.open(testbed);
  await bench.reset();
  for (const args of [
    ['preflight', '--target', SSH_TARGET],
    ['status', '--target', SSH_TARGET],
    ['preflight', '--target', 'replica'],
  ]) {
    const run = await cli(args);
    expect(run.code, run.stderr).not.toBe(2);
  }
  await bench.reset(APR);
  const go = await cli(['preflight', '--target', SSH_TARGET, '--apr', APR]);
  expect(go.code, go.stderr).toBe(0);
});

describe('oneroof runs after a few runs', () => {
  it('lists them newest first: command, target, outcome, exit, signature; integrity not checked', async () => {
    const all = await runs();
    expect(all.map((r) => [r.command, r.target, r.outcome, r.exitCode])).toEqual([
      ['preflight', SSH_TARGET, 'GO', 0],
      ['preflight', 'replica', 'NO-GO', 3],
      ['status', SSH_TARGET, expect.any(String), 0],
      ['preflight', SSH_TARGET, 'NO-GO', 3],
    ]);
    expect(all.every((r) => r.integrity === 'not-checked')).toBe(true);
    expect(all[0]!.signature).toBe('present');
  });

  it('--target and --last select; --check replays and says the verdict', async () => {
    const mine = await runs(['--target', SSH_TARGET, '--last', '2']);
    expect(mine.map((r) => r.outcome)).toEqual(['GO', expect.any(String)]);
    const checked = await runs(['--last', '1', '--check']);
    expect(checked[0]!.integrity).toBe('signed');
  });

  it('--check says tampered for a .log that was edited', async () => {
    const dir = await copyOfLogs();
    const newest = (await runs(['--last', '1'], dir))[0]!;
    await appendFile(newest.log, 'x');
    const checked = await runs(['--last', '1', '--check'], dir);
    expect(checked[0]!.integrity).toBe('tampered');
  });

  it('the text list says "not-checked" unless checked', async () => {
    const run = await cli(['runs', '--last', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /preflight +contabo-replica +GO +exit 0 +signature present, log not-checked/,
    );
  });
});

describe('oneroof logs prune', () => {
  it('--dry-run removes nothing', async () => {
    const dir = await copyOfLogs();
    const before = (await readdir(dir)).sort();
    const run = await cli(['logs', 'prune', '--keep', '1', '--dry-run'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^3 runs would be removed, 1 kept, 0 left \(dry run\)$/m);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('--keep 1 removes whole runs, never the planted in-progress one or files not its own', async () => {
    const logDir = await copyOfLogs();
    const newest = (await runs(['--last', '1'], logDir))[0]!;
    await plantInProgress(logDir, 'preflight_20200101T000000Z', process.pid);
    await writeFile(join(logDir, 'notes.txt'), 'mine');
    await writeFile(join(logDir, 'status_20200102T000000Z.jsonl'), '');
    await writeFile(join(logDir, 'status_20200102T000000Z.jsonl.bak'), '');
    const run = await cli(['logs', 'prune', '--keep', '1'], logDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `oneroof: left preflight_20200101T000000Z: in progress (its writer, pid ${process.pid}, is running)`,
    );
    expect(run.stderr).toContain(
      'oneroof: left status_20200102T000000Z: files it does not recognise (not a name oneroof writes, or not a regular file): status_20200102T000000Z.jsonl.bak',
    );
    expect(run.stdout.match(/^removed /gm)).toHaveLength(3);
    const left = (await readdir(logDir)).sort();
    expect(left.filter((n) => n.endsWith('.jsonl'))).toHaveLength(3);
    expect(left).toContain('notes.txt');
    expect(left).toContain('preflight_20200101T000000Z.log');
    // the newest run, whole (.log, records, signature)
    const base = newest.log.replace(/^.*\//, '').replace(/\.log$/, '');
    expect(left.filter((n) => n.startsWith(base))).toEqual([
      `${base}.jsonl`,
      `${base}.jsonl.sig`,
      `${base}.log`,
    ]);
  });

  it('--older-than removes a finished run whose writer is gone', async () => {
    const dir = join(await tempDir('oneroof-prune-gone-'), 'logs');
    await mkdir(dir);
    // above Linux's largest pid (2^22): no such process, the writer is gone
    await plantInProgress(dir, 'verify_20200101T000000Z', 2 ** 22 + 1);
    const run = await cli(['logs', 'prune', '--older-than', '30d'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('removed verify_20200101T000000Z (');
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['a symlink to a directory of logs', 'link'],
    ['a world-writable directory', 'open'],
  ])('hostile log-dir: %s is refused and nothing is removed', async (_, how) => {
    const root = await tempDir('oneroof-prune-hostile-');
    const real = join(root, 'real');
    await mkdir(real);
    await plantInProgress(real, 'verify_20200101T000000Z', 2 ** 22 + 1);
    let dir = real;
    if (how === 'link') await symlink(real, (dir = join(root, 'logs')));
    else await chmod(real, 0o777);
    const run = await cli(['logs', 'prune', '--keep', '0'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^oneroof: error: log directory .*; nothing was removed$/m);
    expect((await readdir(real)).sort()).toEqual([
      'verify_20200101T000000Z.jsonl',
      'verify_20200101T000000Z.log',
    ]);
  });

  it('hostile log-dir: a run file that is a symlink leaves its run and what it points to alone', async () => {
    const root = await tempDir('oneroof-prune-link-');
    const dir = join(root, 'logs');
    await mkdir(dir);
    const outside = join(root, 'precious');
    await writeFile(outside, 'keep me');
    await plantInProgress(dir, 'verify_20200101T000000Z', 2 ** 22 + 1);
    await symlink(outside, join(dir, 'verify_20200101T000000Z.jsonl.sig'));
    const run = await cli(['logs', 'prune', '--keep', '0'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('verify_20200101T000000Z.jsonl.sig');
    expect((await readdir(dir)).length).toBe(3);
    expect((await readdir(root)).sort()).toEqual(['logs', 'precious']);
  });
});
