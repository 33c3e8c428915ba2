/**
 * `npm run bench` (or `npx vitest run --project bench bench/replay.bench.ts`): the audit log's
 * costs, each measured in a process of its own under /usr/bin/time:
 *   - writing: RunLog (chained records, a sha256 per output chunk) against plain writes of the
 *     same 32 KiB chunks; and a real run whose psql prints ONEROOF_BENCH_RUN_MIB (default 256)
 *     through the local transport, with its output teed into the log and without;
 *   - replaying: `oneroof replay LOG --json` on a run log of ONEROOF_BENCH_REPLAY_MIB (default
 *     1024) — records checked, every byte of the .log hashed — and the same .log alone, as a
 *     hand-made log (every line through the psql parser), with a 64 MiB log beside each to
 *     show that memory stays flat.
 * Each process is timed by bench/timing.ts, ONEROOF_BENCH_RUNS times (default 5).
 * It prints throughput and peak RSS; it asserts only that every run ended well.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { tempDir } from '../test/helpers/tmp.js';
import { load, median, printFigures, RUNS, timed, type Sample } from './timing.js';

const testbed = inject('testbed');
const REPLAY_MIB = Number(process.env.ONEROOF_BENCH_REPLAY_MIB ?? 1024);
const RUN_MIB = Number(process.env.ONEROOF_BENCH_RUN_MIB ?? 256);
const ROOT = join(import.meta.dirname, '..');
const CHILD = join(ROOT, 'bench', 'replay-child.mjs');

function row(label: string, bytes: number, samples: Sample[]): string {
  const seconds = median(samples.map((s) => s.seconds));
  const rss = median(samples.map((s) => s.rssMiB));
  return `${label.padEnd(58)} ${seconds.toFixed(2).padStart(7)} ${(bytes / 1e6 / seconds).toFixed(0).padStart(8)} ${rss.toFixed(0).padStart(9)}`;
}

const HEADER = `${'what'.padEnd(58)} ${'wall s'.padStart(7)} ${'MB/s'.padStart(8)} ${'RSS MiB'.padStart(9)}`;

it(
  `writes and replays run logs (${REPLAY_MIB} MiB replayed, ${RUN_MIB} MiB run)`,
  { timeout: 3_600_000 },
  async () => {
    const dir = await tempDir('oneroof-bench-replay-');
    const when = `median of ${RUNS} runs, ${new Date().toISOString()}`;
    const out: string[] = [];

    // 1. Writing: the chained log against plain writes of the same chunks.
    const write = (mode: 'write' | 'raw', mib: number) => () => {
      const to = join(dir, `${mode}-${mib}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(to);
      return timed([process.execPath, CHILD, mode, to, String(mib)]);
    };
    const writeMiB = Math.min(REPLAY_MIB, 256);
    const writes = {
      raw: Array.from({ length: RUNS }, write('raw', writeMiB)),
      chained: Array.from({ length: RUNS }, write('write', writeMiB)),
    };
    const inner = (s: Sample) => JSON.parse(s.stdout) as { seconds: number; bytes: number };
    const mbps = (xs: Sample[]) =>
      median(xs.map((s) => inner(s).bytes / 1e6 / inner(s).seconds)).toFixed(0);
    out.push(
      `Writing ${writeMiB} MiB of psql output in 32 KiB chunks (${when}), in-process MB/s:`,
      `  plain writeSync ${mbps(writes.raw)} MB/s; RunLog (chained, sha256 per chunk) ${mbps(writes.chained)} MB/s`,
    );

    // 2. A real run whose psql prints RUN_MIB, through the local transport: teed or not.
    const run = (tee: 'tee' | 'no-tee') => () => {
      const to = join(dir, `run-${tee}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(to);
      return timed([
        process.execPath,
        CHILD,
        'run',
        to,
        String(RUN_MIB),
        testbed.inventory,
        'replica',
        tee,
      ]);
    };
    const runs = {
      off: Array.from({ length: RUNS }, run('no-tee')),
      on: Array.from({ length: RUNS }, run('tee')),
    };
    const runBytes = inner(runs.on[0]!).bytes;
    out.push(
      '',
      `A run printing ${(runBytes / 1048576).toFixed(0)} MiB (SELECT … through the local transport; ${when}):`,
      HEADER,
      row('output not teed (tee: false)', runBytes, runs.off),
      row('output teed into the chained log', runBytes, runs.on),
    );

    // 3. Replay: the big log, the same .log as a hand-made log, and a small one of each.
    const logs = new Map<number, { log: string; tee: string }>();
    let handMade: { size: number; parsed: Sample[] } | undefined;
    for (const mib of [64, REPLAY_MIB]) {
      const to = join(dir, `replay-${mib}`);
      mkdirSync(to);
      const made = inner(timed([process.execPath, CHILD, 'write', to, String(mib)])) as unknown as {
        log: string;
      };
      const teeDir = join(to, 'tee');
      mkdirSync(teeDir);
      const tee = join(teeDir, 'rollout_20260603T101500Z.log');
      linkSync(made.log, tee);
      logs.set(mib, { log: made.log, tee });
    }
    const replay = (file: string) => () =>
      timed([process.execPath, join(ROOT, 'bin', 'oneroof'), 'replay', file, '--json']);
    out.push('', `oneroof replay LOG --json (${when}):`, HEADER);
    for (const [mib, { log, tee }] of logs) {
      const size = statSync(log).size;
      const records = statSync(log.replace(/\.log$/, '.jsonl')).size;
      const checked = Array.from({ length: RUNS }, replay(log));
      const verdict = (JSON.parse(checked[0]!.stdout) as { integrity: { verdict: string } })
        .integrity.verdict;
      expect(verdict).toBe('unsigned');
      out.push(
        row(
          `${mib} MiB oneroof log (+${(records / 1e6).toFixed(1)} MB records), chain+bytes`,
          size,
          checked,
        ),
      );
      const parsed = Array.from({ length: RUNS }, replay(tee));
      if (mib === REPLAY_MIB) handMade = { size, parsed };
      expect((JSON.parse(parsed[0]!.stdout) as { source: { kind: string } }).source.kind).toBe(
        'tee',
      );
      out.push(row(`${mib} MiB as a hand-made log (psql text parsed)`, size, parsed));
    }
    const big = logs.get(REPLAY_MIB)!;
    out.push(
      '',
      `command: /usr/bin/time -v node bin/oneroof replay ${big.log} --json >/dev/null`,
      `machine: ${execFileSync('nproc').toString().trim()} cores, node ${process.version}`,
    );
    console.log(out.join('\n'));
    const wall = median(handMade!.parsed.map((x) => x.seconds));
    printFigures('replay', [
      {
        figure: `replay of a ${REPLAY_MIB} MiB hand-made log`,
        oneroof: `${(handMade!.size / 1e6 / wall).toFixed(0)} MB/s`,
        versus: '—',
        rssMiB: median(handMade!.parsed.map((x) => x.rssMiB)),
        goal: '≥ 150 MB/s, flat memory',
        load: load(),
        command: `node bin/oneroof replay ${REPLAY_MIB}MiB.log --json`,
      },
    ]);
  },
);
