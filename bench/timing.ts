/**
 * The one way the benches time a process: argv under `/usr/bin/time` (peak RSS), wall time by
 * the clock around it, stdin from a file when given; runs of several variants interleaved (run
 * 1 of each, then run 2 of each, …) so that a change of load on the shared machine hits every
 * variant alike; medians; and the figure printed both as a plain line and as a Markdown row of
 * bench/RESULTS.md. Nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

export const RUNS = Number(process.env.ONEROOF_BENCH_RUNS ?? 5);

export interface Sample {
  seconds: number;
  rssMiB: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  /** A file for the process's stdin (default: none). */
  stdin?: string;
  /** Exit codes that count as a good run (default: 0 only). */
  codes?: readonly number[];
  env?: NodeJS.ProcessEnv;
}

let timeFiles = 0;

/** Runs argv once in its own process: wall seconds, peak RSS, exit code, output. */
export function timed(argv: string[], options: TimedOptions = {}): Sample {
  const timeFile = join(tmpdir(), `oneroof-bench-${process.pid}-${timeFiles++}.time`);
  const stdin = options.stdin === undefined ? 'ignore' : openSync(options.stdin, 'r');
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...argv], {
    stdio: [stdin, 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (typeof stdin === 'number') closeSync(stdin);
  const stdout = r.stdout?.toString() ?? '';
  const stderr = r.stderr?.toString() ?? '';
  const code = r.status ?? -1;
  if (!(options.codes ?? [0]).includes(code))
    throw new Error(
      `${argv.join(' ')} exited ${code}:\n${stdout.slice(-3000)}\n${stderr.slice(-2000)}`,
    );
  const rssKiB = Number(readFileSync(timeFile, 'utf8').trim().split(/\s+/).pop());
  rmSync(timeFile, { force: true });
  return { seconds, rssMiB: rssKiB / 1024, code, stdout, stderr };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** The 1-minute load average now, as `uptime` prints it. */
export const load = (): string => loadavg()[0]!.toFixed(2);

export interface Measured {
  seconds: number;
  rssMiB: number;
  /** Every run's wall seconds, in order. */
  all: number[];
  /** The load average at the first and the last run. */
  load: string;
  last: Sample;
}

/**
 * RUNS runs of each variant, interleaved; `before` runs untimed ahead of each run (a fresh
 * golden clone, say). Returns each variant's medians, in the order given.
 */
export function interleaved(
  variants: readonly (() => Sample)[],
  options: { runs?: number; before?: () => void } = {},
): Measured[] {
  const runs = options.runs ?? RUNS;
  const samples: Sample[][] = variants.map(() => []);
  const loads: string[] = [];
  for (let i = 0; i < runs; i++)
    variants.forEach((run, v) => {
      options.before?.();
      loads.push(load());
      samples[v]!.push(run());
    });
  const span = `${loads[0]}–${loads[loads.length - 1]}`;
  return samples.map((s) => ({
    seconds: median(s.map((x) => x.seconds)),
    rssMiB: median(s.map((x) => x.rssMiB)),
    all: s.map((x) => x.seconds),
    load: span,
    last: s[s.length - 1]!,
  }));
}

/** One figure of issue 13's table: oneroof against the thing it is compared with. */
export interface Figure {
  figure: string;
  oneroof: string;
  versus: string;
  /** oneroof over the other (time ratio; for throughputs, oneroof's share); none: no other. */
  ratio?: number;
  rssMiB?: number;
  goal: string;
  load: string;
  command: string;
}

export function seconds(m: Measured): string {
  return `${m.seconds.toFixed(2)} s`;
}

const times = (f: Figure): string => (f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`);

const rss = (f: Figure): string => (f.rssMiB === undefined ? '—' : `${f.rssMiB.toFixed(0)} MiB`);

/** A plain line per figure, then the same figures as rows of bench/RESULTS.md's table. */
export function printFigures(title: string, figures: readonly Figure[]): void {
  const plain = figures.map(
    (f) =>
      `  ${f.figure.padEnd(62)} ${f.oneroof.padStart(12)}  vs ${f.versus.padEnd(24)} ${times(f).padStart(7)}  RSS ${rss(f).padStart(7)}  load ${f.load}  (goal ${f.goal})`,
  );
  const markdown = figures.map(
    (f) =>
      `| ${f.figure} | ${f.oneroof} | ${f.versus} | ${times(f)} | ${rss(f)} | ${f.load} | ${f.goal} | \`${f.command}\` |`,
  );
  console.log(
    [
      `${title} (median of ${RUNS} interleaved runs, ${new Date().toISOString()}, load ${load()})`,
      ...plain,
      '',
      'Markdown rows for bench/RESULTS.md:',
      ...markdown,
    ].join('\n'),
  );
}

/** The records row (issue 13): a run's records (`.jsonl`) against its `.log`, by size. */
export function recordsFigure(records: string): Figure {
  const log = records.replace(/\.jsonl$/, '.log');
  const kb = (file: string) => `${(statSync(file).size / 1000).toFixed(1)} KB`;
  return {
    figure: 'run records (`.jsonl`) of one apply',
    oneroof: kb(records),
    versus: `its .log ${kb(log)}`,
    ratio: statSync(records).size / statSync(log).size,
    goal: '≤ 2×',
    load: load(),
    command: 'ls -l logs/rollout_*.{jsonl,log}',
  };
}
