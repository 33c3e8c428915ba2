// The local work a release run does before it contacts anything, phase by phase, for one or two
// builds, each run a cold process of its own, interleaved; medians in milliseconds:
//   node bench/packet-phases.mjs [preflight|apply] [runs] [other checkout]
// e.g. `node bench/packet-phases.mjs apply 7 ../oneroof-main` (both built). Needs no testbed: the
// target is an inventory entry that is never reached. Prints; asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

if (process.argv[2] === '--one') {
  // One cold run in this process: `--one ROOT COMMAND INVENTORY`.
  const [, , , root, command, inventory] = process.argv;
  const t = () => performance.now();
  const out = {};
  let a = t();
  const { loadInventory } = await import(`${root}/dist/inventory/load.js`);
  const { loadPacket } = await import(`${root}/dist/contract/load.js`);
  const { checkPacket } = await import(`${root}/dist/engine/packet-check.js`);
  const { prepareSteps } = await import(`${root}/dist/engine/release-steps.js`);
  const { validate } = await import(`${root}/dist/engine/release-options.js`);
  out['imports'] = t() - a;
  a = t();
  const target = (await loadInventory(inventory)).targets.get('bench');
  out['inventory'] = t() - a;
  const packet = `${root}/sql`;
  a = t();
  const descriptor = await loadPacket(packet);
  out['packet.yml'] = t() - a;
  a = t();
  await checkPacket(packet, {});
  out['manifest check'] = t() - a;
  const options = { target, packet, apr: 'APR-2026-0142', logDir: tmpdir(), transport: {} };
  const variables = validate(command, options, descriptor);
  a = t();
  await prepareSteps(command, options, descriptor, variables);
  out['streams (bundle)'] = t() - a;
  console.log(JSON.stringify(out));
  process.exit(0);
}

const command = process.argv[2] ?? 'apply';
const runs = Number(process.argv[3] ?? 5);
const builds = { this: here, ...(process.argv[4] ? { other: process.argv[4] } : {}) };
const dir = mkdtempSync(join(tmpdir(), 'oneroof-bench-phases-'));
writeFileSync(
  join(dir, 'targets.yml'),
  'targets:\n  bench:\n    transport: local\n    container: bench\n    database: directus\n    user: workflow_admin\n',
);
const samples = {};
const load0 = loadavg()[0];
try {
  for (let i = 0; i < runs; i++)
    for (const [name, root] of Object.entries(builds)) {
      const out = JSON.parse(
        execFileSync(process.execPath, [
          fileURLToPath(import.meta.url),
          '--one',
          root,
          command,
          dir,
        ]),
      );
      for (const [phase, ms] of Object.entries(out))
        ((samples[phase] ??= {})[name] ??= []).push(ms);
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `${command}: local phases before anything is contacted, ms, median of ${runs} cold runs (load ${load0.toFixed(2)}–${loadavg()[0].toFixed(2)})`,
);
console.log(
  `${'phase'.padEnd(20)} ${Object.keys(builds)
    .map((b) => b.padStart(8))
    .join(' ')}`,
);
for (const [phase, by] of Object.entries(samples))
  console.log(
    `${phase.padEnd(20)} ${Object.keys(builds)
      .map((b) => median(by[b]).toFixed(1).padStart(8))
      .join(' ')}`,
  );
