// What oneroof streams for one command, for the raw pipeline to stream the same:
//   node bench/stream-of.mjs COMMAND INVENTORY TARGET PACKET OUT [APR]
// writes the exact bytes of COMMAND's main psql session (the generated plan with the packet's
// files bundled in, and the runner's sentinel line) to OUT, built by the engine's own
// prepareSteps, and prints on stdout the line the far side's shell runs for it without oneroof:
// `docker exec -i [-e PGOPTIONS=… -e PGAPPNAME=…] C psql -X -U … -d … -v ON_ERROR_STOP=1 -f - -v …`
// (the same role, settings and variables; no staging, no log).
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { loadPacket } from '../dist/contract/load.js';
import { validate } from '../dist/engine/release-options.js';
import { prepareSteps } from '../dist/engine/release-steps.js';
import { loadInventory } from '../dist/inventory/load.js';
import { buildDockerExecLine, buildPsqlInvocation } from '../dist/remote/psql-command.js';
import { readOnlyUser, readOnlyVariables } from '../dist/runner/read-only.js';

const [command, inventoryPath, targetName, packet, out, apr] = process.argv.slice(2);
const target = (await loadInventory(inventoryPath)).targets.get(targetName);
if (!target) throw new Error(`no target ${targetName}`);
const options = { target, packet, ...(apr ? { apr } : {}) };
const descriptor = await loadPacket(packet);
const variables = validate(command, options, descriptor);
if (command === 'preflight') variables.apply_user = target.user; // as src/engine/release.ts
const { main, readOnly } = await prepareSteps(command, options, descriptor, variables);
if (!Buffer.isBuffer(main.prepared.bytes)) throw new Error('expected the bytes of a plan');
writeFileSync(out, main.prepared.bytes);
const argv = buildPsqlInvocation({
  container: target.container,
  database: target.database,
  user: readOnly ? readOnlyUser(target) : target.user,
  variables: { ...main.request.variables, ...(readOnly ? readOnlyVariables(target) : {}) },
});
process.stdout.write(`${buildDockerExecLine(target.container, argv, main.env ?? {})}\n`);
