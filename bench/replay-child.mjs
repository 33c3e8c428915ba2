// The measured halves of bench/replay.bench.ts, each in a process of its own:
//   node bench/replay-child.mjs write DIR MIB     a run log of MIB MiB of psql output, written
//                                                 through RunLog exactly as a run writes it
//   node bench/replay-child.mjs raw DIR MIB       the same chunks with plain writeSync + fsync (baseline)
//   node bench/replay-child.mjs run DIR MIB INVENTORY TARGET tee|no-tee
//                                                 a real run whose psql prints MIB MiB (a SELECT),
//                                                 with its output teed into the log, or not
// Prints one JSON line: { seconds, bytes, log, records }.
import { Buffer } from 'node:buffer';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadInventory } from '../dist/inventory/load.js';
import { RunSession, prepareStep } from '../dist/runner/run.js';
import { RunLog } from '../dist/runlog/writer.js';
import { createTransport } from '../dist/transport/index.js';

const [mode, dir, mib] = process.argv.slice(2);
const total = Number(mib) * 1024 * 1024;
const CHUNK = 32 * 1024; // ssh2's packet size: what a run receives

// psql's output as a large run makes it: query rows on stdout, and every 4 MiB a tier's
// marker on stderr with its event record. The rows are made once (4 MiB) and cycled, so the
// measurement is the writing, not the making.
const row = (i) =>
  ` ${String(i).padStart(9)} | fin_invoice_entries_${i % 997} | ${'x'.repeat(60)}\n`;
const BLOCK = (() => {
  let text = '';
  for (let i = 0; text.length < 4 * 1024 * 1024; i++) text += row(i);
  return Buffer.from(text.slice(0, 4 * 1024 * 1024));
})();
function* chunks() {
  for (let made = 0; made < total;) {
    for (let at = 0; at < BLOCK.length && made < total; at += CHUNK) {
      const chunk = BLOCK.subarray(at, at + CHUNK);
      made += chunk.length;
      yield { stream: 'stdout', chunk };
    }
    const tier = 10 + made / (4 * 1024 * 1024);
    const text = `ONEROOF TIER ${tier} BEGIN t${tier}`;
    yield {
      stream: 'stderr',
      chunk: Buffer.from(`psql:<stdin>:${tier}: NOTICE:  ${text}\n`),
      event: {
        kind: 'tier',
        stream: 'stderr',
        raw: [text],
        severity: 'NOTICE',
        tier,
        phase: 'BEGIN',
        name: `t${tier}`,
        at: { file: 'prod/bench.sql', line: tier },
      },
    };
  }
}

const started = process.hrtime.bigint();
let bytes = 0;
let paths;
if (mode === 'run') {
  const [inventoryPath, targetName, tee] = process.argv.slice(5);
  const target = (await loadInventory(inventoryPath)).targets.get(targetName);
  const rows = Math.ceil(total / 101);
  const step = await prepareStep(target, {
    source: {
      kind: 'text',
      label: 'bench-output',
      text: `COPY (SELECT repeat('x', 100) FROM generate_series(1, ${rows})) TO STDOUT;\n`,
    },
    tee: tee === 'tee',
    onOutput: (_stream, chunk) => (bytes += chunk.length),
  });
  const session = await RunSession.open({
    kind: 'run',
    target,
    transport: await createTransport(target),
    logDir: dir,
  });
  const result = await session.run(step);
  await session.close({ outcome: result.outcome });
  if (result.outcome !== 'ok') throw new Error(`bench run: ${result.outcome}`);
  paths = session.log.paths;
} else if (mode === 'write') {
  const log = RunLog.open({ dir, kind: 'rollout', target: 'bench' });
  log.record('exec', { step: 'main', commandLine: 'bench' });
  for (const { stream, chunk, event } of chunks()) {
    log.output(stream, chunk);
    if (event) log.record('event', { step: 'main', event });
    bytes += chunk.length;
  }
  paths = log.close({ outcome: 'ok', end: { kind: 'exit', code: 0 }, sentinelSeen: true }).paths;
} else {
  const fd = openSync(join(dir, 'raw.log'), 'w');
  for (const { chunk } of chunks()) {
    let written = 0;
    while (written < chunk.length) written += writeSync(fd, chunk, written);
    bytes += chunk.length;
  }
  fsyncSync(fd); // as RunLog.close() does
  closeSync(fd);
  paths = { output: join(dir, 'raw.log') };
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  `${JSON.stringify({ seconds, bytes, log: paths.output, records: paths.records ?? null })}\n`,
);
