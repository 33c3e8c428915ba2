// A run in a process of its own, for a test to kill mid-run (a crashed or killed runner):
//   node test/helpers/run-child.mjs INVENTORY TARGET LOG_DIR APR
// runs sql/prod/99_run_all.sql on TARGET through the built runner (dist/), logged in LOG_DIR.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../dist/inventory/load.js';
import { runSql } from '../../dist/runner/run.js';
import { createTransport } from '../../dist/transport/index.js';

const [inventoryPath, targetName, logDir, apr] = process.argv.slice(2);
const root = join(fileURLToPath(new URL('../..', import.meta.url)), 'sql');
const target = (await loadInventory(inventoryPath)).targets.get(targetName);
if (!target) throw new Error(`no target ${targetName}`);
const result = await runSql({
  kind: 'rollout',
  target,
  source: { kind: 'packet', root, entry: 'prod/99_run_all.sql' },
  variables: { ratified_apr: apr },
  transport: await createTransport(target),
  logDir,
});
process.stdout.write(`${JSON.stringify({ outcome: result.outcome })}\n`);
