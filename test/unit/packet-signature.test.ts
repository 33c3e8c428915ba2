/**
 * The pure parts of the packet's signature: the allowed-signers parser (what makes a
 * packet_signers file malformed), packet_signers in the inventory (where a relative path
 * resolves, which one wins), and the manifest's relation to its .sig (not listed; removed when
 * the manifest it signed is rewritten). ssh-keygen itself: test/integration/packet-signature.
 */
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import {
  SIGNATURE_FILE,
  listPacketFiles,
  writeManifest,
  MANIFEST_FILE,
} from '../../src/packet/manifest.js';
import { parseAllowedSigners } from '../../src/packet/allowed-signers-parse.js';
import { describeSignature } from '../../src/packet/signature.js';
import { tempDir } from '../helpers/tmp.js';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIHb6b2Hq3sJ0m1pQy8b6Z8y6kF2y0p7Yx8Vq8d9s1c2T';

describe('allowed-signers lines', () => {
  it('reads principals, options (quoted, with blanks) and the key type; skips comments', () => {
    const text = [
      '# who may sign the packet',
      '',
      `alice@example,ops@example ssh-ed25519 ${KEY} alice's laptop`,
      `bob@example namespaces="oneroof-packet",valid-before="20991231" ssh-ed25519 ${KEY}`,
      `carol@example cert-authority,namespaces="a, b" ecdsa-sha2-nistp256 ${KEY}`,
    ].join('\n');
    expect(parseAllowedSigners(text, 'as')).toEqual([
      {
        line: 3,
        principals: ['alice@example', 'ops@example'],
        options: undefined,
        keyType: 'ssh-ed25519',
      },
      {
        line: 4,
        principals: ['bob@example'],
        options: 'namespaces="oneroof-packet",valid-before="20991231"',
        keyType: 'ssh-ed25519',
      },
      {
        line: 5,
        principals: ['carol@example'],
        options: 'cert-authority,namespaces="a, b"',
        keyType: 'ecdsa-sha2-nistp256',
      },
    ]);
  });

  it.each([
    ['a line without a key', 'alice@example', /as:1: expected "principal/],
    ['a key type that is not one', `alice@example ssh-foo ${KEY}`, /as:1: expected/],
    ['a key that is not base64', 'alice@example ssh-ed25519 not*base64', /as:1: expected/],
    [
      'an unterminated quote',
      `bob namespaces="x ssh-ed25519 ${KEY}`,
      /as:1: an unterminated quote/,
    ],
    [
      'a control character in a principal',
      `a\u001b[2Jb ssh-ed25519 ${KEY}`,
      /as:1: a principal holds a control character/,
    ],
    ['no key line at all', '# nothing\n\n', /as: names no signer/],
  ])('hostile packet-signers: %s is refused naming the line', (_name, text, message) => {
    expect(() => parseAllowedSigners(text, 'as')).toThrow(message);
  });
});

describe('packet_signers in the inventory', () => {
  const target = (name: string, extra = '') =>
    `  ${name}:\n    transport: local\n    container: c-${name}\n    database: directus\n    user: workflow_admin\n${extra}`;

  it('the inventory-level file applies to every target, resolved against the file that names it; a target may name its own', async () => {
    const dir = await tempDir('oneroof-inv-');
    await mkdir(join(dir, 'inv'));
    await writeFile(
      join(dir, 'inv', 'a.yml'),
      `packet_signers: keys/allowed\ntargets:\n${target('one')}${target('two', '    packet_signers: /etc/oneroof/two\n')}`,
    );
    await writeFile(join(dir, 'inv', 'b.yml'), `targets:\n${target('three')}`);
    const inventory = await loadInventory('inv', dir);
    expect(inventory.targets.get('one')!.packetSigners).toEqual({
      file: join(dir, 'inv', 'keys', 'allowed'),
      setBy: join('inv', 'a.yml') + ': packet_signers',
    });
    expect(inventory.targets.get('two')!.packetSigners).toEqual({
      file: '/etc/oneroof/two',
      setBy: join('inv', 'a.yml') + ': targets.two.packet_signers',
    });
    // Another file of the same inventory: the policy holds there too.
    expect(inventory.targets.get('three')!.packetSigners?.file).toBe(
      join(dir, 'inv', 'keys', 'allowed'),
    );
  });

  it('no packet_signers anywhere: none', async () => {
    const dir = await tempDir('oneroof-inv-');
    await writeFile(join(dir, 't.yml'), `targets:\n${target('one')}`);
    expect((await loadInventory(dir, dir)).targets.get('one')!.packetSigners).toBeUndefined();
  });

  it.each([
    [
      'two files naming different files',
      'packet_signers: x\n',
      'packet_signers: y\n',
      /differs from/,
    ],
    ['a value starting with -', 'packet_signers: -x\n', '', /packet_signers.*not starting with -/s],
    [
      'a value that is not a string',
      'packet_signers: [a, b]\n',
      '',
      /packet_signers.*expected a file path/s,
    ],
  ])(
    'hostile inventory: packet_signers %s is refused (exit 2)',
    async (_n, first, second, message) => {
      const dir = await tempDir('oneroof-inv-');
      await writeFile(join(dir, 'a.yml'), `${first}targets:\n${target('one')}`);
      await writeFile(join(dir, 'b.yml'), `${second}targets:\n${target('two')}`);
      const error = await loadInventory(dir, dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OneroofError);
      expect((error as OneroofError).exitCode).toBe(2);
      expect((error as OneroofError).message).toMatch(message);
    },
  );
});

describe('the manifest and its signature', () => {
  async function packet(): Promise<string> {
    const dir = await tempDir('oneroof-packet-');
    await mkdir(join(dir, 'prod'));
    await writeFile(join(dir, 'prod', '10_a.sql'), 'SELECT 1;\n');
    await writeManifest(dir, SHIPPED_PACKET.checksums);
    return dir;
  }

  it('the .sig is not a packet file (it signs the manifest), whatever it is', async () => {
    const dir = await packet();
    await writeFile(join(dir, SIGNATURE_FILE), 'x');
    expect(await listPacketFiles(dir)).not.toContain(SIGNATURE_FILE);
    expect((await writeManifest(dir, SHIPPED_PACKET.checksums)).manifestChanged).toBe(false);
    expect(await readFile(join(dir, MANIFEST_FILE), 'utf8')).not.toContain('.sig');
  });

  it('a rewritten manifest removes the signature of the old one; an unchanged one keeps it', async () => {
    const dir = await packet();
    await writeFile(join(dir, SIGNATURE_FILE), 'old signature');
    expect((await writeManifest(dir, SHIPPED_PACKET.checksums)).signatureRemoved).toBe(false);
    expect(await readFile(join(dir, SIGNATURE_FILE), 'utf8')).toBe('old signature');
    await writeFile(join(dir, 'prod', '10_a.sql'), 'SELECT 2;\n');
    const written = await writeManifest(dir, SHIPPED_PACKET.checksums);
    expect(written).toMatchObject({ manifestChanged: true, signatureRemoved: true });
    await expect(readFile(join(dir, SIGNATURE_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('hostile packet-signature: a recorded principal with terminal escapes is shown escaped', () => {
    expect(
      describeSignature({
        status: 'verified',
        file: 'x.sig',
        key: 'ED25519 SHA256:abc',
        principal: 'evil\u001b]0;owned\u0007@x',
        allowedSigners: 'as',
      }),
    ).toBe('signed by evil\\x1b]0;owned\\x07@x (ED25519 SHA256:abc; allowed by as)');
  });
});
