/**
 * `npm run bench`: a fleet preflight — an inventory group of ONEROOF_BENCH_FLEET (default 16)
 * targets — against the preflight of one of them (issue 13's goal: within 3×). The targets are
 * the testbed replica's golden clone copied into that many databases of the one container,
 * reached through the one ssh alias: each is a database of its own (its own run lock, its own
 * log), so what is measured is the fleet machinery (the pool, one connection per target), not
 * sixteen runs queued behind one lock. Beside them, the raw pipeline for one target and for all
 * of them at once (`ssh … & … wait`, the same stream each). Every member is NO-GO (exit 3) on
 * the packet's `database` check alone (it pins production's database name): a whole preflight
 * all the same, every check run. Prints; asserts only the exits.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { shellQuote } from '../src/remote/quote.js';
import { PacketBench } from '../test/helpers/packet.js';
import { tempDir } from '../test/helpers/tmp.js';
import { interleaved, printFigures, seconds, timed } from './timing.js';

const testbed = inject('testbed');
const FLEET = Number(process.env.ONEROOF_BENCH_FLEET ?? 16);
const APR = 'APR-2026-0142';
const BIN = join(PACKAGE_ROOT, 'bin', 'oneroof');
const names = Array.from({ length: FLEET }, (_, i) => `fleet${String(i + 1).padStart(2, '0')}`);

it(`times a preflight of ${FLEET} targets against one`, { timeout: 3_600_000 }, async () => {
  const dir = await tempDir('oneroof-bench-fleet-');
  const inventory = join(dir, 'inventory');
  await mkdir(inventory);
  await writeFile(
    join(inventory, 'targets.yml'),
    `targets:\n${names
      .map(
        (name) =>
          `  ${name}:\n    ssh: ${testbed.ssh.alias}\n    ssh_config: ${testbed.ssh.sshConfig}\n    container: ${testbed.container}\n    database: ${name}\n    user: ${testbed.user}\n`,
      )
      .join('')}groups:\n  fleet: [${names.join(', ')}]\n`,
  );
  const bench = await PacketBench.open(testbed);
  await bench.reset(APR); // the golden clone, the gate open
  const sql = (text: string, vars: Record<string, string>) =>
    bench.replica.psql('postgres', vars, text).then((r) => {
      if (r.exitCode !== 0) throw new Error(`${text}: ${r.stderr}`);
    });
  try {
    for (const name of names)
      await sql('CREATE DATABASE :"name" TEMPLATE :"template";\n', {
        name,
        template: testbed.database,
      });
    const logs = join(dir, 'logs');
    const cli = (target: string) => () =>
      timed(
        [
          process.execPath,
          BIN,
          ...['--inventory', inventory, '--log-dir', logs, '--quiet'],
          ...['preflight', '--target', target, '--apr', APR],
        ],
        { codes: [3] },
      );
    // The raw pipeline: the same stream oneroof sends each target (bench/stream-of.mjs).
    const ssh = `ssh -F ${shellQuote(testbed.ssh.sshConfig)} -o BatchMode=yes ${testbed.ssh.alias}`;
    const lines = names.map((name) => {
      const file = join(dir, `${name}.sql`);
      const line = execFileSync(process.execPath, [
        join(PACKAGE_ROOT, 'bench', 'stream-of.mjs'),
        ...['preflight', inventory, name, join(PACKAGE_ROOT, 'sql'), file, APR],
      ])
        .toString()
        .trim();
      return `${ssh} ${shellQuote(line)} < ${shellQuote(file)} >/dev/null`;
    });
    const all = join(dir, 'raw-fleet.sh');
    await writeFile(
      all,
      `pids=()\n${lines.map((l) => `${l} &\npids+=($!)\n`).join('')}rc=0\nfor p in "\${pids[@]}"; do wait "$p" || rc=1; done\nexit $rc\n`,
    );
    const one = join(dir, 'raw-one.sh');
    await writeFile(one, `${lines[0]!}\n`);
    const [group, single, rawGroup, rawOne] = interleaved([
      cli('fleet'),
      cli(names[0]!),
      () => timed(['bash', all], { codes: [0, 1, 3] }),
      () => timed(['bash', one], { codes: [0, 1, 3] }),
    ]);
    const command = `oneroof preflight --target fleet --apr ${APR}`;
    printFigures(`preflight of a group of ${FLEET} targets (one container, ${FLEET} databases)`, [
      {
        figure: `fleet preflight, ${FLEET} targets, against one target`,
        oneroof: seconds(group!),
        versus: `one target ${seconds(single!)}`,
        ratio: group!.seconds / single!.seconds,
        rssMiB: group!.rssMiB,
        goal: '≤ 3×',
        load: group!.load,
        command,
      },
      {
        figure: `fleet preflight, ${FLEET} targets, against the raw pipelines all at once`,
        oneroof: seconds(group!),
        versus: `raw ×${FLEET} ${seconds(rawGroup!)}`,
        ratio: group!.seconds / rawGroup!.seconds,
        rssMiB: group!.rssMiB,
        goal: '—',
        load: group!.load,
        command,
      },
      {
        figure: `raw: ${FLEET} pipelines at once, against one`,
        oneroof: seconds(rawGroup!),
        versus: `raw one ${seconds(rawOne!)}`,
        ratio: rawGroup!.seconds / rawOne!.seconds,
        goal: '—',
        load: rawGroup!.load,
        command: 'bash raw-fleet.sh (ssh … < file & × N; wait)',
      },
    ]);
    expect(group!.last.stdout).toMatch(/worst exit: 3/);
  } finally {
    for (const name of names)
      await sql('DROP DATABASE IF EXISTS :"name" WITH (FORCE);\n', { name });
    await bench.emptyDatabase();
  }
});
