/**
 * `oneroof init DIR` end to end (issue 12): a packet scaffolded by the real bin, then the whole
 * rehearsal of its README on the testbed — `replica reset` on the local replica target, the
 * release commands through ssh2 (`contabo-replica`: the loopback sshd, the host key pinned) on
 * the same container — and `replay` of every run's log. The database is read back with the
 * scaffold's own probes, streamed to psql in the container, never through the code under test.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectOneLog, oneroof, SSH_TARGET, tierLines, type Run } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const CODE = 'APR-2026-0001';
/** The scaffold's packet.yml: tiers, and its state vector approvals|tiers|members|unenrolled. */
const TIERS = ['loyalty_schema', 'enrol_customers'];
const STATE = { approved: '1|0|0|5', released: '1|2|5|0', tier20RolledBack: '1|1|0|5' };
/** Names of the shipped packet: a report about the scaffold must not show one. */
const SHIPPED_NAMES = /responsibility_axis|sovereign_ownership|scanner_baseline|ospa|gov_emit/;

let bench: PacketBench;
let dir: string;
/** The fingerprint of the approved golden clone: what the full rollback must return to. */
let baseline: string;
/** Every release-command run, for the replay test at the end. */
const runs: { name: string; run: Run; kind: Parameters<typeof expectOneLog>[1] }[] = [];

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  dir = join(await tempDir('oneroof-init-e2e-'), 'shop');
  const made = await oneroof(testbed, ['init', dir]);
  if (made.code !== 0) throw new Error(`init failed (${made.code}): ${made.stderr}`);
});

afterAll(async () => {
  await bench.emptyDatabase();
});

/** A packet file with its `\ir` includes put in place (psql reads this one from stdin). */
async function inlined(path: string): Promise<string> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const parts = await Promise.all(
    lines.map(async (line) => {
      const include = /^\\ir (\S+)$/.exec(line);
      return include ? inlined(join(dirname(path), include[1]!)) : line;
    }),
  );
  return parts.join('\n');
}

/** One of the scaffold's probes, psql -At in the container, as the apply role. */
async function probe(name: string): Promise<string> {
  const sql = await inlined(join(dir, 'prod_verify', `${name}.sql`));
  const result = await bench.replica.psql(testbed.database, {}, sql, [
    '--no-align',
    '--tuples-only',
  ]);
  if (result.exitCode !== 0 || result.stderr !== '')
    throw new Error(`probe ${name}: exit ${result.exitCode}: ${result.stderr}`);
  return result.stdout.trim();
}

/** `oneroof --packet DIR <args>`; the run is kept for replay when it writes a log. */
async function step(
  name: string,
  args: string[],
  kind?: Parameters<typeof expectOneLog>[1],
): Promise<Run> {
  const run = await oneroof(testbed, ['--packet', dir, ...args]);
  if (kind !== undefined) runs.push({ name, run, kind });
  return run;
}

const T = ['--target', SSH_TARGET];

// The exact sequence, in order: each step starts from the state the one before left, and
// the first step resets the replica, so the describe may run anywhere in the file; its steps are
// never shuffled.
describe(
  'oneroof init: the README rehearsal on a replica, right after init',
  { shuffle: false },
  () => {
    it('replica reset --approve: the golden clone and a ratified approval', async () => {
      const run = await step('reset', [
        'replica',
        'reset',
        '--target',
        'replica',
        '--approve',
        CODE,
      ]);
      expect(run.stderr).not.toMatch(/error/);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(await probe('state_vector')).toBe(STATE.approved);
      baseline = await probe('fingerprint');
    });

    it('preflight: GO, exit 0', async () => {
      const run = await step('preflight', ['preflight', ...T, '--apr', CODE], 'preflight');
      expect(run.stderr).not.toMatch(SHIPPED_NAMES);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    });

    it('apply --dry-run: exit 0, and the state vector and fingerprint are unchanged', async () => {
      const run = await step(
        'dry run',
        ['apply', ...T, '--apr', CODE, '--dry-run', '--yes'],
        'rollout',
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(await probe('state_vector')).toBe(STATE.approved);
      expect(await probe('fingerprint')).toBe(baseline);
    });

    it('apply --yes: both tiers, exit 0', async () => {
      const run = await step('apply', ['apply', ...T, '--apr', CODE, '--yes'], 'rollout');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // The scaffold's tiers, and no other (none of the shipped packet's left pending).
      expect(tierLines(run.stdout)).toEqual([
        'tier 10 loyalty_schema ok',
        'tier 20 enrol_customers ok',
      ]);
      expect(await probe('state_vector')).toBe(STATE.released);
      expect(await probe('members')).toBe('5|5');
    });

    it('verify: exit 0', async () => {
      const run = await step('verify', ['verify', ...T], 'verify');
      expect(run.code, run.stdout + run.stderr).toBe(0);
    });

    it('status: exit 0, the ledger names both tiers applied', async () => {
      const run = await step('status', ['status', ...T, '--json'], 'status');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const text = run.stdout;
      for (const tier of TIERS) expect(text).toContain(tier);
      expect(text).not.toMatch(SHIPPED_NAMES);
    });

    it('rollback --tier 20: exit 0, tier 20 only', async () => {
      const run = await step(
        'rollback 20',
        ['rollback', ...T, '--tier', '20', '--yes'],
        'rollback',
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual(['tier 20 enrol_customers ok']);
      expect(await probe('state_vector')).toBe(STATE.tier20RolledBack);
      const status = (await probe('tier_status')).split('\n').map((l) => l.split('|').slice(0, 3));
      expect(status).toEqual([
        ['10', 'loyalty_schema', 't'],
        ['20', 'enrol_customers', 'f'],
      ]);
    });

    it('apply again: tier 10 skips, tier 20 is applied again, exit 0', async () => {
      const run = await step('re-apply', ['apply', ...T, '--apr', CODE, '--yes'], 'rollout');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual([
        'tier 10 loyalty_schema applied',
        'tier 20 enrol_customers ok',
      ]);
      expect(await probe('state_vector')).toBe(STATE.released);
    });

    it('rollback --full: exit 0, back to the baseline (state and fingerprint)', async () => {
      const run = await step('rollback full', ['rollback', ...T, '--full', '--yes'], 'rollback');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual(['full rollback ok']);
      expect(await probe('state_vector')).toBe(STATE.approved);
      expect(await probe('fingerprint')).toBe(baseline);
    });

    it('preflight again: GO, exit 0', async () => {
      const run = await step('preflight again', ['preflight', ...T, '--apr', CODE], 'preflight');
      expect(run.code, run.stdout + run.stderr).toBe(0);
    });

    it('replay of each run’s log: exit 0, the scaffold’s tiers, never the shipped packet’s', async () => {
      expect(runs.map((r) => r.name)).toEqual([
        'preflight',
        'dry run',
        'apply',
        'verify',
        'status',
        'rollback 20',
        're-apply',
        'rollback full',
        'preflight again',
      ]);
      for (const { name, run, kind } of runs) {
        const { log } = await expectOneLog(run, kind);
        const replay = await oneroof(testbed, ['replay', log]);
        const text = replay.stdout + replay.stderr;
        expect(replay.code, `${name}: ${text}`).toBe(0);
        expect(text, name).not.toMatch(SHIPPED_NAMES);
        if (kind === 'rollout') for (const tier of TIERS) expect(text, name).toContain(tier);
        if (name === 'rollback 20') expect(text, name).toContain('enrol_customers');
      }
    });
  },
);
