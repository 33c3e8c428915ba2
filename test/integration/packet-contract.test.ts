/**
 * The packet contract end to end: a copy of the shipped packet whose packet.yml renames tier 10
 * (and its markers with it) and the state vector's first column, re-manifested. The real
 * bin/oneroof runs it through ssh2 on the testbed replica, and the live summary, --json and
 * replay (without the packet on disk) name what the descriptor names, not what oneroof knew.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/options.js';
import { readDescriptor } from '../../src/contract/load.js';
import { writeManifest } from '../../src/packet/manifest.js';
import { runCli } from '../helpers/cli.js';
import { APR, SSH_TARGET, expectOneLog, oneroof } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
let packet: string;

async function edit(file: string, from: RegExp, to: string): Promise<void> {
  const path = join(packet, file);
  const before = await readFile(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${String(from)} changed nothing`);
  await writeFile(path, after);
}

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  packet = join(await tempDir('oneroof-contract-e2e-'), 'sql');
  await mkdir(packet, { recursive: true });
  await cp(join(PACKAGE_ROOT, 'sql'), packet, { recursive: true });
  // Tier 10 is "foundation" in the descriptor and in the markers its file raises.
  await edit('packet.yml', /name: structure,/, 'name: foundation,');
  await edit(
    'prod/10_structure.sql',
    /(ONEROOF TIER 10 (?:BEGIN|SKIP|COMMIT)) structure/g,
    '$1 foundation',
  );
  // The state vector's first column is "approvals": a name only the descriptor gives.
  await edit(
    'packet.yml',
    /\{ name: [a-z_]+, label: rows in public\./,
    '{ name: approvals, label: rows in public.',
  );
  await writeManifest(packet, (await readDescriptor(packet)).checksums);
});

afterAll(async () => {
  await bench.emptyDatabase();
});

describe('a packet whose descriptor renames a tier and a state column', () => {
  it('manifest check accepts it', async () => {
    const run = await runCli(['manifest', 'check', '--packet', packet]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('apply --dry-run names them in the live summary, --json and replay (the packet not on disk)', async () => {
    await bench.reset(APR);
    const run = await oneroof(testbed, [
      'apply',
      '--target',
      SSH_TARGET,
      '--packet',
      packet,
      '--apr',
      APR,
      '--yes',
      '--dry-run',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}tier 10 foundation +ok /m);
    expect(run.stdout).not.toMatch(/tier 10 structure/);
    expect(run.stdout).toMatch(/^ {2}state at entry {2}\S+ {2}\(approvals\|ownership\|gap\|/m);
    const { records } = await expectOneLog(run, 'rollout');

    const start = JSON.parse((await readFile(records, 'utf8')).split('\n')[0]!) as {
      packet?: { tiers: { name: string }[]; state: { name: string }[] };
    };
    expect(start.packet?.tiers[0]?.name).toBe('foundation');
    expect(start.packet?.state[0]?.name).toBe('approvals');

    // Replay reads the names from the log: the packet is moved away first.
    const gone = `${packet}.moved`;
    await cp(packet, gone, { recursive: true });
    await rm(packet, { recursive: true });
    try {
      const replay = await runCli(['replay', records, '--inventory', testbed.inventory]);
      const text = replay.stdout + replay.stderr;
      expect(text).toMatch(/^(?:tiers)? +10 foundation /m);
      expect(text).toMatch(/→ \S+ {2}approvals\|ownership\|gap\|/);
    } finally {
      await cp(gone, packet, { recursive: true });
    }
  });
});
