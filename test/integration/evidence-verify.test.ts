/**
 * An evidence set sealed over real runs: a preflight and a status of the packet, over ssh2
 * through the testbed's loopback sshd into the replica's real PostgreSQL, their logs cited by
 * a few hand-written documents; sealed with an operator's ssh key (src/evidence/seal.ts), then
 * checked with the real bin/oneroof (`evidence verify`): verified where it was made, and again
 * moved to another folder with the run's own log folder gone; every edit to a document or to a
 * cited log is exit 5 naming the file.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { replayLog } from '../../src/audit/replay.js';
import { sealEvidence } from '../../src/evidence/seal.js';
import type { EvidenceReport } from '../../src/evidence/verify-report.js';
import { runCli } from '../helpers/cli.js';
import { SSH_TARGET, STATE, expectOneLog, oneroof } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { flipByteAt } from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
let key: string;
let allowed: string;
/** The sealed set, made once; each test checks a copy of it. */
let sealed: string;
let runs: { kind: string; runId: string; log: string }[];

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  await bench.reset();
  const keys = await tempDir('oneroof-evidence-keys-');
  key = join(keys, 'operator');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'op', '-f', key]);
  const pub = readFileSync(`${key}.pub`, 'utf8').trim().split(' ');
  allowed = join(keys, 'allowed_signers');
  writeFileSync(allowed, `operator@example ${pub[0]} ${pub[1]}\n`);

  const preflight = await oneroof(testbed, ['preflight', '--target', SSH_TARGET]);
  expect(preflight.code, preflight.stderr).toBe(3);
  const status = await oneroof(testbed, ['status', '--target', SSH_TARGET]);
  expect(status.code, status.stderr).toBe(0);
  const cited = [];
  runs = [];
  for (const [kind, run] of [
    ['preflight', preflight],
    ['status', status],
  ] as const) {
    const { log } = await expectOneLog(run, kind);
    const report = await replayLog({ path: log });
    expect(report.integrity.verdict).not.toBe('tampered');
    cited.push({ log, runId: report.run.id!, head: report.integrity.head! });
    runs.push({ kind, runId: report.run.id!, log });
    if (kind === 'preflight') expect(report.state.entry?.raw).toBe(STATE.golden);
  }
  sealed = await tempDir('oneroof-evidence-set-');
  writeFileSync(
    join(sealed, '01-state-baselines.md'),
    `# 01 State\n\nentry ${STATE.golden} (run ${runs[0]!.runId})\n`,
  );
  writeFileSync(join(sealed, '09-go-no-go.md'), `# 09 GO/NO-GO\n\nNO-GO (run ${runs[0]!.runId})\n`);
  const seal = await sealEvidence(
    {
      dir: sealed,
      files: ['01-state-baselines.md', '09-go-no-go.md'],
      citations: cited,
      manifestDigest: 'ab'.repeat(32),
    },
    { signingKey: key },
  );
  expect(seal.warnings).toEqual([]);
}, 300_000);

afterAll(async () => {
  await bench.emptyDatabase();
  await bench.uninstall();
});

/** A copy of the sealed set in a folder of its own. */
async function copyOfSet(): Promise<string> {
  const copy = join(await tempDir('oneroof-evidence-copy-'), 'set');
  cpSync(sealed, copy, { recursive: true });
  return copy;
}

async function verify(
  dir: string,
): Promise<{ code: number | null; report: EvidenceReport; stderr: string }> {
  const run = await runCli(['evidence', 'verify', dir, '--allowed-signers', allowed, '--json']);
  return { code: run.code, report: JSON.parse(run.stdout) as EvidenceReport, stderr: run.stderr };
}

describe('evidence verify on real runs', () => {
  it('the sealed set is VERIFIED: both documents, both cited logs replayed intact, exit 0', async () => {
    const { code, report, stderr } = await verify(sealed);
    expect(code, stderr).toBe(0);
    expect(report.verdict).toBe('verified');
    expect(report.logs.map((l) => [l.runId, l.status])).toEqual(
      runs.map((r) => [r.runId, 'intact']),
    );
    // The runs' logs were copied into the set, signature and all.
    expect(readdirSync(join(sealed, 'logs')).filter((f) => f.endsWith('.sig'))).toHaveLength(2);
  });

  it('moved to another folder, with the run logs it was made from gone, it still verifies', async () => {
    const copy = await copyOfSet();
    const originals = await tempDir('oneroof-evidence-gone-');
    for (const run of runs) {
      cpSync(join(run.log, '..'), join(originals, run.kind), { recursive: true });
      rmSync(join(run.log, '..'), { recursive: true });
    }
    try {
      const { code, report } = await verify(copy);
      expect([code, report.verdict]).toEqual([0, 'verified']);
    } finally {
      for (const run of runs)
        cpSync(join(originals, run.kind), join(run.log, '..'), { recursive: true });
    }
  });
});

const logOf = (dir: string, kind: string, ext: string) =>
  `logs/${readdirSync(join(dir, 'logs')).find((f) => f.startsWith(`${kind}_`) && f.endsWith(ext))!}`;

describe('hostile evidence-set: real runs, every edit is exit 5 naming the file', () => {
  it.each([
    [
      'a document edited',
      (d: string) => {
        appendFileSync(join(d, '09-go-no-go.md'), 'GO\n');
        return '09-go-no-go.md';
      },
      /altered: sha256/,
    ],
    [
      "the preflight log's output edited",
      (d: string) => {
        const f = logOf(d, 'preflight', '.log');
        flipByteAt(join(d, f), 40);
        return f;
      },
      /altered: sha256/,
    ],
    [
      "the status log's records edited",
      (d: string) => {
        const f = logOf(d, 'status', '.jsonl');
        flipByteAt(join(d, f), 30);
        return f;
      },
      /altered: sha256/,
    ],
    [
      'the preflight log removed',
      (d: string) => {
        const f = logOf(d, 'preflight', '.log');
        rmSync(join(d, f));
        return f;
      },
      /missing/,
    ],
  ])('hostile evidence-set: real runs, %s', async (_name, tamper, reason) => {
    const copy = await copyOfSet();
    const named = tamper(copy);
    const { code, report, stderr } = await verify(copy);
    expect(code).toBe(5);
    expect(report.problems.find((p) => p.file === named)?.reason).toMatch(reason);
    expect(stderr).toMatch(
      new RegExp(`oneroof: error: evidence set .* was edited: .*${named.replace(/\./g, '\\.')}: `),
    );
  });

  it('hostile evidence-set: real runs, a cited log edited is also found by its replay', async () => {
    const copy = await copyOfSet();
    flipByteAt(join(copy, logOf(copy, 'preflight', '.log')), 40);
    const { report } = await verify(copy);
    const log = report.logs.find((l) => l.runId === runs[0]!.runId)!;
    expect(log.status).toBe('tampered');
    expect(log.detail).toMatch(/does not replay intact: log /);
  });
});
