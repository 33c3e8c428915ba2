/**
 * The run records (.jsonl) of one apply against its .log (issue 13's records row, the same
 * figure bench/commands.bench.ts prints), alone: one `oneroof apply` on a fresh golden clone of
 * the testbed replica, by this checkout's bin or by ONEROOF_BENCH_BIN (another checkout, built:
 * a before/after pair), and the sizes of its two files. ONEROOF_BENCH_KEEP=DIR copies the log
 * there. Prints the figure; asserts only that the apply ended as expected and replays intact.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { tempDir } from '../test/helpers/tmp.js';
import { printFigures, recordsFigure } from './timing.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';
const BIN = process.env.ONEROOF_BENCH_BIN ?? join(PACKAGE_ROOT, 'bin', 'oneroof');

it('sizes the run records of one apply against its .log', { timeout: 600_000 }, async () => {
  const logs = join(await tempDir('oneroof-bench-records-'), 'logs');
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [BIN, '--inventory', testbed.inventory, ...args], {
      stdio: 'ignore',
    });
  cli('replica', 'reset', '--target', 'replica', '--approve', APR);
  cli('--log-dir', logs, 'apply', '--target', testbed.ssh.alias, '--apr', APR, '--yes');
  const name = readdirSync(logs)
    .filter((n) => n.startsWith('rollout_') && n.endsWith('.jsonl'))
    .sort()
    .pop();
  expect(name).toBeDefined();
  const records = join(logs, name!);
  const log = records.replace(/\.jsonl$/, '.log');
  // The log it wrote replays intact with the same build (exit 0: unsigned is not a failure).
  cli('replay', records);
  const keep = process.env.ONEROOF_BENCH_KEEP;
  if (keep !== undefined)
    for (const file of [records, log]) copyFileSync(file, join(keep, file.split('/').pop()!));
  printFigures(`run records of one apply by ${BIN}`, [recordsFigure(records)]);
});
