/**
 * The release commands end to end (issue 5): the real bin/oneroof, through ssh2 on the testbed
 * (`contabo-replica`: the loopback sshd, an ssh_config alias, the host key pinned), against the
 * testbed replica seeded with the golden clone. Every exit code of docs/usage.md's table but 6 (lock.test.ts)
 * and the read-only session (readonly.test.ts). Human output is compared with test/golden/
 * after the noise filter of test/helpers/golden.ts; database state is read back with the
 * packet's own probes (PacketBench.probe), never through the code under test.
 */
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import {
  APR,
  PRE_RELEASE_FINGERPRINT,
  SSH_TARGET,
  STATE,
  TIERS,
  expectOneLog,
  groupInventory,
  lastRecord,
  ledger,
  ledgerOf,
  logFiles,
  oneJsonDocument,
  oneroof,
  tierLines,
} from '../helpers/e2e.js';
import { expectGolden, expectGoldenShape, normalize } from '../helpers/golden.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;

/** `apply` wall times seen in this file (the .jsonl end record's durationMs). */
const applyDurations: number[] = [];

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
});

afterAll(async () => {
  if (applyDurations.length > 0)
    console.error(`commands.test.ts: apply durationMs seen: ${applyDurations.join(', ')}`);
  await bench.emptyDatabase();
  await bench.uninstall();
});

const T = ['--target', SSH_TARGET];

const LOG_KIND: Record<string, Parameters<typeof expectOneLog>[1]> = {
  preflight: 'preflight',
  apply: 'rollout',
  verify: 'verify',
  status: 'status',
};

/** `--json`: the whole of stdout is one JSON document, and its exitCode is the process's. */
async function json(args: string[], code: number): Promise<Record<string, unknown>> {
  const run = await oneroof(testbed, [...args, '--json']);
  expect(run.code, run.stderr).toBe(code);
  const doc = oneJsonDocument(run.stdout);
  expect(doc.exitCode).toBe(run.code);
  expect(doc.target).toBe(SSH_TARGET);
  await expectOneLog(run, LOG_KIND[args[0]!]!);
  return doc;
}

// A story, in order: each step starts from the state the one before left (the describe as a whole
// resets first, so it may run anywhere in the file; its steps are never shuffled).
describe(
  'the release on the testbed replica through ssh2, step by step',
  { shuffle: false },
  () => {
    it('preflight on the fresh golden clone: NO-GO (exit 3), both gate checks named, state unchanged, a preflight log', async () => {
      await bench.reset();
      const run = await oneroof(testbed, ['preflight', ...T]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stdout).toContain(
        `  state at entry  ${STATE.golden}  (ospa|ownership|gap|conflict|gov_emit|idle)\n`,
      );
      expect(run.stdout).toMatch(/^ {2}FAIL gate\.ospa {12}expected >= 1, got 0$/m);
      expect(run.stdout).toMatch(
        /^ {2}FAIL gate\.apr_ratified {4}expected a ratified L2\/L4 approval named by -v ratified_apr, got ratified_apr not set$/m,
      );
      expect(run.stdout.match(/^ {2}FAIL /gm)).toHaveLength(2);
      expect(run.stdout).toContain(`  state at exit   ${STATE.golden}  unchanged\n`);
      expect(run.stdout).toContain(
        `NO-GO on ${SSH_TARGET}: gate.ospa, gate.apr_ratified; nothing was mutated\n`,
      );
      // Reached over ssh2, not the local engine.
      expect(run.stdout).toMatch(
        /^preflight on contabo-replica {2}\S+@127\.0\.0\.1:\d+ \(ssh2, host key SHA256:/,
      );
      const { log, records } = await expectOneLog(run, 'preflight');
      expect(await readFile(log, 'utf8')).toContain('ONEROOF NO-GO: gate.ospa, gate.apr_ratified');
      expect(await lastRecord(records)).toMatchObject({
        record: 'end',
        outcome: 'NO-GO',
        exitCode: 3,
      });
      expect(await bench.probe('state_vector')).toBe(STATE.golden);
      await expectGoldenShape('preflight-no-go', run.stdout);
    });

    it('after the approval: preflight --apr is GO (exit 0); the pre-release fingerprint is the known one', async () => {
      await bench.reset(APR);
      expect(await bench.probe('fingerprint')).toBe(PRE_RELEASE_FINGERPRINT);
      const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(/^ {2}FAIL /m);
      expect(run.stdout).toMatch(
        /^ {2}PASS gate\.apr_ratified {4}'APR-2026-0142' \(L4 ratified, proposal OSP-2026-0001, decided 2026-06-03T00:00:00Z\)$/m,
      );
      expect(run.stdout).toContain(`  state at exit   ${STATE.approved}  unchanged\n`);
      expect(run.stdout).toContain(`GO on ${SSH_TARGET}\n`);
      await expectOneLog(run, 'preflight');
      await expectGoldenShape('preflight-go', run.stdout);
    });

    it('apply --apr --yes: exit 0, six tiers ok, the state moves from approved to released, a rollout log', async () => {
      const run = await oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes']);
      expect(run.code, run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual(TIERS.map(([n, name]) => `tier ${n} ${name} ok`));
      expect(run.stdout).toContain(`  state at entry  ${STATE.approved}  `);
      expect(run.stdout).toContain(
        `  state at exit   ${STATE.released}  (was ${STATE.approved})\n`,
      );
      expect(run.stdout).toContain(
        `applied on ${SSH_TARGET}: 6 tier(s) committed; verify passed\n`,
      );
      // Live progress on stderr, one line per tier as it ends.
      expect(run.stderr).toMatch(/^ {2}tier 60 scanner_baseline +ok /m);
      const { log, records, signature } = await expectOneLog(run, 'rollout');
      // Signed with the key the target is reached with, and anchored on the target.
      expect(signature).toBeDefined();
      expect(run.stderr).toMatch(/^log signed: ED25519 SHA256:\S+ /m);
      expect(run.stderr).toContain('log head anchored on the target: ');
      const output = await readFile(log, 'utf8');
      expect(output).toContain('ONEROOF END 99_run_all');
      const end = await lastRecord(records);
      expect(end).toMatchObject({ record: 'end', outcome: 'applied', exitCode: 0 });
      applyDurations.push(end.durationMs as number);
      expect(await bench.probe('state_vector')).toBe(STATE.released);
      expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => true));
      await expectGoldenShape('apply', run.stdout);
    });

    it('verify: exit 0, structure 11|31|1, scanner 38, no new findings', async () => {
      const run = await oneroof(testbed, ['verify', ...T]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(
        '  structure       11|31|1  (tables|views|functions in governance)\n',
      );
      expect(run.stdout).toContain('  scanner findings 38\n');
      expect(run.stdout).toContain('  new findings    0\n');
      expect(run.stdout).toMatch(/^ {2}fingerprint {5}[0-9a-f]{64}$/m);
      expect(run.stdout).toMatch(/^verified on contabo-replica: \d+ checks passed$/m);
      expect(run.stdout).not.toMatch(/ERROR|ASSERT/);
      await expectOneLog(run, 'verify');
      await expectGoldenShape('verify', run.stdout);
    });

    it('verify --json: one document, the same probes', async () => {
      expect(await json(['verify', ...T], 0)).toMatchObject({
        outcome: 'verified',
        probes: {
          verify: { structure_counts: ['11|31|1'], scanner_count: ['38'], findings_new: [] },
        },
        packet: { name: 'one-roof-governance' },
      });
    });

    it('status: exit 0, 6 of 6 tiers applied, no run alive', async () => {
      const run = await oneroof(testbed, ['status', ...T]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`  state           ${STATE.released}  `);
      expect(run.stdout).toContain('  ledger          6 of 6 tiers applied\n');
      for (const [n, name] of TIERS)
        expect(run.stdout).toMatch(
          new RegExp(`^ {4}tier ${n} +${name} +applied \\(attempt 1, ${APR}, \\S+Z\\)$`, 'm'),
        );
      expect(run.stdout).toContain('  runs            none alive on the server\n');
      await expectOneLog(run, 'status');
      await expectGoldenShape('status', run.stdout);
    });

    it('a second apply is a no-op: exit 0, every tier skipped, the fingerprint unchanged', async () => {
      const before = await bench.probe('fingerprint');
      const run = await oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes']);
      expect(run.code, run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual(TIERS.map(([n, name]) => `tier ${n} ${name} applied`));
      expect(run.stdout).toContain(`  state at exit   ${STATE.released}  unchanged\n`);
      expect(run.stdout).toContain(
        `nothing to apply on ${SSH_TARGET}: every tier is already applied; verify passed\n`,
      );
      const { records } = await expectOneLog(run, 'rollout');
      const end = await lastRecord(records);
      expect(end).toMatchObject({ outcome: 'no-op', exitCode: 0 });
      applyDurations.push(end.durationMs as number);
      expect(await bench.probe('fingerprint')).toBe(before);
      expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => true));
      await expectGoldenShape('apply-no-op', run.stdout);
    });

    it('rollback --tier 40 while 60 is applied: refused (exit 3), nothing mutated', async () => {
      const before = await bench.probe('fingerprint');
      const run = await oneroof(testbed, ['rollback', ...T, '--tier', '40', '--yes']);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stdout).toContain(
        `refused on ${SSH_TARGET}: rollback of tier 40 while tier 60 is applied; roll back 60 first (applied: 10, 20, 30, 40, 50, 60); nothing was mutated\n`,
      );
      expect(run.stdout).toContain(`  state at exit   ${STATE.released}  unchanged\n`);
      // The guard refused before anything of tier 40 ran, so the report calls it pending (not
      // failed, src/engine/release.ts judge()): a pending step has no duration either.
      expect(run.stdout).toMatch(/^ {2}tier 40 containment {12}pending$/m);
      await expectOneLog(run, 'rollback');
      expect(await bench.probe('fingerprint')).toBe(before);
      expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => true));
      await expectGoldenShape('rollback-refused', run.stdout);
    });

    it('rollback --tier 60: exit 0, one event fewer, tier 60 no longer applied', async () => {
      const run = await oneroof(testbed, ['rollback', ...T, '--tier', '60', '--yes']);
      expect(run.code, run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual(['tier 60 scanner_baseline ok']);
      expect(run.stdout).toContain(`  state at exit   1|210|0|0|4|0  (was ${STATE.released})\n`);
      expect(run.stdout).toContain(`rolled back on ${SSH_TARGET}\n`);
      await expectOneLog(run, 'rollback');
      expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf((t) => t !== 60));
    });

    it('rollback --full: exit 0, back to the pre-release fingerprint exactly', async () => {
      const run = await oneroof(testbed, ['rollback', ...T, '--full', '--yes']);
      expect(run.code, run.stderr).toBe(0);
      expect(tierLines(run.stdout)).toEqual(['full rollback ok']);
      expect(run.stdout).toContain(`  state at exit   ${STATE.approved}  (was 1|210|0|0|4|0)\n`);
      await expectOneLog(run, 'rollback');
      expect(await bench.probe('fingerprint')).toBe(PRE_RELEASE_FINGERPRINT);
      expect(await bench.probe('state_vector')).toBe(STATE.approved);
      expect(await bench.probe('structure_counts')).toBe('0|0|0');
      await expectGoldenShape('rollback-full', run.stdout);
    });
  },
);

describe('confirmation', () => {
  it('apply and rollback without --yes and without a TTY: exit 2, nothing contacted, no log', async () => {
    for (const args of [
      ['apply', ...T, '--apr', APR],
      ['rollback', ...T, '--full'],
    ]) {
      const run = await oneroof(testbed, args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(
        `oneroof: error: ${args[0]} on ${SSH_TARGET} needs a confirmation: run it on a terminal, or pass --yes\n`,
      );
      expect(run.stdout).toBe('');
      expect(await logFiles(run.logDir)).toEqual([]);
    }
  });
});

describe('apply --dry-run --json', () => {
  it('exit 0, outcome rehearsed: every tier ran and was rolled back; state, fingerprint and ledger as before', async () => {
    await bench.reset(APR);
    const doc = await json(['apply', ...T, '--apr', APR, '--yes', '--dry-run'], 0);
    expect(doc).toMatchObject({
      outcome: 'rehearsed',
      dryRun: true,
      apr: APR,
      message: `dry run on ${SSH_TARGET}: 6 tier(s) ran and were rolled back; state unchanged`,
      state: { entry: { text: STATE.approved }, exit: { text: STATE.approved }, unchanged: true },
    });
    expect(
      (doc.tiers as { tier: number; status: string }[]).map((t) => [t.tier, t.status]),
    ).toEqual(TIERS.map(([n]) => [n, 'ok']));
    expect(await bench.probe('state_vector')).toBe(STATE.approved);
    expect(await bench.probe('fingerprint')).toBe(PRE_RELEASE_FINGERPRINT);
    expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf(() => false));
  });
});

describe('exit 4: an assertion fails', () => {
  it('an extra active user without a role: tier 60 fails (scanner 39), is not committed; 10..50 stay committed', async () => {
    await bench.reset(APR);
    await bench.query(
      "INSERT INTO public.directus_users (id, email, status) VALUES (md5('e2e/stray')::uuid, 'stray@oneroof.example', 'active')",
    );
    const run = await oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes']);
    expect(run.code, run.stderr).toBe(4);
    expect(tierLines(run.stdout)).toEqual(
      TIERS.map(([n, name]) => `tier ${n} ${name} ${n === 60 ? 'failed' : 'ok'}`),
    );
    const assertion =
      /^ {2}ASSERT tier60\.scanner_count: expected 38, got 39 {2}\((prod\/60_scanner_baseline\.sql):(\d+)\)$/m.exec(
        run.stdout,
      );
    expect(assertion, run.stdout).not.toBeNull();
    // file:line points into the packet, at the statement that raised it.
    const [, file, line] = assertion!;
    const lines = (await readFile(join(PACKAGE_ROOT, 'sql', file!), 'utf8')).split('\n');
    const upTo = lines.slice(0, Number(line));
    const start = upTo.findLastIndex((l) => /^DO /.test(l));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(upTo.slice(start).join('\n')).toContain("RAISE EXCEPTION 'ASSERT tier60.scanner_count:");
    expect(run.stdout).toContain(
      `ASSERT tier60.scanner_count: expected 38, got 39 (${file}:${line}); tier 60 scanner_baseline was not committed\n`,
    );
    expect(run.stdout).toContain(`  state at exit   1|210|0|0|4|0  (was ${STATE.approved})\n`);
    const { records } = await expectOneLog(run, 'rollout');
    expect(await lastRecord(records)).toMatchObject({
      outcome: 'assertion-failed',
      exitCode: 4,
    });
    expect(ledger(await bench.probe('tier_status'))).toEqual(ledgerOf((t) => t !== 60));
    expect(await bench.query('SELECT count(*) FROM governance.scanner_baseline')).toBe('0');
    await expectGoldenShape('apply-assertion', run.stdout);
  });
});

describe('exit 5: the packet is not what its manifest says', () => {
  it('one byte changed in a tier file: apply exits 5 naming the file and both digests; nothing contacted; manifest check agrees', async () => {
    const dir = join(await tempDir('oneroof-e2e-packet-'), 'sql');
    await cp(join(PACKAGE_ROOT, 'sql'), dir, { recursive: true });
    const file = join(dir, 'prod', '30_sovereign_ownership.sql');
    const original = await readFile(file);
    const changed = Buffer.from(original);
    const at = changed.indexOf('tier');
    changed[at] = 'T'.charCodeAt(0); // `-- … tier` → `-- … Tier`: one byte, still valid SQL
    await writeFile(file, changed);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

    const run = await oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes', '--packet', dir]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      `oneroof: error: the packet in ${dir} is not what manifest-sha256.txt says; nothing was run\n`,
    );
    expect(run.stderr).toContain(
      `  mismatch  prod/30_sovereign_ownership.sql: manifest ${sha(original)}, file ${sha(changed)}\n`,
    );
    expect(run.stdout).toBe('');
    expect(await logFiles(run.logDir)).toEqual([]);

    const check = await oneroof(testbed, ['manifest', 'check', '--packet', dir]);
    expect(check.code).toBe(5);
    expect(check.stderr).toContain(
      `  mismatch  prod/30_sovereign_ownership.sql: manifest ${sha(original)}, file ${sha(changed)}\n`,
    );

    const shipped = await oneroof(testbed, ['manifest', 'check']);
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(shipped.stdout).toMatch(
      /manifest-sha256\.txt matches the packet \(manifest sha256 [0-9a-f]{64}\)\npacket unsigned \(no \S+\/manifest-sha256\.txt\.sig\)\n$/,
    );
  });
});

describe('exit 2: usage, before anything is contacted', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'a bad APR code',
      ['preflight', ...T, '--apr', "APR'; DROP"],
      /^oneroof: error: --apr: expected an APR code: .*, got "APR'; DROP"$/m,
    ],
    [
      'an unknown target',
      ['preflight', '--target', 'nowhere'],
      /^oneroof: error: unknown target "nowhere"\n {2}known: .*contabo-replica/m,
    ],
    [
      '--wait abc',
      ['preflight', ...T, '--wait', 'abc'],
      /^oneroof: error: --wait: expected a whole number from 0 to 86400, got "abc"$/m,
    ],
    [
      'rollback with both --full and --tier',
      ['rollback', ...T, '--full', '--tier', '60', '--yes'],
      /^oneroof: error: rollback needs exactly one of --full or --tier N$/m,
    ],
    [
      'rollback --tier 10',
      ['rollback', ...T, '--tier', '10', '--yes'],
      /^oneroof: error: --tier: expected one of 60, 50, 40, 30, 20, got 10\n {2}tier 10 \(structure\) has no per-tier rollback: it goes only with --full$/m,
    ],
  ];
  // Nothing here touches the testbed: run them side by side.
  it.concurrent.for(cases)('%s', async ([, args, message], { expect }) => {
    const run = await oneroof(testbed, args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await logFiles(run.logDir)).toEqual([]);
  });

  it('apply on a group off a terminal without --yes', async () => {
    const { inventory } = await groupInventory(testbed);
    const run = await oneroof(testbed, ['apply', '--target', 'both', '--apr', APR], {
      inventory,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'oneroof: error: apply on both needs a confirmation: run it on a terminal, or pass --yes\n',
    );
    expect(await logFiles(run.logDir)).toEqual([]);
  });
});

describe('exit 1: the container is not there', () => {
  it('a target whose container does not exist: exit 1, the container named, nothing run', async () => {
    const { inventory } = await groupInventory(testbed);
    const run = await oneroof(testbed, ['preflight', '--target', 'ghost'], { inventory });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).not.toMatch(/PASS|FAIL|GO/);
    expect(run.stdout).toMatch(
      /^preflight on ghost: .*No such container: oneroof-e2e-no-such-container$/m,
    );
    const { log } = await expectOneLog(run, 'preflight');
    // The far side said exactly what is wrong; the log keeps it.
    expect(await readFile(log, 'utf8')).toContain(
      'No such container: oneroof-e2e-no-such-container',
    );
  });
});

describe('groups: one summary, the worst exit', () => {
  it('preflight --target GROUP --concurrency 2 on a closed gate: exit 3, one summary', async () => {
    await bench.reset();
    const { inventory } = await groupInventory(testbed);
    // Both members are the one testbed database, and a preflight takes its lock exclusive: without
    // --wait, whether the second exits 6 would depend on how the two runs happen to overlap.
    const run = await oneroof(
      testbed,
      ['preflight', '--target', 'both', '--concurrency', '2', '--wait', '60'],
      { inventory },
    );
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout.match(/^preflight on group/gm)).toHaveLength(1);
    expect(run.stdout).toContain('preflight on group both (2 targets)\n');
    expect(run.stdout).toMatch(/^ {2}contabo-replica +NO-GO +exit 3 /m);
    expect(run.stdout).toMatch(/^ {2}replica +NO-GO +exit 3 /m);
    expect(run.stdout).toContain('worst exit: 3\n');
    await expectGolden('group-preflight', run.stdout);
  });

  it('the worst exit wins: a member whose container is missing (1) outranks NO-GO (3)', async () => {
    const { inventory } = await groupInventory(testbed);
    const run = await oneroof(testbed, ['preflight', '--target', 'mixed'], { inventory });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/^ {2}contabo-replica +NO-GO +exit 3 /m);
    expect(run.stdout).toMatch(/^ {2}ghost +\S+ +exit 1 /m);
    expect(run.stdout).toContain('worst exit: 1\n');
  });

  it('status --target GROUP --json: one document with two results', async () => {
    // Its own golden clone: shuffled, it may follow a test that left the database applied or empty.
    await bench.reset();
    const { inventory } = await groupInventory(testbed);
    const run = await oneroof(testbed, ['status', '--target', 'both', '--json'], { inventory });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      group: string;
      exitCode: number;
      results: { target: string; exitCode: number; state: { entry?: { text: string } } }[];
    };
    expect(doc.group).toBe('both');
    expect(doc.exitCode).toBe(0);
    expect(doc.results.map((r) => [r.target, r.exitCode, r.state.entry?.text])).toEqual([
      [SSH_TARGET, 0, STATE.golden],
      ['replica', 0, STATE.golden],
    ]);
  });
});

describe('preflight --json', () => {
  it('NO-GO: exit 3 in the document and the process; GO: exit 0', async () => {
    await bench.reset();
    expect(await json(['preflight', ...T], 3)).toMatchObject({
      outcome: 'NO-GO',
      verdict: 'NO-GO',
      noGo: ['gate.ospa', 'gate.apr_ratified'],
    });
    await bench.reset(APR);
    expect(await json(['preflight', ...T, '--apr', APR], 0)).toMatchObject({
      outcome: 'GO',
      verdict: 'GO',
      noGo: [],
    });
  });
});

describe('the noise filter of the golden files', () => {
  it('replaces what changes per run and nothing else', () => {
    const sample = [
      'apply on contabo-replica  alice@127.0.0.1:39065 (ssh2, host key SHA256:Gk6ggYufT8G+XWD5SUx+a+HwiQszuat6eke47m+5z6c)  APR APR-2026-0142',
      '  state at entry  1|0|210|0|0|0  (ospa|ownership|gap|conflict|gov_emit|idle)',
      '  tier 10 structure              ok       0.41 s',
      '    tier 10  structure              applied (attempt 1, APR-2026-0142, 2026-11-25T13:35:49.082289Z)',
      '  runs            ALIVE: oneroof apply alice@box.example pid 11617 (server pid 210, active, in a transaction since 2026-11-25T13:40:37Z, holds the run lock)',
      '  fingerprint     e5e44b9602640d85384495a41750a249ed42222283682136003ad74610444812',
      '  PASS reference.matches                  axis sha256 7e8fb6b77c126991001473405e0c73e7e19948fa6ddb021cafaa8eb879c818a8',
      "  PASS gate.apr_ratified    'APR-2026-0142' (L4 ratified, proposal OSP-2026-0001, decided 2026-06-03T00:00:00Z)",
      'log: /tmp/x/logs/rollout_20261125T133548Z.log',
    ].join('\n');
    expect(normalize(sample)).toBe(
      [
        'apply on contabo-replica  <USER>@127.0.0.1:<PORT> (ssh2, host key SHA256:<HOSTKEY>)  APR APR-2026-0142',
        '  state at entry  1|0|210|0|0|0  (ospa|ownership|gap|conflict|gov_emit|idle)',
        '  tier 10 structure              ok       N.NN s',
        '    tier 10  structure              applied (attempt 1, APR-2026-0142, <TIME>)',
        '  runs            ALIVE: oneroof apply <USER>@<HOST> pid <PID> (server pid <PID>, active, in a transaction since <TIME>, holds the run lock)',
        '  fingerprint     <FINGERPRINT>',
        '  PASS reference.matches                  axis sha256 7e8fb6b77c126991001473405e0c73e7e19948fa6ddb021cafaa8eb879c818a8',
        "  PASS gate.apr_ratified    'APR-2026-0142' (L4 ratified, proposal OSP-2026-0001, decided 2026-06-03T00:00:00Z)",
        'log: <LOG>',
      ].join('\n'),
    );
  });
});
