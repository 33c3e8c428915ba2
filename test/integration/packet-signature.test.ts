/**
 * Signed packets, with the real bin/oneroof and the real ssh-keygen: `manifest sign`, `manifest
 * check --packet-signers`, every hostile form a signature or an allowed-signers file can take,
 * and — through the testbed's ssh target — `packet_signers` in an inventory refusing before
 * anything is contacted, and a signed packet's run recording who signed it, which replay shows.
 * Also the run log's own signature (item 7): a pre-created `<records>.sig` is never followed,
 * never overwritten, and the log is reported NOT signed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { z } from 'zod';
import type { replayDocument } from '../../src/json/replay.js';

/** The --json document of replay (schema/replay.schema.json). */
type ReplayReport = z.output<typeof replayDocument>;
import { signFile, signRunLog, verifyRunLogSignature } from '../../src/ssh/sign.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../src/packet/manifest.js';
import { PACKET_NAMESPACE } from '../../src/packet/signature.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { APR, SSH_TARGET, expectOneLog, logFiles, oneroof } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { startAgent } from '../helpers/ssh-agent.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let work: string;
let alice: string;
let mallory: string;
let allowed: string;

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}
/** `SHA256:…` of a public key, as ssh-keygen -l prints it. */
function fingerprintOf(key: string): string {
  return execFileSync('ssh-keygen', ['-lf', `${key}.pub`])
    .toString()
    .split(' ')[1]!;
}
async function publicKey(key: string): Promise<string> {
  return (await readFile(`${key}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
}

beforeAll(async () => {
  work = await tempDir('oneroof-packet-sig-');
  alice = join(work, 'alice');
  mallory = join(work, 'mallory');
  keygen(alice, 'alice@laptop');
  keygen(mallory, 'mallory@elsewhere');
  allowed = join(work, 'allowed_signers');
  await writeFile(allowed, `alice@example ${await publicKey(alice)}\n`);
});

/** A copy of the shipped packet (unsigned), in a fresh folder. */
async function packetCopy(): Promise<string> {
  const dir = join(await tempDir('oneroof-packet-'), 'sql');
  await cp(join(PACKAGE_ROOT, 'sql'), dir, { recursive: true });
  await rm(join(dir, SIGNATURE_FILE), { force: true });
  return dir;
}

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { ONEROOF_SIGNING_KEY: '' });
}

async function signedCopy(key = alice): Promise<string> {
  const dir = await packetCopy();
  const signed = await cli('manifest', 'sign', '--packet', dir, '--key', key);
  expect(signed.stderr).toBe('');
  expect(signed.code).toBe(0);
  return dir;
}

function check(dir: string, signers = allowed): Promise<CliResult> {
  return cli('manifest', 'check', '--packet', dir, '--packet-signers', signers);
}

describe('oneroof manifest sign | check', () => {
  it('signs a manifest that matches the packet; check names the signer, OpenSSH alone agrees', async () => {
    const dir = await packetCopy();
    const signed = await cli('manifest', 'sign', '--packet', dir, '--key', alice);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(
      new RegExp(
        `^${join(dir, SIGNATURE_FILE)}: manifest-sha256\\.txt \\(sha256 [0-9a-f]{64}\\) signed with ED25519 ${fingerprintOf(alice).replace(/[+/]/g, '\\$&')}\\n$`,
      ),
    );
    const checked = await check(dir);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(
      `packet signed by alice@example (ED25519 ${fingerprintOf(alice)}; allowed by ${allowed})\n`,
    );
    const unchecked = await cli('manifest', 'check', '--packet', dir);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain(
      `packet signed by key ED25519 ${fingerprintOf(alice)} (not checked: no packet_signers)\n`,
    );
    const json = await cli(
      'manifest',
      'check',
      '--packet',
      dir,
      '--packet-signers',
      allowed,
      '--json',
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      signature: { status: 'verified', principal: 'alice@example', namespace: 'oneroof-packet' },
    });
    // What docs/usage.md (Signed packets) tells an auditor.
    const openssh = execFileSync(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        allowed,
        '-I',
        'alice@example',
        '-n',
        'oneroof-packet',
        '-s',
        join(dir, SIGNATURE_FILE),
      ],
      { input: await readFile(join(dir, MANIFEST_FILE)) },
    ).toString();
    expect(openssh).toMatch(/^Good "oneroof-packet" signature for alice@example/);
  });

  it('with an encrypted key held by ssh-agent (its .pub named): no passphrase asked, and it verifies', async () => {
    const dir = await packetCopy();
    const agent = await startAgent(testbed.ssh.encryptedUserKey, testbed.ssh.passphrase);
    try {
      const signed = await runCli(
        ['manifest', 'sign', '--packet', dir, '--key', `${testbed.ssh.encryptedUserKey}.pub`],
        agent.env,
      );
      expect(signed.stderr).toBe('');
      expect(signed.code).toBe(0);
    } finally {
      agent.stop();
    }
    const signers = join(await tempDir('oneroof-signers-'), 'allowed_signers');
    await writeFile(
      signers,
      `release-manager@testbed ${await publicKey(testbed.ssh.encryptedUserKey)}\n`,
    );
    const checked = await check(dir, signers);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('packet signed by release-manager@testbed (ED25519 ');
  });

  it('refuses to sign a manifest the files do not match (exit 5), and writes no signature', async () => {
    const dir = await packetCopy();
    await writeFile(join(dir, 'prod', '10_structure.sql'), '-- edited\n', { flag: 'a' });
    const signed = await cli('manifest', 'sign', '--packet', dir, '--key', alice);
    expect(signed.code).toBe(5);
    expect(signed.stderr).toMatch(
      /is not what manifest-sha256\.txt says.*\n {2}mismatch {2}prod\/10_structure\.sql/,
    );
    expect(existsSync(join(dir, SIGNATURE_FILE))).toBe(false);
  });

  it('no key anywhere: exit 2, naming what to do', async () => {
    const dir = await packetCopy();
    const signed = await runCli(['manifest', 'sign', '--packet', dir], {
      ONEROOF_SIGNING_KEY: '',
      HOME: work,
    });
    expect(signed.code).toBe(2);
    expect(signed.stderr).toMatch(/no ssh key to sign with\n {2}pass --key FILE/);
  });

  it('re-signing replaces the signature: a run of write + sign after a reviewed change', async () => {
    const dir = await signedCopy();
    await writeFile(join(dir, 'prod', '10_structure.sql'), '-- reviewed\n', { flag: 'a' });
    const written = await cli('manifest', 'write', '--packet', dir);
    expect(written.stdout).toContain(
      `${SIGNATURE_FILE} removed: it signed the old manifest (re-sign with oneroof manifest sign)\n`,
    );
    expect((await check(dir)).code).toBe(5);
    await cli('manifest', 'sign', '--packet', dir, '--key', alice);
    expect((await check(dir)).code).toBe(0);
  });
});

describe('a packet a packet_signers file refuses (exit 5, nothing run)', () => {
  type Case = [string, () => Promise<string>, RegExp];
  const cases: Case[] = [
    [
      'unsigned',
      packetCopy,
      /^oneroof: error: packet manifest is unsigned \(no .*manifest-sha256\.txt\.sig\); packet_signers .*allowed_signers requires a signature by one of: alice@example; nothing was run\n/,
    ],
    [
      'signed by another key',
      () => signedCopy(mallory),
      /packet manifest is signed by ED25519 SHA256:\S+, a key .*allowed_signers does not allow for oneroof-packet \(the key ED25519 SHA256:\S+ is not in .*allowed_signers\); .* requires a signature by one of: alice@example/,
    ],
    [
      'signed with the run-log namespace',
      async () => {
        const dir = await packetCopy();
        await signFile(join(dir, MANIFEST_FILE), join(dir, SIGNATURE_FILE), 'oneroof-runlog', {
          key: alice,
        });
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig was made for run logs \(namespace oneroof-runlog\), not for a packet \(oneroof-packet\)/,
    ],
    [
      'stale signature after a file edit and manifest write',
      async () => {
        const dir = await signedCopy();
        const old = await readFile(join(dir, SIGNATURE_FILE));
        await writeFile(join(dir, 'prod', '10_structure.sql'), '-- sneaked in\n', { flag: 'a' });
        await cli('manifest', 'write', '--packet', dir);
        await writeFile(join(dir, SIGNATURE_FILE), old);
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig: signature does not match the manifest \(re-sign with oneroof manifest sign\)/,
    ],
    [
      'a .sig that is a symlink (to a valid signature)',
      async () => {
        const dir = await signedCopy();
        await rename(join(dir, SIGNATURE_FILE), join(dir, '..', 'real.sig'));
        await symlink(join(dir, '..', 'real.sig'), join(dir, SIGNATURE_FILE));
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig: expected a regular file of at most 65536 bytes, got a symlink/,
    ],
    [
      'a .sig that is a directory',
      async () => {
        const dir = await packetCopy();
        await mkdir(join(dir, SIGNATURE_FILE));
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig: expected a regular file of at most 65536 bytes, got a directory/,
    ],
    [
      'an empty .sig',
      async () => {
        const dir = await packetCopy();
        await writeFile(join(dir, SIGNATURE_FILE), '');
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig is empty/,
    ],
    [
      'a garbage .sig',
      async () => {
        const dir = await packetCopy();
        await writeFile(join(dir, SIGNATURE_FILE), 'not a signature\n');
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig is not an ssh signature \(.*\)/,
    ],
    [
      'a huge .sig (read bounded)',
      async () => {
        const dir = await packetCopy();
        await writeFile(join(dir, SIGNATURE_FILE), Buffer.alloc(64 * 1024 * 1024, 'A'));
        return dir;
      },
      /signature is not valid: .*manifest-sha256\.txt\.sig: expected a regular file of at most 65536 bytes, got 67108864 bytes/,
    ],
  ];

  it.each(cases)('hostile packet-signature: %s', async (_name, make, message) => {
    const dir = await make();
    const checked = await check(dir);
    expect(checked.code).toBe(5);
    expect(checked.stdout).toBe('');
    expect(checked.stderr).toMatch(message);
    if (_name === 'signed by another key')
      expect(checked.stderr).toContain(`signed by ED25519 ${fingerprintOf(mallory)}`);
  });
});

describe('allowed-signers files that do not allow the signer, or are not one', () => {
  it.each([
    [
      'a principal for another namespace',
      'namespaces="oneroof-runlog"',
      /signed by ED25519 SHA256:\S+, a key .* does not allow for oneroof-packet \(.*names alice@example for ED25519 SHA256:\S+, but not for namespace oneroof-packet now: .*:1: key is not permitted for use in signature namespace "oneroof-packet"\)/,
    ],
    [
      'an expired valid-before',
      'valid-before="20200101"',
      /signed by ED25519 SHA256:\S+, a key .* does not allow for oneroof-packet \(.*:1: key has expired/,
    ],
  ])('hostile packet-signature: %s (exit 5)', async (_name, options, message) => {
    const dir = await signedCopy();
    const signers = join(await tempDir('oneroof-signers-'), 'allowed_signers');
    await writeFile(signers, `alice@example ${options} ${await publicKey(alice)}\n`);
    const checked = await check(dir, signers);
    expect(checked.code).toBe(5);
    expect(checked.stderr).toMatch(message);
    // ssh-keygen's messages name the operator's file, not a private copy.
    expect(checked.stderr).toContain(`${signers}:1:`);
  });

  it('hostile packet-signature: a principal with shell metacharacters is only ever an argument', async () => {
    const dir = await signedCopy();
    const scratch = await tempDir('oneroof-signers-');
    const pwned = join(scratch, 'pwned');
    const principal = `a;b|c&$(touch${'${IFS}'}${pwned})\`touch${'${IFS}'}${pwned}\`'x`;
    const signers = join(scratch, 'allowed_signers');
    await writeFile(signers, `${principal} ${await publicKey(alice)}\n`);
    const checked = await check(dir, signers);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(`packet signed by ${principal} (ED25519 `);
    expect(existsSync(pwned)).toBe(false);
  });

  it.each([
    [
      'a directory',
      (dir: string) => Promise.resolve(dir),
      /: expected a regular file of at most 1048576 bytes, got a directory/,
    ],
    [
      '/dev/zero',
      () => Promise.resolve('/dev/zero'),
      /\/dev\/zero: expected a regular file of at most 1048576 bytes, got a character device/,
    ],
    [
      'missing',
      (dir: string) => Promise.resolve(join(dir, 'nope')),
      /nope: cannot be read \(ENOENT\)/,
    ],
    [
      'malformed',
      async (dir: string) => {
        await writeFile(join(dir, 'bad'), 'alice@example\n');
        return join(dir, 'bad');
      },
      /bad: line 1: expected "principal/,
    ],
  ])(
    'hostile packet-signers: a signers file that is %s is exit 2 naming it',
    async (_name, make, message) => {
      const dir = await signedCopy();
      const signers = await make(await tempDir('oneroof-signers-'));
      const checked = await check(dir, signers);
      expect(checked.code).toBe(2);
      expect(checked.stderr).toMatch(/^oneroof: error: --packet-signers: /);
      expect(checked.stderr).toMatch(message);
    },
  );
});

describe('namespaces keep the two kinds of signature apart', () => {
  it('hostile packet-signature: a packet signature never passes as a run log signature', async () => {
    const dir = await tempDir('oneroof-ns-');
    const records = join(dir, 'rollout.jsonl');
    await writeFile(records, '{"seq":0}\n');
    await signFile(records, `${records}.sig`, PACKET_NAMESPACE, { key: alice });
    const check = await verifyRunLogSignature(records, `${records}.sig`, undefined);
    expect(check.status).toBe('invalid');
    expect(check.detail).toMatch(/namespace/);
  });
});

describe('a pre-created <records>.sig never makes a run silently unsigned', () => {
  async function records(): Promise<{ dir: string; file: string }> {
    const dir = await tempDir('oneroof-logsig-');
    const file = join(dir, 'rollout_20261201T000000Z.jsonl');
    await writeFile(file, '{"seq":0,"record":"start"}\n');
    return { dir, file };
  }

  it.each([
    [
      'a file',
      (sig: string) => writeFile(sig, 'planted\n'),
      /already exists \(a file of 8 bytes\)/,
    ],
    [
      'a symlink to a passwd-like file',
      async (sig: string, dir: string) => {
        await writeFile(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
        await symlink(join(dir, 'passwd'), sig);
      },
      /already exists \(a symlink to ".*passwd"\)/,
    ],
    [
      'a dangling symlink',
      (sig: string, dir: string) => symlink(join(dir, 'created-elsewhere'), sig),
      /already exists \(a symlink to ".*created-elsewhere"\)/,
    ],
    ['a directory', (sig: string) => mkdir(sig), /already exists \(a directory\)/],
  ])(
    'hostile log-signature: %s there is left alone and the log reported NOT signed',
    async (_name, plant, message) => {
      const { dir, file } = await records();
      await plant(`${file}.sig`, dir);
      const before = await readdir(dir);
      await expect(signRunLog(file, { key: alice })).rejects.toThrow(
        new RegExp(`${file.replace(/[.]/g, '\\.')} is NOT signed: .*${message.source}`),
      );
      // Nothing overwritten, nothing created where a symlink points, no temporary left.
      expect((await readdir(dir)).sort()).toEqual(before.sort());
      if (existsSync(join(dir, 'passwd')))
        expect(await readFile(join(dir, 'passwd'), 'utf8')).toBe('root:x:0:0:root:/root:/bin/sh\n');
      expect(existsSync(join(dir, 'created-elsewhere'))).toBe(false);
    },
  );

  it('with nothing there, the log is signed and verifies', async () => {
    const { file } = await records();
    const signed = await signRunLog(file, { key: alice });
    expect(signed.key).toBe(`ED25519 ${fingerprintOf(alice)}`);
    expect((await verifyRunLogSignature(file, signed.signature, undefined)).status).toBe('valid');
  });
});

describe('packet_signers in the inventory, on the testbed', () => {
  let bench: PacketBench;
  let inventory: string;
  const T = ['--target', SSH_TARGET];

  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.reset();
    // The testbed's inventory plus an inventory-level packet_signers, relative to its folder.
    inventory = join(await tempDir('oneroof-inv-'), 'inventory');
    await mkdir(inventory);
    const targets = await readFile(join(testbed.inventory, 'targets.yml'), 'utf8');
    await writeFile(join(inventory, 'targets.yml'), `packet_signers: keys/allowed\n${targets}`);
    await mkdir(join(inventory, 'keys'));
    await cp(allowed, join(inventory, 'keys', 'allowed'));
  });
  afterAll(async () => {
    await bench?.emptyDatabase();
  });

  it.each([
    ['preflight', ['preflight', ...T, '--apr', APR]],
    ['verify', ['verify', ...T]],
    ['status', ['status', ...T]],
    ['apply', ['apply', ...T, '--apr', APR, '--yes']],
    ['rollback', ['rollback', ...T, '--full', '--yes']],
  ])(
    'hostile packet-signature: %s of an unsigned packet is refused before anything is contacted',
    async (_name, args) => {
      const dir = await packetCopy();
      const run = await oneroof(testbed, [...args, '--packet', dir], { inventory });
      expect(run.code).toBe(5);
      expect(run.stderr).toContain(
        `packet manifest is unsigned (no ${join(dir, SIGNATURE_FILE)}); packet_signers ${join(inventory, 'keys', 'allowed')} requires a signature by one of: alice@example; nothing was run`,
      );
      expect(await logFiles(run.logDir)).toEqual([]);
    },
  );

  it('hostile packet-signature: replica reset runs no packet file of an unsigned packet', async () => {
    const run = await oneroof(testbed, ['replica', 'reset', '--target', 'replica'], { inventory });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      /packet manifest is unsigned .* requires a signature by one of: alice@example/,
    );
  });

  it('a packet signed by an allowed signer runs; the log records who signed it and replay shows it', async () => {
    const dir = await signedCopy();
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir], {
      inventory,
    });
    expect(run.code).toBe(3); // the golden clone has no ratified approval: NO-GO
    expect(run.stderr).toContain(
      `packet signed by alice@example (ED25519 ${fingerprintOf(alice)}; allowed by ${join(inventory, 'keys', 'allowed')})\n`,
    );
    const { log } = await expectOneLog(run, 'preflight');
    const json = await runCli(['replay', log, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as ReplayReport;
    expect(report.run.packetSignature).toMatchObject({
      status: 'verified',
      principal: 'alice@example',
      key: `ED25519 ${fingerprintOf(alice)}`,
      allowedSigners: join(inventory, 'keys', 'allowed'),
      file: join(dir, SIGNATURE_FILE),
    });
    const text = await runCli(['replay', log]);
    expect(text.stdout).toContain(
      `packet signed by alice@example (ED25519 ${fingerprintOf(alice)}; allowed by ${join(inventory, 'keys', 'allowed')}), at run time`,
    );
    const html = join(await tempDir('oneroof-html-'), 'r.html');
    expect((await runCli(['replay', log, '--html', html])).code).toBe(0);
    expect(await readFile(html, 'utf8')).toContain('signed by alice@example (ED25519 ');
  });

  it('without packet_signers a run still records the signature, and says it was not checked', async () => {
    const signed = await signedCopy(mallory);
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', signed]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `packet signed by key ED25519 ${fingerprintOf(mallory)} (not checked: no packet_signers)\n`,
    );
    const { log } = await expectOneLog(run, 'preflight');
    const report = JSON.parse((await runCli(['replay', log, '--json'])).stdout) as ReplayReport;
    expect(report.run.packetSignature).toMatchObject({
      status: 'signed',
      key: `ED25519 ${fingerprintOf(mallory)}`,
      allowedSigners: null,
    });
  });

  it('an unsigned packet without packet_signers runs, and replay says it was unsigned', async () => {
    const dir = await packetCopy();
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
    expect(run.code).toBe(3);
    const { log } = await expectOneLog(run, 'preflight');
    const text = await runCli(['replay', log]);
    expect(text.stdout).toContain(`packet unsigned (no ${join(dir, SIGNATURE_FILE)}), at run time`);
  });
});
