/**
 * `npm run bench`: the packet's timings on the testbed replica, by plain psql through docker
 * exec as the seed documents it (and the apply once more through oneroof's runner over ssh2):
 * golden clone seed, apply (99_run_all.sql), full rollback — median of ONEROOF_BENCH_RUNS
 * (default 3) — with the fingerprints before and after. Prints; asserts only correctness.
 */
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { loadInventory } from '../src/inventory/load.js';
import { runSql } from '../src/runner/run.js';
import { createTransport } from '../src/transport/index.js';
import { PacketBench } from '../test/helpers/packet.js';
import { tempDir } from '../test/helpers/tmp.js';
import { runCli } from '../test/helpers/cli.js';

const testbed = inject('testbed');
const RUNS = Number(process.env.ONEROOF_BENCH_RUNS ?? 3);
const APR = 'APR-2026-0142'; // the code sql/README.md's pinned fingerprints use

async function seconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - started) / 1e9, result];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

it('times the packet: golden clone, apply, full rollback', { timeout: 3_600_000 }, async () => {
  const bench = await PacketBench.open(testbed);
  await bench.install();
  const target = (await loadInventory(testbed.inventory)).targets.get(testbed.ssh.alias)!;
  const logDir = join(await tempDir('oneroof-bench-'), 'logs');
  const t: Record<string, number[]> = { seed: [], apply: [], runner: [], cli: [], rollback: [] };
  const prints = new Set<string>();
  try {
    for (let i = 0; i < RUNS; i++) {
      const [seed] = await seconds(() => bench.reset(APR));
      t.seed!.push(seed);
      const before = await bench.probe('fingerprint');
      const [apply, applied] = await seconds(() =>
        bench.runFile('prod/99_run_all.sql', { ratified_apr: APR }),
      );
      expect(applied.exitCode).toBe(0);
      t.apply!.push(apply);
      expect(await bench.probe('scanner_count')).toBe('38');
      const [rollback, rolled] = await seconds(() =>
        bench.runFile('prod_rollback/99_rollback_full.sql'),
      );
      expect(rolled.exitCode).toBe(0);
      t.rollback!.push(rollback);
      expect(await bench.probe('fingerprint')).toBe(before);
      prints.add(before);

      // The same apply through the runner: bundle, ssh2, stage, psql, log, parse.
      await bench.reset(APR);
      const [runner, result] = await seconds(async () =>
        runSql({
          kind: 'rollout',
          target,
          source: { kind: 'packet', root: join(PACKAGE_ROOT, 'sql'), entry: 'prod/99_run_all.sql' },
          transport: await createTransport(target),
          logDir,
          variables: { ratified_apr: APR },
        }),
      );
      expect(result.outcome).toBe('ok');
      t.runner!.push(runner);

      // The whole command an operator types: manifest check, lock, state probes, the summary.
      await bench.reset(APR);
      const [cli, run] = await seconds(() =>
        runCli([
          '--inventory',
          testbed.inventory,
          '--log-dir',
          logDir,
          'apply',
          '--target',
          testbed.ssh.alias,
          '--apr',
          APR,
          '--yes',
        ]),
      );
      expect(run.code, run.stderr).toBe(0);
      t.cli!.push(cli);
    }
  } finally {
    await bench.uninstall();
    await bench.emptyDatabase();
  }
  const line = (name: string, key: string) =>
    `${name.padEnd(64)} ${median(t[key]!).toFixed(2).padStart(6)} s   (${t[key]!.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(
    [
      `packet on the replica, median of ${RUNS} (${new Date().toISOString()})`,
      line('golden clone + approval (replica reset --approve)', 'seed'),
      line('apply: psql -f sql/prod/99_run_all.sql (docker exec)', 'apply'),
      line('apply: oneroof runner over ssh2 (bundle, stage, log)', 'runner'),
      line('apply: `oneroof apply --yes` over ssh2 (the whole command)', 'cli'),
      `  ratio to psql by hand: runner ${(median(t.runner!) / median(t.apply!)).toFixed(2)}, command ${(median(t.cli!) / median(t.apply!)).toFixed(2)}`,
      line('full rollback: psql -f sql/prod_rollback/99_rollback_full.sql', 'rollback'),
      `pre-release fingerprint (golden clone + approval): ${[...prints].join(', ')}`,
    ].join('\n'),
  );
  expect(prints.size).toBe(1);
});
