// Where a whole run's wall time goes, from its own run log: each run a cold CLI process over a
// real target, its wall time split at the log's start record, its connection, and its end
// record; medians in seconds:
//   node bench/run-phases.mjs INVENTORY TARGET [preflight|verify|status] [runs] [APR]
// e.g. on the bench's testbed (its inventory, alias contabo-replica, the gate open):
//   node bench/run-phases.mjs /tmp/oneroof-testbed-0-ID/inventory contabo-replica preflight 7 APR-2026-0142
// The phases: before the log (node's start, the imports, the inventory, the packet check and
// the streams), connecting (ssh -G, the ssh2 handshake, the host key), the sessions (each exec
// to its step's end: sshd's session, docker exec, staging, psql), and after the end record
// (signing, closing, the process's exit). Prints; asserts nothing. Read-only commands only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [inventory, target, command = 'preflight', runsText = '7', apr] = process.argv.slice(2);
if (inventory === undefined || target === undefined || !/^(preflight|verify|status)$/.test(command))
  throw new Error(
    'usage: node bench/run-phases.mjs INVENTORY TARGET [preflight|verify|status] [runs] [APR]',
  );
const runs = Math.min(Math.max(Number(runsText) || 7, 1), 50);
const bin = fileURLToPath(new URL('../bin/oneroof', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const phases = {
  total: [],
  'before the log': [],
  connecting: [],
  sessions: [],
  between: [],
  after: [],
};
const load = [loadavg()[0]];
for (let i = 0; i < runs; i++) {
  const logs = mkdtempSync(join(tmpdir(), 'oneroof-run-phases-'));
  try {
    const args = [
      '--inventory',
      inventory,
      '--log-dir',
      logs,
      '--quiet',
      command,
      '--target',
      target,
    ];
    const started = Date.now();
    const run = spawnSync(process.execPath, [bin, ...args, ...(apr ? ['--apr', apr] : [])]);
    const ended = Date.now();
    const file = readdirSync(logs).find((f) => f.endsWith('.jsonl'));
    if (file === undefined) throw new Error(`no run log (exit ${run.status}): ${run.stderr}`);
    const records = readFileSync(join(logs, file), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const at = (name) => records.find((r) => r.record === name)?.t;
    const opened = Date.parse(records[0].time) - started;
    let sessions = 0;
    for (const r of records)
      if (r.record === 'exec') sessions -= r.t;
      else if (r.record === 'step-end') sessions += r.t;
    const end = at('end');
    const connected = at('connected');
    phases.total.push((ended - started) / 1000);
    phases['before the log'].push(opened / 1000);
    phases.connecting.push(connected);
    phases.sessions.push(sessions);
    phases.between.push(end - connected - sessions);
    phases.after.push((ended - started - opened) / 1000 - end);
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
}
load.push(loadavg()[0]);
console.log(
  `${command} on ${target}: medians of ${runs} cold runs, load ${load.map((l) => l.toFixed(2)).join('–')}`,
);
for (const [name, values] of Object.entries(phases))
  console.log(`  ${name.padEnd(16)} ${median(values).toFixed(3)} s`);
