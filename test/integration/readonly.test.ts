/**
 * The read-only session, end to end through ssh2 (issue 5): preflight, verify and status run
 * with default_transaction_read_only=on set by the client (src/runner/run.ts), so the server
 * itself refuses a write that slipped into their path; and a stream that mentions a way to turn
 * read-only off is refused locally, before anything is contacted. The packet is a reviewed copy
 * with its manifest regenerated (`oneroof manifest write --packet DIR`), so the integrity
 * check passes and the write reaches the server.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/options.js';
import { APR, SSH_TARGET, STATE, expectOneLog, logFiles, oneroof } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
const T = ['--target', SSH_TARGET];
const HEADER_END = 'SET client_min_messages = notice;\n';

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  await bench.reset(APR);
});

afterAll(async () => {
  await bench.emptyDatabase();
  await bench.uninstall();
});

/** A copy of sql/ whose prod/00_preflight.sql has `statement` right after its header. */
async function packetWith(statement: string): Promise<string> {
  const dir = join(await tempDir('oneroof-e2e-packet-'), 'sql');
  await mkdir(dir, { recursive: true });
  await cp(join(PACKAGE_ROOT, 'sql'), dir, { recursive: true });
  const file = join(dir, 'prod', '00_preflight.sql');
  const text = await readFile(file, 'utf8');
  expect(text.indexOf(HEADER_END)).toBeGreaterThan(0);
  await writeFile(file, text.replace(HEADER_END, `${HEADER_END}${statement}\n`));
  const write = await oneroof(testbed, ['manifest', 'write', '--packet', dir]);
  expect(write.code, write.stderr).toBe(0);
  expect(write.stdout).toMatch(
    /manifest-sha256\.txt rewritten, prod\/_checksums\.sql rewritten\n$/,
  );
  return dir;
}

describe('the read-only session', () => {
  it('a CREATE TABLE in the preflight: the server refuses it (exit 1), the table does not exist', async () => {
    const dir = await packetWith('CREATE TABLE public.oneroof_probe_write (x int);');
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /^ {2}ERROR cannot execute CREATE TABLE in a read-only transaction {2}\(prod\/00_preflight\.sql:\d+\)$/m,
    );
    expect(run.stdout).toMatch(
      /^preflight on contabo-replica stopped on an error: cannot execute CREATE TABLE in a read-only transaction/m,
    );
    expect(run.stdout).toContain(`  state at exit   ${STATE.approved}  unchanged\n`);
    const { log } = await expectOneLog(run, 'preflight');
    expect(await readFile(log, 'utf8')).toContain(
      'ERROR:  cannot execute CREATE TABLE in a read-only transaction',
    );
    expect(await bench.query("SELECT to_regclass('public.oneroof_probe_write') IS NULL")).toBe('t');
  });

  it('a preflight that turns read-only off: refused with exit 2 before anything is contacted', async () => {
    const dir = await packetWith('SET default_transaction_read_only = off;');
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /^oneroof: error: <oneroof preflight>: a read-only run may not mention "transaction_read_only" \(it could turn read-only off\); nothing was run$/m,
    );
    expect(run.stdout).toBe('');
    expect(await logFiles(run.logDir)).toEqual([]);
  });
});
