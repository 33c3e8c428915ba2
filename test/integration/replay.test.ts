/**
 * `oneroof replay` on real runs of the packet on the testbed — a success over ssh2 (signed with
 * the operator's key, anchored on the target), a NO-GO, a failed assertion, a lost connection,
 * a runner killed mid-run, and a hand-made `psql … | tee` log — through the real bin. Then every
 * kind of edit to a signed log, each caught (exit 5) and located; a whole rewrite with the chain
 * recomputed is caught by the signature, by the allowed-signers file, and by the target's anchor.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { z } from 'zod';
import type { replayDocument } from '../../src/json/replay.js';

/** The --json document of replay (schema/replay.schema.json). */
type ReplayReport = z.output<typeof replayDocument>;
import { isErrorSeverity } from '../../src/psql/events.js';
import { resolveEndpoint } from '../../src/inventory/endpoint.js';
import { loadInventory, type Inventory, type Target } from '../../src/inventory/load.js';
import { createTransport } from '../../src/transport/index.js';
import { Ssh2Transport } from '../../src/transport/ssh2.js';
import { signRunLog } from '../../src/ssh/sign.js';
import { auditedRun, type AuditedRun } from '../helpers/audited-run.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { startCutProxy, type CutProxy } from '../helpers/cut-proxy.js';
import { recordsReached } from '../helpers/faults.js';
import { blockInTier20 } from '../helpers/held-session.js';
import { PacketBench } from '../helpers/packet.js';
import { startAgent } from '../helpers/ssh-agent.js';
import {
  deleteLine,
  fileLines,
  flipByte,
  flipByteAt,
  forgedLine,
  insertLine,
  rewriteChain,
  swapLines,
  truncateTo,
} from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';
const TIERS = [10, 20, 30, 40, 50, 60];

let bench: PacketBench;
let inventory: Inventory;
let ssh: Target;
let local: Target;
let dir: string;
let allowedSigners: string;

/**
 * The three runs the later describes replay and tamper with, each made once, by whichever test
 * needs it first: no test depends on another having run before it (vitest may shuffle them).
 * Each starts from a state of its own (a reset), so when it is made does not matter.
 */
const PRODUCERS = {
  ok: async () => {
    await bench.reset(APR);
    return auditedRun({
      target: ssh,
      transport: await createTransport(ssh),
      logDir: join(dir, 'logs'),
      signWith: testbed.ssh.userKey,
    });
  },
  'no-go': async () => {
    await bench.reset();
    return auditedRun({
      target: local,
      transport: await createTransport(local),
      logDir: join(dir, 'logs'),
    });
  },
  assert: async () => {
    await bench.reset(APR);
    // One more active user without a role: the scanner finds 39 findings, tier 60 expects 38.
    await bench.query(
      "INSERT INTO directus_users (id, email, status) VALUES ('00000000-0000-0000-0000-0000000000aa', 'intruder@oneroof.example', 'active')",
    );
    return auditedRun({
      target: ssh,
      transport: await createTransport(ssh),
      logDir: join(dir, 'logs'),
      signWith: testbed.ssh.userKey,
    });
  },
} satisfies Record<string, () => Promise<AuditedRun>>;
const made = new Map<keyof typeof PRODUCERS, Promise<AuditedRun>>();

function runOf(name: keyof typeof PRODUCERS): Promise<AuditedRun> {
  let run = made.get(name);
  if (run === undefined) made.set(name, (run = PRODUCERS[name]()));
  return run;
}

const replay = (...args: string[]): Promise<CliResult> =>
  runCli(['replay', ...args, '--inventory', testbed.inventory]);

async function replayJson(...args: string[]): Promise<{ cli: CliResult; report: ReplayReport }> {
  const cli = await replay(...args, '--json');
  return { cli, report: JSON.parse(cli.stdout) as ReplayReport };
}

/** `SHA256:…` as OpenSSH prints a public key's fingerprint. */
function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(' ')[1]!, 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A run may outlive its client on the far side: wait until no psql of ours runs there. */
async function settle(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const top = execFileSync('docker', ['top', testbed.container, '-eo', 'pid,args']).toString();
    if (!/oneroof-stage|\bpsql\s/.test(top)) return;
    await sleep(200);
  }
  throw new Error('the far side did not settle within 30 s');
}

/** A copy of a run's three files in a folder of its own (each tamper test gets fresh files). */
async function copyOf(run: AuditedRun): Promise<{ log: string; records: string; sig: string }> {
  const to = await tempDir('oneroof-tamper-');
  const copy = (file: string) => {
    const target = join(to, basename(file));
    copyFileSync(file, target);
    return target;
  };
  const log = copy(run.seal.paths.output);
  const records = copy(run.seal.paths.records);
  const sig = existsSync(`${run.seal.paths.records}.sig`)
    ? copy(`${run.seal.paths.records}.sig`)
    : `${records}.sig`;
  return { log, records, sig };
}

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  inventory = await loadInventory(testbed.inventory);
  ssh = inventory.targets.get(testbed.ssh.alias)!;
  local = inventory.targets.get('replica')!;
  dir = await tempDir('oneroof-replay-');
  allowedSigners = join(dir, 'allowed_signers');
  const pub = readFileSync(`${testbed.ssh.userKey}.pub`, 'utf8').trim().split(' ');
  writeFileSync(allowedSigners, `operator@testbed ${pub[0]} ${pub[1]}\n`);
});

afterAll(async () => {
  await settle().catch(() => undefined);
  await bench.emptyDatabase();
});

describe('real runs, replayed', () => {
  it('a successful apply over ssh2, signed and anchored: VERIFIED, and the run rebuilt', async () => {
    const run = await runOf('ok');
    expect(run.result.outcome).toBe('ok');
    expect(run.anchor?.file).toBe('/var/lib/postgresql/data/oneroof/anchors');

    const { cli, report } = await replayJson(
      run.seal.paths.output,
      '--allowed-signers',
      allowedSigners,
      '--target',
      testbed.ssh.alias,
    );
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim().startsWith('{')).toBe(true);
    expect(report.integrity).toMatchObject({
      verdict: 'verified',
      chain: 'intact',
      complete: true,
      records: run.seal.records,
      head: run.seal.head,
      log: { bytes: run.seal.log.bytes, unindexed: 0 },
      signature: {
        status: 'valid',
        principal: 'operator@testbed',
        key: `ED25519 ${fingerprint(readFileSync(`${testbed.ssh.userKey}.pub`, 'utf8'))}`,
      },
      anchor: { status: 'matches', target: testbed.ssh.alias },
      firstBad: null,
    });
    expect(report.run).toMatchObject({
      runId: run.seal.run,
      command: 'apply',
      target: testbed.ssh.alias,
      apr: APR,
      dryRun: false,
      argv: ['apply', '--target', testbed.ssh.alias, '--apr', APR],
      peer: {
        transport: 'ssh2',
        host: '127.0.0.1',
        port: testbed.ssh.port,
        user: testbed.ssh.user,
        hostKeyFingerprint: fingerprint(testbed.ssh.hostKeyPub),
      },
      stream: { source: 'prod/99_run_all.sql' },
    });
    expect(report.run.by?.user).toBeTruthy();
    expect(report.run.manifest).toMatch(/^[0-9a-f]{64}$/);
    expect(report.run.commandLine).toContain('docker exec -i');
    expect(report.gate.verdict).toBe('GO');
    expect(report.gate.checks.find((c) => c.check === 'gate.apr_ratified')).toMatchObject({
      status: 'PASS',
    });
    expect(report.state.entry?.text).toBe('1|0|210|0|0|0');
    expect(report.state.exit?.text).toBe('1|210|0|0|5|0');
    expect(report.tiers.map((t) => [t.tier, t.status])).toEqual(TIERS.map((t) => [t, 'ok']));
    for (const tier of report.tiers) {
      // A duration for every tier; it can be 0 when BEGIN and COMMIT arrived in one chunk.
      expect(tier.durationMs).toBeGreaterThanOrEqual(0);
      expect(tier.at).toMatch(/^prod\/\d\d_\w+\.sql:\d+$/);
    }
    expect(report.steps.map((s) => s.step)).toEqual(['state', 'main', 'state']);
    expect(report.outcome).toMatchObject({ outcome: 'ok', exitCode: 0, sentinelSeen: true });
    expect(report.outcome.endedScripts).toContain('99_run_all');
    expect(report.assertions).toEqual([]);

    // The human report: the command's result, so stdout only (`replay LOG | less`): the banner
    // (verdict and outcome) first, then integrity.
    const text = await replay(run.seal.paths.output, '--allowed-signers', allowedSigners);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^VERIFIED · \S+ \(exit 0\)$/);
    expect(lines[2]).toMatch(
      /^integrity {2}VERIFIED: \d+ records chained intact, every output byte matches; signed by operator@testbed/,
    );
    expect(text.stdout).toMatch(/^tiers {6}\s+10 structure\s+ok/m);
    expect(text.stdout).toMatch(/^state {6}1\|0\|210\|0\|0\|0 → 1\|210\|0\|0\|5\|0/m);

    // What docs/log-format.md tells an auditor: OpenSSH alone verifies the records file.
    const verified = spawnSync(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        allowedSigners,
        '-I',
        'operator@testbed',
        '-n',
        'oneroof-runlog',
        '-s',
        `${run.seal.paths.records}.sig`,
      ],
      { input: readFileSync(run.seal.paths.records) },
    );
    expect(verified.status).toBe(0);
    expect(verified.stdout.toString()).toMatch(
      /^Good "oneroof-runlog" signature for operator@testbed/,
    );
    // The .log's digest the replay prints is the one sha256sum gives: comparable with any copy.
    expect(report.integrity.log.sha256).toBe(
      execFileSync('sha256sum', [run.seal.paths.output]).toString().split(' ')[0],
    );
  });

  it('a NO-GO (no approval): the gate, every failed check, nothing mutated', async () => {
    const run = await runOf('no-go');
    expect(run.result.outcome).toBe('sql-error');
    const { cli, report } = await replayJson(run.seal.paths.output);
    expect(cli.code).toBe(0);
    expect(report.integrity.verdict).toBe('unsigned');
    expect(report.gate.verdict).toBe('NO-GO');
    expect(report.gate.noGo).toEqual(['gate.ospa', 'gate.apr_ratified']);
    expect(report.gate.checks.find((c) => c.check === 'gate.ospa')).toMatchObject({
      status: 'FAIL',
      expected: '>= 1',
      observed: '0',
      at: expect.stringMatching(/^prod\/00_preflight\.sql:\d+$/) as string,
    });
    expect(report.tiers).toEqual([]);
    expect(report.state.entry?.text).toBe('0|0|210|0|0|0');
    expect(report.state.exit?.text).toBe('0|0|210|0|0|0');
    expect(report.outcome).toMatchObject({ outcome: 'sql-error', exitCode: 3, derived: true });
    // The engine's own judge, from the events (the helper's end record has no message).
    expect(report.outcome.summary).toMatch(
      /^NO-GO on \S+: gate\.ospa, gate\.apr_ratified; nothing was mutated$/,
    );
    expect(report.outcome.fromEvents).toMatchObject({ outcome: 'NO-GO', exitCode: 3 });
  });

  it('a failed assertion: tier 60 not committed, the ASSERT mapped to its file and line', async () => {
    const run = await runOf('assert');
    expect(run.result.outcome).toBe('sql-error');
    const { cli, report } = await replayJson(
      run.seal.paths.output,
      '--allowed-signers',
      allowedSigners,
    );
    expect(cli.code).toBe(0);
    expect(report.integrity.verdict).toBe('verified');
    expect(report.assertions).toEqual([
      expect.objectContaining({
        text: 'ASSERT tier60.scanner_count: expected 38, got 39',
        scope: 'tier60',
        check: 'scanner_count',
        expected: '38',
        got: '39',
        at: expect.stringMatching(/^prod\/60_scanner_baseline\.sql:\d+$/) as string,
      }),
    ]);
    expect(report.tiers.map((t) => [t.tier, t.status])).toEqual([
      ...TIERS.slice(0, 5).map((t) => [t, 'ok']),
      [60, 'failed'],
    ]);
    expect(report.outcome).toMatchObject({ outcome: 'sql-error', exitCode: 4 });
    expect(report.outcome.summary).toMatch(
      /^ASSERT tier60\.scanner_count: expected 38, got 39 \(prod\/60_scanner_baseline\.sql:\d+\); tier 60 scanner_baseline was not committed$/,
    );
    expect(report.state.exit?.text).toBe('1|210|0|0|4|0');
  });

  it('a lost connection: the replay says which tier was running and that the far side may go on', async () => {
    await bench.reset(APR);
    const proxy: CutProxy = await startCutProxy(testbed.ssh.port);
    try {
      const knownHosts = join(dir, 'known_hosts_proxy');
      writeFileSync(knownHosts, `oneroof-cut-proxy ${testbed.ssh.hostKeyPub.trim()}\n`);
      const endpoint = {
        ...(await resolveEndpoint(ssh)),
        port: proxy.port,
        hostKeyAlias: 'oneroof-cut-proxy',
        knownHostsFiles: [knownHosts],
      };
      const transport = new Ssh2Transport(endpoint, {
        hostKeyPolicy: 'strict',
        readyTimeoutMs: 5000,
      });
      // Tier 20 is held (after tier 10 committed) until the cut: the connection is lost while
      // that tier is open, however fast the machine.
      let running: Promise<AuditedRun> | undefined;
      let ended = false;
      const block = await blockInTier20(
        bench,
        () => {
          running = auditedRun({
            target: ssh,
            transport,
            logDir: join(dir, 'logs'),
            signWith: testbed.ssh.userKey,
            onEvent: (event) => {
              if (event.kind === 'tier' && event.tier === 20 && event.phase === 'BEGIN')
                proxy.cutNow();
            },
          }).finally(() => (ended = true));
        },
        () => !ended,
      );
      const run = await running!.finally(() => block.release());
      expect(run.result.outcome).toBe('lost');
      expect(run.anchor).toBeUndefined();
      const { cli, report } = await replayJson(
        run.seal.paths.output,
        '--allowed-signers',
        allowedSigners,
      );
      expect(cli.code).toBe(0);
      expect(report.integrity.verdict).toBe('verified');
      expect(report.outcome.outcome).toBe('lost');
      expect(report.outcome.exitCode).toBe(1);
      expect(report.outcome.summary).toMatch(
        /^apply on .+: the connection was lost \(.+\); the far side may still be running — see `oneroof status --target .+`; committed: 10; (rolled back|unknown): 20/,
      );
      expect(report.outcome.endedScripts).not.toContain('99_run_all');
      // Tier 20 is `unknown` (its end was never seen) — unless the server's ERROR that ended it
      // (its lock_timeout, on a machine slow enough) reached the log before the cut: then the
      // log knows it rolled back. Either way, replay says no more than the log holds.
      const errorSeen = run.result.events.some(
        (e) => e.kind === 'message' && isErrorSeverity(e.severity),
      );
      expect(report.tiers.map((t) => [t.tier, t.status])).toEqual([
        [10, 'ok'],
        [20, errorSeen ? 'failed' : 'unknown'],
      ]);
      expect(report.state.exit).toBeNull();
    } finally {
      await proxy.close();
      await settle();
    }
  });

  it('a runner killed mid-run: a valid prefix, and the replay says the log ends without an end record', async () => {
    await bench.reset(APR);
    const logs = join(dir, 'killed');
    mkdirSync(logs);
    // The run is held inside tier 20 (after tier 10 committed) until the child is killed: a
    // kill that lands while a tier is open, on a machine of any speed.
    let child: ChildProcess | undefined;
    let closed: Promise<unknown> | undefined;
    const block = await blockInTier20(
      bench,
      () => {
        child = spawn(
          process.execPath,
          [
            join(import.meta.dirname, '..', 'helpers', 'run-child.mjs'),
            testbed.inventory,
            'replica',
            logs,
            APR,
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
        closed = once(child, 'close');
      },
      () => child?.exitCode === null,
    );
    try {
      let records: string | undefined;
      for (let i = 0; i < 100 && records === undefined; i++) {
        await sleep(50);
        const file = readdirSync(logs).find((f) => f.endsWith('.jsonl'));
        if (
          file &&
          recordsReached(
            readFileSync(join(logs, file), 'utf8'),
            'ONEROOF TIER 20 BEGIN',
            readFileSync(join(logs, file.replace(/\.jsonl$/, '.log'))),
          )
        )
          records = join(logs, file);
      }
      expect(records, 'the runner never recorded tier 20 begun').toBeDefined();
      child!.kill('SIGKILL');
      await closed;
      await block.release();
      const { cli, report } = await replayJson(records!);
      expect(cli.code).toBe(0);
      expect(report.integrity).toMatchObject({
        verdict: 'unsigned',
        chain: 'intact',
        complete: false,
      });
      expect(report.outcome.outcome).toBe('incomplete');
      // Killed while tier 20 ran: that tier is named; tier 10 before it committed.
      const open = report.tiers.find((t) => t.status === 'unknown');
      expect(open?.tier).toBe(20);
      expect(report.outcome.summary).toMatch(
        new RegExp(
          `^the log ends without an end record: the runner stopped \\(killed, crashed, or the machine went down\\) during step main, with tier ${open!.tier} ${open!.name} begun and its end not in the log: unknown`,
        ),
      );
      expect(report.tiers.filter((t) => t.tier < open!.tier).every((t) => t.status === 'ok')).toBe(
        true,
      );
    } finally {
      if (child?.exitCode === null) child.kill('SIGKILL');
      await block.release();
      await settle();
    }
  });

  it('the real `oneroof apply` over ssh2 signs and anchors its log: VERIFIED, and rebuilt', async () => {
    await bench.reset(APR);
    const logs = join(dir, 'apply');
    const applied = await runCli(
      [
        'apply',
        '--target',
        testbed.ssh.alias,
        '--apr',
        APR,
        '--yes',
        '--inventory',
        testbed.inventory,
        '--log-dir',
        logs,
      ],
      { ONEROOF_SIGNING_KEY: testbed.ssh.userKey },
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(
      `log signed: ED25519 ${fingerprint(readFileSync(`${testbed.ssh.userKey}.pub`, 'utf8'))}`,
    );
    expect(applied.stderr).toContain(
      'log head anchored on the target: /var/lib/postgresql/data/oneroof/anchors',
    );
    const log = (await import('node:fs'))
      .readdirSync(logs)
      .find((f) => f.startsWith('rollout_') && f.endsWith('.log'));
    const { cli, report } = await replayJson(
      join(logs, log!),
      '--allowed-signers',
      allowedSigners,
      '--target',
      testbed.ssh.alias,
    );
    expect(cli.code).toBe(0);
    expect(report.integrity).toMatchObject({
      verdict: 'verified',
      chain: 'intact',
      complete: true,
    });
    expect(report.run).toMatchObject({
      command: 'apply',
      apr: APR,
      target: testbed.ssh.alias,
      dryRun: false,
    });
    expect(report.run.manifest).toMatch(/^[0-9a-f]{64}$/);
    expect(report.state.exit?.text).toBe('1|210|0|0|5|0');
    expect(report.tiers.map((t) => [t.tier, t.status])).toEqual(TIERS.map((t) => [t, 'ok']));
    expect(report.outcome).toMatchObject({ exitCode: 0, derived: false });
    // The run's own summary, word for word: replay tells no other story than the run.
    expect(report.outcome).toMatchObject({ outcome: 'applied' });
    expect(report.outcome.summary).toBe(
      `applied on ${testbed.ssh.alias}: 6 tier(s) committed; verify passed`,
    );
  });

  it('a hand-made log, made with the seed’s documented command through ssh | tee: unsigned, but rebuilt', async () => {
    await bench.install();
    try {
      const make = (file: string) =>
        execFileSync('bash', [
          '-c',
          `ssh -F "$1" "$2" docker exec -i -w / "$3" psql -U workflow_admin -d directus -v ON_ERROR_STOP=1 -v ratified_apr=${APR} -f sql/prod/99_run_all.sql 2>&1 | tee "$4" >/dev/null`,
          'tee-log',
          testbed.ssh.sshConfig,
          testbed.ssh.alias,
          testbed.container,
          file,
        ]);
      await bench.reset(APR);
      const ok = join(dir, 'rollout_20260603T101500Z.log');
      make(ok);
      const { cli, report } = await replayJson(ok);
      expect(cli.code).toBe(0);
      expect(report.source).toMatchObject({ kind: 'tee', records: null });
      expect(report.integrity).toMatchObject({ verdict: 'unsigned', chain: 'none' });
      expect(report.integrity.summary).toMatch(/^UNSIGNED: a hand-made log/);
      expect(report.gate.verdict).toBe('GO');
      expect(report.tiers.map((t) => [t.tier, t.status])).toEqual(TIERS.map((t) => [t, 'ok']));
      expect(report.tiers[0]!.at).toMatch(/^sql\/prod\/10_structure\.sql:\d+$/);
      expect(report.outcome).toMatchObject({ outcome: 'ok', exitCode: 0, derived: true });
      expect(report.outcome.endedScripts.at(-1)).toBe('99_run_all');

      await bench.reset();
      const noGo = join(dir, 'rollout_20260603T101600Z.log');
      make(noGo);
      const refused = await replayJson(noGo);
      expect(refused.report.gate).toMatchObject({
        verdict: 'NO-GO',
        noGo: ['gate.ospa', 'gate.apr_ratified'],
      });
      expect(refused.report.outcome).toMatchObject({ outcome: 'NO-GO', exitCode: 3 });

      // An auditor who demands a signature gets exit 5 for a hand-made log.
      const demanded = await replay(ok, '--allowed-signers', allowedSigners);
      expect(demanded.code).toBe(5);
      expect(demanded.stdout + demanded.stderr).toMatch(
        /unsigned: no records file or signature, and .* demands a signature/,
      );
    } finally {
      await bench.uninstall();
    }
  });
});

describe('every edit to a signed log is caught, and located (exit 5)', () => {
  const signed = () => runOf('assert');

  const caught = async (log: string, pattern: RegExp, ...args: string[]) => {
    const r = await replay(log, ...args);
    expect(r.code).toBe(5);
    // The report (stdout) locates it; the error (stderr) names it.
    expect(r.stdout + r.stderr).toMatch(pattern);
    return r;
  };

  it('a flipped byte in a record', async () => {
    const { log, records } = await copyOf(await signed());
    // An output record that holds a packet marker's map excerpt (oneroof-runlog/3).
    const line =
      fileLines(records).findIndex(
        (l, i) => i >= 5 && l.includes('"record":"output"') && l.includes('ONEROOF'),
      ) + 1;
    expect(line).toBeGreaterThan(5);
    flipByte(records, line, fileLines(records)[line - 1]!.indexOf('ONEROOF') + 3);
    await caught(
      log,
      new RegExp(
        `the log was edited — records line ${line}, record #${line - 1} \\(output\\): record #${line - 1} \\(output\\) was altered`,
      ),
    );
  });

  it('a flipped byte in the .log', async () => {
    const { log } = await copyOf(await signed());
    flipByteAt(log, 300);
    await caught(
      log,
      /log line \d+, record #\d+ \(output\), \.log bytes \d+–\d+: the \.log's bytes \d+–\d+ \((stdout|stderr)\) do not match/,
    );
  });

  it('a deleted line', async () => {
    const { log, records } = await copyOf(await signed());
    deleteLine(records, 12);
    await caught(
      log,
      /records line 12, record #11: record #11 is missing before line 12 \(which holds #12\): deleted/,
    );
  });

  it('two lines swapped', async () => {
    const { log, records } = await copyOf(await signed());
    swapLines(records, 12);
    await caught(log, /records line 12, record #11: lines 12 and 13 swapped/);
  });

  it('an inserted line', async () => {
    const { log, records } = await copyOf(await signed());
    insertLine(
      records,
      12,
      forgedLine(records, 12, {
        t: 1,
        level: 'info',
        record: 'state',
        at: 'entry',
        vector: '1|210|0|0|5|0',
      }),
    );
    await caught(log, /records line 12: inserted: line 13 links straight to line 11/);
  });

  it('a truncated records file: the signature no longer matches, and the replay says where the records stop', async () => {
    const { log, records } = await copyOf(await signed());
    const lines = fileLines(records);
    truncateTo(records, lines.slice(0, 20).reduce((n, l) => n + l.length + 1, 0) + 10);
    await caught(
      log,
      /signature: the signature .* does not match the records file: it was changed after it was signed \(the records end at line 21 without an end record: cut short after signing\?\)/,
    );
  });

  it('a forged record appended after the end', async () => {
    const { log, records } = await copyOf(await signed());
    const n = fileLines(records).length;
    insertLine(
      records,
      n + 1,
      forgedLine(records, n + 1, { record: 'end', outcome: 'ok', exitCode: 0 }),
    );
    await caught(
      log,
      new RegExp(
        `records line ${n + 1}, record #${n} \\(end\\): a record after the end record \\(line ${n}\\): appended`,
      ),
    );
  });

  describe('the whole records file rewritten, the chain recomputed (the assertion erased)', () => {
    const erase = (records: string) =>
      rewriteChain(records, (r) => {
        type Event = { kind?: string; severity?: string };
        const erased = (e: Event) => e.kind === 'assertion' || e.severity === 'ERROR';
        if (r.record === 'event' && erased(r.event as Event)) return undefined;
        if (r.record === 'output' && Array.isArray(r.events))
          return { ...r, events: (r.events as Event[]).filter((e) => !erased(e)) };
        if (r.record === 'end') return { ...r, outcome: 'ok', exitCode: 0 };
        return r;
      });

    it('the chain alone passes it — the signature does not', async () => {
      const { log, records } = await copyOf(await signed());
      erase(records);
      await caught(
        log,
        /signature: the signature .* does not match the records file: it was changed after it was signed/,
      );
    });

    it('re-signed with another key: not in the allowed signers', async () => {
      const { log, records, sig } = await copyOf(await signed());
      erase(records);
      rmSync(sig);
      const forger = join(await tempDir('oneroof-forger-'), 'key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', forger]);
      execFileSync('ssh-keygen', [
        '-q',
        '-Y',
        'sign',
        '-f',
        forger,
        '-n',
        'oneroof-runlog',
        records,
      ]);
      const unchecked = await replayJson(log);
      expect(unchecked.cli.code).toBe(0);
      expect(unchecked.report.integrity.verdict).toBe('signed');
      await caught(
        log,
        /signature: signed by ED25519 SHA256:\S+, a key the allowed-signers file .* does not name for run logs/,
        '--allowed-signers',
        allowedSigners,
      );
    });

    it('its signature deleted: an auditor with an allowed-signers file refuses an unsigned log', async () => {
      const { log, records, sig } = await copyOf(await signed());
      erase(records);
      rmSync(sig);
      await caught(
        log,
        /signature: unsigned: no .*\.jsonl\.sig, and .* demands a signature/,
        '--allowed-signers',
        allowedSigners,
      );
    });

    it('its signature deleted: the target’s anchor disagrees', async () => {
      const { log, records, sig } = await copyOf(await signed());
      erase(records);
      rmSync(sig);
      // The erased events sat in output records (oneroof-runlog/2): as many records, other
      // contents; a /1 log lost whole event records.
      const r = await caught(
        log,
        /anchor: on-target anchor: the target anchored \d+ records with head [0-9a-f]{64}; this log has \d+ with head [0-9a-f]{64}: (\d+ record\(s\)|the same number of records with other contents: the records were rewritten)|records #\d+–#\d+ are missing at the end/,
        '--target',
        'replica',
      );
      expect(r.stderr).toContain('oneroof: error:');
      // The untouched original agrees with the same anchor.
      const original = await replayJson((await signed()).seal.paths.output, '--target', 'replica');
      expect(original.report.integrity.anchor).toMatchObject({
        status: 'matches',
        file: '/var/lib/postgresql/data/oneroof/anchors',
      });
    });
  });

  it('--json still prints one document (the verdict and the first bad record) before exit 5', async () => {
    const { log, records } = await copyOf(await signed());
    deleteLine(records, 5);
    const r = await replay(log, '--json');
    expect(r.code).toBe(5);
    const report = JSON.parse(r.stdout) as ReplayReport;
    expect(report.integrity).toMatchObject({
      verdict: 'tampered',
      chain: 'broken',
      firstBad: { file: 'records', line: 5, record: 4 },
    });
  });

  it('a missing LOGFILE is named, exit 2, no stack trace', async () => {
    const r = await replay(join(dir, 'nope.log'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `oneroof: error: cannot read ${join(dir, 'nope.log')} (ENOENT)\n  name a run log: logs/<kind>_<stamp>.log, or a log made with psql … | tee\n`,
    );
    expect(BIN).toBeTruthy();
  });
});

describe('signing', () => {
  it('with an encrypted key held by ssh-agent: no passphrase asked, the signature verifies', async () => {
    // A copy: the shared run stays unsigned for the tests that replay it as such.
    const { log, records } = await copyOf(await runOf('no-go'));
    const agent = await startAgent(testbed.ssh.encryptedUserKey, testbed.ssh.passphrase);
    try {
      const signed = await signRunLog(records, {
        key: testbed.ssh.encryptedUserKey,
        env: { ...agent.env, DISPLAY: '', SSH_ASKPASS: '/bin/false' },
      });
      expect(signed.signature).toBe(`${records}.sig`);
      expect(signed.key).toBe(
        `ED25519 ${fingerprint(readFileSync(`${testbed.ssh.encryptedUserKey}.pub`, 'utf8'))}`,
      );
      await expect(
        signRunLog(records, { key: testbed.ssh.encryptedUserKey, env: agent.env }),
      ).rejects.toThrow(
        /is NOT signed: .*\.jsonl\.sig already exists \(a file of \d+ bytes\), and was left as it is/,
      );
    } finally {
      agent.stop();
    }
    const allowed = join(dir, 'allowed_signers_encrypted');
    const pub = readFileSync(`${testbed.ssh.encryptedUserKey}.pub`, 'utf8').trim().split(' ');
    writeFileSync(allowed, `release-manager@testbed ${pub[0]} ${pub[1]}\n`);
    const { cli, report } = await replayJson(log, '--allowed-signers', allowed);
    expect(cli.code).toBe(0);
    expect(report.integrity.signature).toMatchObject({
      status: 'valid',
      principal: 'release-manager@testbed',
    });
    // The operator's other key is not the signer: that allowed-signers file refuses it.
    expect((await replay(log, '--allowed-signers', allowedSigners)).code).toBe(5);
  });
});

describe('--play and --cast', () => {
  // The pace itself (each pause = recorded gap / speed, capped by --max-wait) is proven with an
  // injected sleep in test/unit/audit-replay.test.ts: a wall-clock bound here would be a timing
  // assertion. This checks the real command writes the real log's bytes, whole.
  it('--play writes the .log again, byte for byte, at --speed', async () => {
    const run = await runOf('ok');
    const played = await replay(run.seal.paths.output, '--play', '--speed', '4');
    expect(played.code).toBe(0);
    expect(played.stdout).toBe(readFileSync(run.seal.paths.output, 'utf8'));
    expect(played.stderr).toMatch(/^integrity {2}UNSIGNED|^integrity {2}SIGNED/);
  });

  it('--cast writes an asciicast v2 recording: header, then [t, code, text] in time order', async () => {
    const run = await runOf('ok');
    const cast = join(dir, 'ok.cast');
    const r = await replay(run.seal.paths.output, '--cast', cast);
    expect(r.code).toBe(0);
    const [header, ...events] = readFileSync(cast, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(header).toMatchObject({
      version: 2,
      width: 160,
      height: 48,
      env: { TERM: 'xterm-256color' },
    });
    let last = 0;
    let text = '';
    const markers: string[] = [];
    for (const event of events as [number, string, string][]) {
      expect(event).toHaveLength(3);
      expect(event[0]).toBeGreaterThanOrEqual(last);
      last = event[0];
      if (event[1] === 'o') text += event[2];
      else if (event[1] === 'm') markers.push(event[2]);
      else throw new Error(`unexpected event code ${event[1]}`);
    }
    expect(text.replace(/\r\n/g, '\n')).toBe(readFileSync(run.seal.paths.output, 'utf8'));
    expect(markers).toEqual(
      TIERS.map((t) => expect.stringMatching(new RegExp(`^tier ${t} `)) as unknown as string),
    );
  });
});
