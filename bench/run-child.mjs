// One measured run in its own process (so /usr/bin/time sees only it).
//   node bench/run-child.mjs run  INVENTORY TARGET TRANSPORT FILE LOG_DIR
//       runSql streams FILE to TARGET's psql, staged and logged exactly as `oneroof apply` would
//   node bench/run-child.mjs pipe INVENTORY TARGET TRANSPORT FILE
//       the transport alone: FILE into `sha256sum` inside the container, no staging
import { createReadStream } from 'node:fs';
import { loadInventory } from '../dist/inventory/load.js';
import { runSql } from '../dist/runner/run.js';
import { createTransport } from '../dist/transport/index.js';

const [mode, inventoryPath, targetName, transportName, file, logDir] = process.argv.slice(2);
const inventory = await loadInventory(inventoryPath);
const target = inventory.targets.get(targetName);
if (!target) throw new Error(`no target ${targetName}`);
const transport = await createTransport(target, { transportOverride: transportName });

if (mode === 'run') {
  const result = await runSql({
    kind: 'run',
    target,
    source: { kind: 'file', path: file },
    transport,
    logDir,
  });
  process.stdout.write(JSON.stringify({ outcome: result.outcome, end: result.end }) + '\n');
  process.exitCode = result.outcome === 'ok' ? 0 : 1;
} else {
  const connection = await transport.connect();
  const running = connection.exec({
    container: target.container,
    argv: ['sha256sum'],
    stdin: createReadStream(file),
  });
  running.stdout.pipe(process.stdout);
  running.stderr.pipe(process.stderr);
  const end = await running.done;
  await connection.close();
  process.exitCode = end.kind === 'exit' ? end.code : 1;
}
