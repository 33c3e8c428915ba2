/**
 * The global `--packet`: a command that runs a packet takes it (before or after the command
 * name, its own --packet first); one that runs none refuses it with exit 2 before it does
 * anything, rather than ignore it. In-process and without a target: a packet that is not there
 * shows which packet a command would have run.
 */
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { runMain } from '../helpers/in-process.js';
import { tempDir } from '../helpers/tmp.js';

const MISSING = '/nonexistent/oneroof-packet';

describe('hostile cli-packet: --packet given to a command that runs no packet', () => {
  it.each([
    ['targets', ['targets']],
    ['targets', ['targets', '--json']],
    ['init', ['init', 'NEW']],
    ['replica down', ['replica', 'down', '--target', 'replica']],
    ['replica ps', ['replica', 'ps']],
  ])('%s (%j) is refused with exit 2, nothing done', async (name, argv) => {
    const cwd = await tempDir('oneroof-cli-packet-');
    for (const args of [
      ['--packet', MISSING, ...argv],
      [...argv, '--packet', MISSING],
    ]) {
      const r = await runMain(args, {
        cwd,
        env: { ONEROOF_INVENTORY: join(PACKAGE_ROOT, 'inventory') },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        `oneroof: error: --packet: \`${name}\` runs no packet\n  leave --packet out: only a command that runs a packet takes it\n`,
      );
      expect(r.stdout).toBe('');
    }
    // init made nothing; no log was written.
    expect(await readdir(cwd)).toEqual([]);
  });

  it('ONEROOF_PACKET in the environment is a default, not a flag: targets runs', async () => {
    const r = await runMain(['targets', '--json'], { env: { ONEROOF_PACKET: MISSING } });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('the global --packet, for a command that runs a packet', () => {
  it.each([
    ['preflight', ['preflight', '--target', 'replica', '--apr', 'APR-2026-0001']],
    ['apply', ['apply', '--target', 'replica', '--apr', 'APR-2026-0001', '--yes']],
    ['verify', ['verify', '--target', 'replica']],
    ['rollback', ['rollback', '--target', 'replica', '--tier', '20', '--yes']],
    ['status', ['status', '--target', 'replica']],
    ['reader setup', ['reader', 'setup', '--target', 'replica', '--yes']],
    ['replica up', ['replica', 'up', '--target', 'replica']],
    ['replica reset', ['replica', 'reset', '--target', 'replica']],
    ['replay --target', ['replay', 'logs/none.log', '--target', 'replica']],
    ['manifest check', ['manifest', 'check']],
    ['manifest write', ['manifest', 'write']],
    ['manifest sign', ['manifest', 'sign', '--key', '/nonexistent/key']],
  ])('%s takes it: the packet it names is the one read', async (_, argv) => {
    for (const args of [
      ['--packet', MISSING, ...argv],
      [...argv, '--packet', MISSING],
    ]) {
      const r = await runMain(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `${MISSING}/packet.yml: no packet descriptor: the packet in ${MISSING} has no packet.yml`,
      );
      expect(r.stderr).not.toContain('runs no packet');
    }
  });

  it('replay --target reads the packet ONEROOF_PACKET names, as every other command', async () => {
    const r = await runMain(['replay', 'logs/none.log', '--target', 'replica'], {
      env: { ONEROOF_PACKET: MISSING },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${MISSING}/packet.yml: no packet descriptor`);
  });

  it.each([
    ['replay', 'logs/none.log', '--packet', MISSING],
    ['--packet', MISSING, 'replay', 'logs/none.log'],
  ])('replay --packet without --target still reads the packet it names (%j)', async (...argv) => {
    const r = await runMain(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${MISSING}/packet.yml: no packet descriptor`);
  });

  it("the command's own --packet wins over the global one", async () => {
    const copy = join(await tempDir('oneroof-cli-packet-'), 'sql');
    await cp(join(PACKAGE_ROOT, 'sql'), copy, { recursive: true });
    const r = await runMain(['--packet', MISSING, 'manifest', 'check', '--packet', copy]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${copy}/manifest-sha256.txt matches the packet`);
  });

  it('manifest check runs the packet the global --packet names', async () => {
    const copy = join(await tempDir('oneroof-cli-packet-'), 'sql');
    await cp(join(PACKAGE_ROOT, 'sql'), copy, { recursive: true });
    const r = await runMain(['--packet', copy, 'manifest', 'check']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${copy}/manifest-sha256.txt matches the packet`);
  });
});
