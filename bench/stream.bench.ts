/**
 * `npm run bench`: a large SQL stream (256 MiB by default; ONEROOF_BENCH_MIB to change) into
 * psql on the testbed replica, by the raw pipeline an operator would type —
 *     ssh ALIAS 'docker exec -i C psql …' < file
 * — and by oneroof's runner through each transport (staged, checked, logged). Each variant
 * runs in its own process under /usr/bin/time, ONEROOF_BENCH_RUNS times (default 3); the
 * table gives median wall time, throughput, the ratio to the raw pipeline, and peak RSS.
 * It prints; it asserts only that every run succeeded (timings are never test assertions).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { expect, inject, it } from 'vitest';
import { tempDir } from '../test/helpers/tmp.js';

const testbed = inject('testbed');
const MIB = Number(process.env.ONEROOF_BENCH_MIB ?? 256);
const RUNS = Number(process.env.ONEROOF_BENCH_RUNS ?? 3);
const ROOT = join(import.meta.dirname, '..');

async function writePayload(path: string): Promise<number> {
  const out = createWriteStream(path);
  const line = `-- ${'x'.repeat(1020)}\n`; // 1 KiB of comment per line: psql lexes, the server sees nothing
  const block = line.repeat(1024);
  for (let i = 0; i < MIB; i++) if (!out.write(block)) await once(out, 'drain');
  out.end('SELECT 1;\n');
  await once(out, 'finish');
  return MIB * 1024 * 1024 + 10;
}

interface Sample {
  seconds: number;
  rssKiB: number;
}

/** Runs argv under /usr/bin/time; returns wall seconds and peak RSS (KiB) of that process tree's leader. */
function timed(argv: string[], stdinFile?: string): Sample {
  const script = `/usr/bin/time -f '%e %M' -o "$1" "\${@:2}"${stdinFile ? ` < '${stdinFile}'` : ''}`;
  const timeFile = join(process.env.TMPDIR ?? '/tmp', `oneroof-bench-${process.pid}.time`);
  const r = spawnSync('bash', ['-c', script, 'bench', timeFile, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
  const [seconds, rss] = execFileSync('cat', [timeFile]).toString().trim().split(/\s+/).slice(-2);
  return { seconds: Number(seconds), rssKiB: Number(rss) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function table(title: string, bytes: number, variants: [string, () => Sample][]): string {
  const rows = variants.map(([variant, run]) => {
    const samples = Array.from({ length: RUNS }, run);
    const seconds = median(samples.map((x) => x.seconds));
    return { variant, seconds, rssMiB: median(samples.map((x) => x.rssKiB)) / 1024 };
  });
  const raw = rows[0]!.seconds;
  return [
    title,
    'variant                                         wall s    MiB/s   x raw  peak RSS MiB',
    ...rows.map(
      (r) =>
        `${r.variant.padEnd(46)} ${r.seconds.toFixed(2).padStart(7)} ${(bytes / 1048576 / r.seconds).toFixed(1).padStart(8)} ${(r.seconds / raw).toFixed(2).padStart(7)} ${r.rssMiB.toFixed(0).padStart(13)}`,
    ),
  ].join('\n');
}

it(
  `streams ${MIB} MiB: raw ssh pipeline vs oneroof (ssh2, openssh, local)`,
  { timeout: 3_600_000 },
  async () => {
    const dir = await tempDir('oneroof-bench-');
    const file = join(dir, 'payload.sql');
    const bytes = await writePayload(file);
    const ssh = ['ssh', '-F', testbed.ssh.sshConfig, '-o', 'BatchMode=yes', testbed.ssh.alias];
    const exec = `docker exec -i ${testbed.container}`;
    const child = (mode: 'run' | 'pipe', transport: 'ssh2' | 'openssh' | 'local') => () =>
      timed([
        process.execPath,
        join(ROOT, 'bench', 'run-child.mjs'),
        mode,
        testbed.inventory,
        transport === 'local' ? 'replica' : testbed.ssh.alias,
        transport,
        file,
        join(dir, 'logs'),
      ]);
    const when = `median of ${RUNS} runs, ${new Date().toISOString()}`;
    const transports = table(
      `${MIB} MiB into sha256sum in the container (the transport alone; ${when})`,
      bytes,
      [
        [
          'raw: ssh ALIAS docker exec -i C sha256sum <f',
          () => timed([...ssh, `${exec} sha256sum`], file),
        ],
        ['oneroof ssh2 transport', child('pipe', 'ssh2')],
        ['oneroof openssh transport', child('pipe', 'openssh')],
        ['oneroof local transport (dockerode)', child('pipe', 'local')],
      ],
    );
    console.log(transports);
    const runs = table(`${MIB} MiB of COPY rows into psql (${when})`, bytes, [
      [
        'raw: ssh ALIAS docker exec -i C psql … <f',
        () =>
          timed(
            [
              ...ssh,
              `${exec} psql -X -q -U ${testbed.user} -d ${testbed.database} -v ON_ERROR_STOP=1`,
            ],
            file,
          ),
      ],
      ['oneroof runner, ssh2 (staged+checked+logged)', child('run', 'ssh2')],
      ['oneroof runner, openssh', child('run', 'openssh')],
      ['oneroof runner, local', child('run', 'local')],
    ]);
    console.log(runs);
    expect(transports).toContain('oneroof local');
    expect(runs).toContain('oneroof runner, local');
  },
);
