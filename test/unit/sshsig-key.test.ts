/**
 * The key a fresh signature names (src/ssh/sshsig-key.ts) is the one `ssh-keygen -Y
 * check-novalidate` names for it, for each key type OpenSSH signs with here; the signature is
 * made by the real `ssh-keygen -Y sign` (signFile) and checked by the real ssh-keygen.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signFile } from '../../src/ssh/sign.js';
import { sshsigKey } from '../../src/ssh/sshsig-key.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('oneroof-sshsig-key-');
  writeFileSync(join(dir, 'data'), 'a run log\n');
});

describe('the key a signature names', () => {
  it.each([
    ['ed25519', ['-t', 'ed25519']],
    ['rsa', ['-t', 'rsa', '-b', '2048']],
    ['ecdsa', ['-t', 'ecdsa', '-b', '384']],
  ])('%s: the words ssh-keygen -Y check-novalidate prints', async (type, args) => {
    const key = join(dir, `id_${type}`);
    execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-f', key]);
    const data = join(dir, 'data');
    const signed = await signFile(data, `${data}.${type}.sig`, 'oneroof-runlog', { key });
    const check = execFileSync(
      'ssh-keygen',
      ['-Y', 'check-novalidate', '-n', 'oneroof-runlog', '-s', signed.signature],
      { input: readFileSync(data) },
    ).toString();
    const [name, fingerprint] = signed.key.split(' ');
    expect(check).toContain(`Good "oneroof-runlog" signature with ${name} key ${fingerprint}\n`);
    expect(signed.key).toMatch(/^(ED25519|RSA|ECDSA) SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sshsigKey(readFileSync(signed.signature, 'utf8'))).toBe(signed.key);
  });

  it.each([
    ['not armored', 'hello\n'],
    [
      'another armor',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
    ],
    [
      'no SSHSIG magic',
      `-----BEGIN SSH SIGNATURE-----\n${Buffer.from('NOTSIG\0\0\0\x01').toString('base64')}\n-----END SSH SIGNATURE-----\n`,
    ],
    [
      'a key length past the end',
      `-----BEGIN SSH SIGNATURE-----\n${Buffer.concat([Buffer.from('SSHSIG\0\0\0\x01'), Buffer.from([0, 0, 1, 0])]).toString('base64')}\n-----END SSH SIGNATURE-----\n`,
    ],
  ])('hostile signature-file: %s names no key', (_name, text) => {
    expect(sshsigKey(text)).toBeUndefined();
  });
});
