/**
 * `npm run bench`: issue 13's command figures on the testbed, each the median of
 * ONEROOF_BENCH_RUNS (default 5) interleaved runs, each run a process of its own:
 *   - `oneroof --help` (cold) against `node -e 0`;
 *   - preflight, apply (on a fresh golden clone each run), verify and status through the whole
 *     CLI over ssh2 against the raw pipeline an operator would type,
 *         ssh ALIAS 'docker exec -i C psql …' < FILE
 *     where FILE is exactly what oneroof streams for that command (bench/stream-of.mjs) and
 *     the psql line is the same role, settings and variables;
 *   - the same preflight file through an Ansible playbook over the same alias (bench/ansible.ts);
 *   - the run records (.jsonl) of one apply against its .log.
 * Prints the figures and their Markdown rows; asserts only that every run ended as expected.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { PacketBench } from '../test/helpers/packet.js';
import { tempDir } from '../test/helpers/tmp.js';
import { ensureAnsible, psqlPlaybook } from './ansible.js';
import { interleaved, printFigures, recordsFigure, seconds, timed, type Figure } from './timing.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142'; // the code sql/README.md's pinned fingerprints use
const BIN = join(PACKAGE_ROOT, 'bin', 'oneroof');
/** Another build (e.g. a checkout of main, built: CHECKOUT/bin/oneroof), timed beside this one in the same runs. */
const OTHER = process.env.ONEROOF_BENCH_BIN;
const PACKET = join(PACKAGE_ROOT, 'sql');
const ALIAS = testbed.ssh.alias;
const SSH = ['ssh', '-F', testbed.ssh.sshConfig, '-o', 'BatchMode=yes', ALIAS];

/** The file oneroof streams for `command`, and the far side's psql line for it. */
function streamOf(dir: string, command: string, apr?: string): { file: string; line: string } {
  const file = join(dir, `${command}.sql`);
  const line = execFileSync(process.execPath, [
    join(PACKAGE_ROOT, 'bench', 'stream-of.mjs'),
    command,
    testbed.inventory,
    ALIAS,
    PACKET,
    file,
    ...(apr ? [apr] : []),
  ])
    .toString()
    .trim();
  return { file, line };
}

it(
  'times the commands: oneroof against the raw pipeline and Ansible',
  { timeout: 3_600_000 },
  async () => {
    const dir = await tempDir('oneroof-bench-commands-');
    const logs = join(dir, 'logs');
    const cli =
      (...args: string[]) =>
      () =>
        timedCli(BIN, args);
    const other =
      (...args: string[]) =>
      () =>
        timedCli(OTHER!, args);
    const timedCli = (bin: string, args: string[]) =>
      timed([process.execPath, bin, '--inventory', testbed.inventory, '--log-dir', logs, ...args]);
    const raw = (s: { file: string; line: string }) => () =>
      timed([...SSH, s.line], { stdin: s.file });
    const streams = {
      preflight: streamOf(dir, 'preflight', APR),
      apply: streamOf(dir, 'apply', APR),
      verify: streamOf(dir, 'verify'),
      status: streamOf(dir, 'status'),
    };
    const ansibleVersion = ensureAnsible();
    const play = psqlPlaybook(
      join(dir, 'ansible'),
      ALIAS,
      testbed.ssh.sshConfig,
      streams.preflight.line,
      streams.preflight.file,
    );
    const bench = await PacketBench.open(testbed);
    const figures: Figure[] = [];
    const compare = (
      figure: string,
      goal: string,
      command: string,
      [ours, theirs]: ReturnType<typeof interleaved>,
      versus: string,
    ) =>
      figures.push({
        figure,
        oneroof: seconds(ours!),
        versus: `${versus} ${seconds(theirs!)}`,
        ratio: ours!.seconds / theirs!.seconds,
        rssMiB: ours!.rssMiB,
        goal,
        load: ours!.load,
        command,
      });
    try {
      compare(
        '`oneroof --help` (cold)',
        '≤ 2×',
        'node bin/oneroof --help',
        interleaved([
          () => timed([process.execPath, BIN, '--help']),
          () => timed([process.execPath, '-e', '0']),
        ]),
        '`node -e 0`',
      );

      await bench.reset(APR); // the gate open: every preflight is GO (exit 0)
      const preflightArgs = ['preflight', '--target', ALIAS, '--apr', APR];
      const pre = interleaved([
        cli(...preflightArgs),
        raw(streams.preflight),
        () => timed(play.argv, play.options),
        ...(OTHER ? [other(...preflightArgs)] : []),
      ]);
      compare(
        'preflight, cold CLI',
        '≤ 1.3×',
        `oneroof preflight --target ${ALIAS} --apr ${APR}`,
        [pre[0]!, pre[1]!],
        'raw',
      );
      if (OTHER)
        compare(
          `preflight, cold CLI, ${OTHER}`,
          '≤ 1.3×',
          `ONEROOF_BENCH_BIN=${OTHER}`,
          [pre[3]!, pre[1]!],
          'raw',
        );
      compare(
        'preflight through an Ansible playbook (same file, same alias)',
        '—',
        'ansible-playbook -i INVENTORY -e @VARS psql.yml (bench/ansible.ts)',
        [pre[2]!, pre[1]!],
        'raw',
      );

      // Each apply on a fresh golden clone with the approval (not timed).
      const reset = () =>
        execFileSync(process.execPath, [BIN, ...resetArgs()], { stdio: 'ignore' });
      const applyArgs = ['apply', '--target', ALIAS, '--apr', APR, '--yes'];
      const applied = interleaved(
        [cli(...applyArgs), raw(streams.apply), ...(OTHER ? [other(...applyArgs)] : [])],
        { before: reset },
      );
      compare(
        'apply of the packet on a fresh golden clone',
        '≤ 1.10×',
        `oneroof apply --target ${ALIAS} --apr ${APR} --yes`,
        [applied[0]!, applied[1]!],
        'raw',
      );
      if (OTHER)
        compare(
          `apply on a fresh golden clone, ${OTHER}`,
          '≤ 1.10×',
          `ONEROOF_BENCH_BIN=${OTHER}`,
          [applied[2]!, applied[1]!],
          'raw',
        );
      // The records row is this build's: with another build timed beside it, its apply may
      // have been the last one, so this build applies once more (not timed).
      if (OTHER) {
        reset();
        cli(...applyArgs)();
      }
      const records = newest(logs, 'rollout_', '.jsonl');
      figures.push(recordsFigure(records));

      // The state is now applied: verify passes, status reads the ledger.
      for (const command of ['verify', 'status'] as const)
        compare(
          command,
          '—',
          `oneroof ${command} --target ${ALIAS}`,
          interleaved([cli(command, '--target', ALIAS), raw(streams[command])]),
          'raw',
        );
    } finally {
      // The figures first: a cleanup that fails (a loaded docker engine) must not lose them.
      printFigures(
        `oneroof commands against the raw pipeline over ${ALIAS}; ${ansibleVersion}`,
        figures,
      );
      await bench.emptyDatabase();
    }
    expect(figures).toHaveLength(OTHER ? 9 : 7);
  },
);

/** `replica reset --approve APR` on the testbed replica: the golden clone, the gate open. */
function resetArgs(): string[] {
  return [
    '--inventory',
    testbed.inventory,
    'replica',
    'reset',
    '--target',
    'replica',
    '--approve',
    APR,
  ];
}

/** The newest file in dir named prefix…suffix (run log names sort by time). */
function newest(dir: string, prefix: string, suffix: string): string {
  const names = readdirSync(dir)
    .filter((n) => n.startsWith(prefix) && n.endsWith(suffix))
    .sort();
  if (names.length === 0) throw new Error(`no ${prefix}*${suffix} in ${dir}`);
  return join(dir, names[names.length - 1]!);
}
