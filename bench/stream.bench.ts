/**
 * `npm run bench`: 256 MiB (ONEROOF_BENCH_MIB to change) of COPY rows into psql on the testbed
 * replica, by the raw pipeline an operator would type —
 *     ssh ALIAS 'docker exec -i C psql …' < file
 * — and by oneroof's runner through each transport (staged, checked, logged); and the same file
 * into `sha256sum` in the container (the transport alone). Each variant runs in its own process
 * (bench/timing.ts), ONEROOF_BENCH_RUNS times interleaved; the table gives median wall time,
 * throughput, the ratio to the raw pipeline, and peak RSS.
 * It prints; it asserts only that every run succeeded (timings are never test assertions).
 */
import { createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { expect, inject, it } from 'vitest';
import { tempDir } from '../test/helpers/tmp.js';
import { interleaved, printFigures, RUNS, timed, type Measured, type Sample } from './timing.js';

const testbed = inject('testbed');
const MIB = Number(process.env.ONEROOF_BENCH_MIB ?? 256);
const ROOT = join(import.meta.dirname, '..');
/** Another build's runner, paired with this one in the same runs (its checkout, built). */
const OTHER = process.env.ONEROOF_BENCH_BIN
  ? join(dirname(process.env.ONEROOF_BENCH_BIN), '..')
  : undefined;
/**
 * `hex`: each row's payload is hex digits of sha256 (about half compressible, like ids and
 * digests) instead of the default repeated `x` (which compresses almost to nothing).
 */
const ROWS = process.env.ONEROOF_BENCH_ROWS === 'hex' ? 'hex' : 'x';

/** MIB MiB of 1 KiB rows COPYed into a temporary table (gone with the session). */
async function writePayload(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write(
    'CREATE TEMP TABLE bench_rows (id bigint, label text, payload text);\nCOPY bench_rows FROM STDIN;\n',
  );
  const payload = (i: number, length: number): string => {
    if (ROWS === 'x') return 'x'.repeat(length);
    let hex = '';
    for (let k = 0; hex.length < length; k++)
      hex += createHash('sha256').update(`${i}:${k}`).digest('hex');
    return hex.slice(0, length);
  };
  for (let m = 0; m < MIB; m++) {
    const rows: string[] = [];
    for (let r = 0; r < 1024; r++) {
      const head = `${r}\tfin_invoice_entries_${r % 997}\t`;
      rows.push(`${head}${payload(m * 1024 + r, 1023 - head.length)}\n`);
    }
    if (!out.write(rows.join(''))) await once(out, 'drain');
  }
  out.end('\\.\nSELECT count(*) FROM bench_rows;\n');
  await once(out, 'finish');
  return MIB * 1024 * 1024;
}

function table(
  title: string,
  bytes: number,
  variants: [string, () => Sample][],
): { text: string; rows: Measured[] } {
  const rows = interleaved(variants.map(([, run]) => run)).map((m, i) => ({
    variant: variants[i]![0],
    ...m,
  }));
  const raw = rows[0]!.seconds;
  const text = [
    `${title} (median of ${RUNS} interleaved runs, load ${rows[0]!.load})`,
    'variant                                         wall s    MiB/s   x raw  peak RSS MiB',
    ...rows.map(
      (r) =>
        `${r.variant.padEnd(46)} ${r.seconds.toFixed(2).padStart(7)} ${(bytes / 1048576 / r.seconds).toFixed(1).padStart(8)} ${(r.seconds / raw).toFixed(2).padStart(7)} ${r.rssMiB.toFixed(0).padStart(13)}`,
    ),
  ].join('\n');
  return { text, rows };
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
    const child =
      (mode: 'run' | 'pipe', transport: 'ssh2' | 'openssh' | 'local', root = ROOT) =>
      () =>
        timed([
          process.execPath,
          join(root, 'bench', 'run-child.mjs'),
          mode,
          testbed.inventory,
          transport === 'local' ? 'replica' : testbed.ssh.alias,
          transport,
          file,
          join(dir, 'logs'),
        ]);
    const when = new Date().toISOString();
    const transports = table(
      `${MIB} MiB into sha256sum in the container (the transport alone; ${when})`,
      bytes,
      [
        [
          'raw: ssh ALIAS docker exec -i C sha256sum <f',
          () => timed([...ssh, `${exec} sha256sum`], { stdin: file }),
        ],
        ['oneroof ssh2 transport', child('pipe', 'ssh2')],
        ['oneroof openssh transport', child('pipe', 'openssh')],
        ['oneroof local transport (dockerode)', child('pipe', 'local')],
      ],
    );
    console.log(transports.text);
    const runs = table(`${MIB} MiB of COPY rows (${ROWS}) into psql (${when})`, bytes, [
      [
        'raw: ssh ALIAS docker exec -i C psql … <f',
        () =>
          timed(
            [
              ...ssh,
              `${exec} psql -X -q -U ${testbed.user} -d ${testbed.database} -v ON_ERROR_STOP=1`,
            ],
            { stdin: file },
          ),
      ],
      ['oneroof runner, ssh2 (staged+checked+logged)', child('run', 'ssh2')],
      ['oneroof runner, openssh', child('run', 'openssh')],
      ['oneroof runner, local', child('run', 'local')],
      ...(OTHER === undefined
        ? []
        : ([
            [`other build's runner, ssh2 (${OTHER})`.slice(0, 46), child('run', 'ssh2', OTHER)],
          ] as [string, () => Sample][])),
    ]);
    console.log(runs.text);
    const [raw, ssh2] = runs.rows;
    const mibps = (m: Measured) => `${(bytes / 1048576 / m.seconds).toFixed(1)} MiB/s`;
    printFigures('the stream', [
      {
        figure: `${MIB} MiB of COPY rows through the runner, ssh2`,
        oneroof: mibps(ssh2!),
        versus: `raw ${mibps(raw!)}`,
        ratio: raw!.seconds / ssh2!.seconds,
        rssMiB: ssh2!.rssMiB,
        goal: '≥ 0.95×',
        load: ssh2!.load,
        command: `ONEROOF_BENCH_MIB=${MIB} npx vitest run --project bench bench/stream.bench.ts`,
      },
    ]);
    expect(transports.rows).toHaveLength(4);
    expect(runs.rows).toHaveLength(OTHER === undefined ? 4 : 5);
  },
);
