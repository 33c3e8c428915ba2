/**
 * Start-up and per-run overhead (issue 13): each command a cold `node bin/oneroof …` runs, timed
 * ONEROOF_BENCH_RUNS times (default 7) interleaved with its baseline — `node -e 0` for the
 * commands that reach no target, the raw one-liner an operator would type for preflight and
 * apply — and printed as medians and their ratio: wall time, and (with /usr/bin/time, Debian's
 * `time`) the CPU time (user + sys) and peak RSS of the process tree's largest member, which a
 * loaded machine disturbs much less than wall time. Then, for the same commands, how many files
 * (bundle files, dist modules, packages' modules) each loads and from which packages (test/helpers/module-trace.mjs). Prints; asserts only that
 * every run did what it should.
 *
 *   npm run build && ONEROOF_TESTBED_ID=<id> npx vitest run --project bench bench/startup.bench.ts
 *
 * ONEROOF_BENCH_BIN=/other/checkout/bin/oneroof times another build (an older commit, built) on
 * the same testbed, for a before/after table.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { PacketBench } from '../test/helpers/packet.js';
import { BIN } from '../test/helpers/cli.js';
import { tempDir } from '../test/helpers/tmp.js';

const testbed = inject('testbed');
const RUNS = Number(process.env.ONEROOF_BENCH_RUNS ?? 7);
const APR = 'APR-2026-0142';
const TRACE = new URL('../test/helpers/module-trace.mjs', import.meta.url).pathname;

const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

interface Timed {
  seconds: number;
  /** user + sys of the command and its children (NaN without /usr/bin/time). */
  cpu: number;
  /** Peak RSS in MiB (NaN without /usr/bin/time). */
  rss: number;
  code: number | null;
  stderr: string;
}

async function timed(
  command: string[],
  env: NodeJS.ProcessEnv = {},
  usageFile?: string,
): Promise<Timed> {
  const argv = usageFile ? [TIME, '-f', '%U %S %M', '-o', usageFile, ...command] : command;
  const run = await new Promise<Omit<Timed, 'cpu' | 'rss'>>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, code, stderr }),
    );
  });
  if (!usageFile) return { ...run, cpu: NaN, rss: NaN };
  const [user, sys, rssKb] = (await readFile(usageFile, 'utf8'))
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ');
  return { ...run, cpu: Number(user) + Number(sys), rss: Number(rssKb) / 1024 };
}

type Metric = 'seconds' | 'cpu' | 'rss';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

interface Pair {
  name: string;
  oneroof: string[];
  baseline: string[];
  baselineName: string;
  /** Before each run of either side, untimed (a fresh golden clone for apply). */
  before?: () => Promise<unknown>;
  ok: number;
}

it(
  'times start-up and per-run overhead against the baselines',
  { timeout: 3_600_000 },
  async () => {
    const bench = await PacketBench.open(testbed);
    await bench.install();
    const dir = await tempDir('oneroof-bench-startup-');
    const logDir = join(dir, 'logs');
    const cli = (...args: string[]) => [
      process.execPath,
      process.env.ONEROOF_BENCH_BIN ?? BIN,
      '--inventory',
      testbed.inventory,
      '--log-dir',
      logDir,
      ...args,
    ];
    const raw = (file: string) => [
      'ssh',
      '-F',
      testbed.ssh.sshConfig,
      '-o',
      'BatchMode=yes',
      testbed.ssh.alias,
      `docker exec -i -w / ${testbed.container} psql -X -v ON_ERROR_STOP=1 -U ${testbed.user} -d ${testbed.database} -v ratified_apr=${APR} -f sql/${file}`,
    ];
    const node0 = [process.execPath, '-e', '0'];
    try {
      await bench.reset(APR);
      // One preflight first, so that replay has a small log of a real run.
      const first = await timed(cli('preflight', '--target', testbed.ssh.alias, '--apr', APR));
      expect(first.code, first.stderr).toBe(0);
      const log = (await readdir(logDir)).find((name) => name.endsWith('.log'));
      expect(log).toBeDefined();
      const logFile = join(logDir, log!);

      const pairs: Pair[] = [
        {
          name: 'oneroof --help',
          oneroof: cli('--help'),
          baseline: node0,
          baselineName: 'node -e 0',
          ok: 0,
        },
        {
          name: 'oneroof --version',
          oneroof: cli('--version'),
          baseline: node0,
          baselineName: 'node -e 0',
          ok: 0,
        },
        {
          name: 'oneroof targets',
          oneroof: cli('targets'),
          baseline: node0,
          baselineName: 'node -e 0',
          ok: 0,
        },
        {
          name: 'oneroof replay LOG (a preflight)',
          oneroof: cli('replay', logFile),
          baseline: node0,
          baselineName: 'node -e 0',
          ok: 0,
        },
        {
          name: 'oneroof preflight (ssh2)',
          oneroof: cli('preflight', '--target', testbed.ssh.alias, '--apr', APR),
          baseline: raw('prod/00_preflight.sql'),
          baselineName: 'ssh ALIAS docker exec psql -f 00_preflight.sql',
          ok: 0,
        },
        {
          name: 'oneroof apply --yes (ssh2), fresh golden clone',
          oneroof: cli('apply', '--target', testbed.ssh.alias, '--apr', APR, '--yes'),
          baseline: raw('prod/99_run_all.sql'),
          baselineName: 'ssh ALIAS docker exec psql -f 99_run_all.sql',
          before: () => bench.reset(APR),
          ok: 0,
        },
      ];

      const lines = [
        `start-up and per-run overhead, median of ${RUNS} interleaved runs (${new Date().toISOString()})`,
        `load at start: ${(await readFile('/proc/loadavg', 'utf8')).trim()}`,
        `${''.padEnd(48)} ${'wall s'.padStart(23)}  ${'cpu s (user+sys)'.padStart(21)}  peak RSS MiB`,
        `${'command'.padEnd(48)} ${'oneroof'.padStart(8)} ${'base'.padStart(7)} ${'ratio'.padStart(6)}  ${'oneroof'.padStart(7)} ${'base'.padStart(6)} ${'ratio'.padStart(6)}  ${'oneroof'.padStart(7)} ${'base'.padStart(5)}  baseline`,
      ];
      const usage = haveTime ? join(dir, 'usage.txt') : undefined;
      for (const pair of pairs) {
        const mine: Timed[] = [];
        const theirs: Timed[] = [];
        for (let i = 0; i < RUNS; i++) {
          await pair.before?.();
          const a = await timed(pair.oneroof, {}, usage);
          expect(a.code, `${pair.name}: ${a.stderr}`).toBe(pair.ok);
          mine.push(a);
          await pair.before?.();
          const b = await timed(pair.baseline, {}, usage);
          expect(b.code, `${pair.baselineName}: ${b.stderr}`).toBe(0);
          theirs.push(b);
        }
        const m = (runs: Timed[], key: Metric) => median(runs.map((r) => r[key]));
        const cell = (runs: Timed[], key: Metric, width: number, digits = 3) =>
          m(runs, key).toFixed(digits).padStart(width);
        const ratio = (key: Metric) => (m(mine, key) / m(theirs, key)).toFixed(2).padStart(6);
        lines.push(
          `${pair.name.padEnd(48)} ${cell(mine, 'seconds', 8)} ${cell(theirs, 'seconds', 7)} ${ratio('seconds')}  ${cell(mine, 'cpu', 7)} ${cell(theirs, 'cpu', 6)} ${ratio('cpu')}  ${cell(mine, 'rss', 7, 0)} ${cell(theirs, 'rss', 5, 0)}  ${pair.baselineName}`,
        );
      }
      lines.push(`load at end: ${(await readFile('/proc/loadavg', 'utf8')).trim()}`);

      // Which modules each command loads (first run of each; deterministic, unlike the timings).
      lines.push('', 'modules loaded by a cold run: total, and the packages under node_modules');
      const traceFile = join(dir, 'modules.txt');
      for (const pair of pairs) {
        await rm(traceFile, { force: true });
        await pair.before?.();
        const argv = [pair.oneroof[0]!, '--import', TRACE, ...pair.oneroof.slice(1)];
        const run = await timed(argv, { ONEROOF_MODULE_TRACE: traceFile });
        expect(run.code, run.stderr).toBe(pair.ok);
        const urls = new Set((await readFile(traceFile, 'utf8')).split('\n').filter(Boolean));
        const packages = new Map<string, number>();
        let own = 0;
        let bundled = 0;
        for (const url of urls) {
          const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
          if (match) packages.set(match[1]!, (packages.get(match[1]!) ?? 0) + 1);
          else if (url.includes('/dist/')) own++;
          // A file of the bundle (scripts/bundle.mjs): our modules and the bundled packages'.
          else if (url.includes('/bundle/')) bundled++;
        }
        const sorted = [...packages].sort((a, b) => b[1] - a[1]);
        const list = sorted.slice(0, 8).map(([p, n]) => `${p} ${n}`);
        if (sorted.length > 8) list.push(`${sorted.length - 8} more packages`);
        lines.push(
          `${pair.name.padEnd(48)} ${String(urls.size).padStart(4)}  bundle ${bundled}, dist ${own}; ${list.join(', ') || '-'}`,
        );
      }
      console.log(lines.join('\n'));
    } finally {
      await bench.uninstall();
      await bench.emptyDatabase();
    }
  },
);
