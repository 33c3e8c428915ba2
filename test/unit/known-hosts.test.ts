import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  keyTypeOfBlob,
  knownKeyTypesFor,
  loadKnownHosts,
  parseKnownHosts,
  type KnownHostsWarning,
} from '../../src/ssh/known-hosts.js';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function ed25519Blob(): Buffer {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return Buffer.concat([sshString('ssh-ed25519'), sshString(der.subarray(der.length - 32))]);
}

function ecdsaBlob(): Buffer {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
    format: 'jwk',
  });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  return Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]);
}

// Structurally valid ssh-rsa blob (e, n); the parser only needs the wire format.
function fakeRsaBlob(): Buffer {
  return Buffer.concat([
    sshString('ssh-rsa'),
    sshString(Buffer.from([1, 0, 1])),
    sshString(Buffer.concat([Buffer.from([0]), randomBytes(256)])),
  ]);
}

const b64 = (b: Buffer): string => b.toString('base64');
const key = (blob: Buffer): { type: string; blob: Buffer } => ({ type: keyTypeOfBlob(blob), blob });

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${b64(salt)}|${b64(createHmac('sha1', salt).update(name).digest())}`;
}

const K1 = ed25519Blob();
const K2 = ed25519Blob();
const E1 = ecdsaBlob();
const R1 = fakeRsaBlob();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oneroof-kh-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('parseKnownHosts + checkHostKey', () => {
  it('matches a plain entry in a comma list, case-insensitively, and keeps source/line/comment', () => {
    const entries = parseKnownHosts(
      `# header\n\nexample.com,10.0.0.1 ssh-ed25519 ${b64(K1)} ops@laptop key\n`,
      '/kh',
    );
    expect(entries).toHaveLength(1);
    for (const host of ['example.com', '10.0.0.1', 'EXAMPLE.com']) {
      const v = checkHostKey(entries, host, 22, key(K1));
      expect(v.kind).toBe('match');
      if (v.kind === 'match')
        expect(v.entry).toMatchObject({ source: '/kh', line: 3, comment: 'ops@laptop key' });
    }
    expect(checkHostKey(entries, 'other.com', 22, key(K1))).toEqual({ kind: 'unknown' });
  });

  it('matches [host]:port, and a plain pattern does not match a non-default port', () => {
    const entries = parseKnownHosts(
      `[example.com]:2222 ssh-ed25519 ${b64(K1)}\nplain.com ssh-ed25519 ${b64(K2)}\n`,
      'kh',
    );
    expect(checkHostKey(entries, 'example.com', 2222, key(K1)).kind).toBe('match');
    expect(checkHostKey(entries, 'example.com', 22, key(K1)).kind).toBe('unknown');
    expect(checkHostKey(entries, 'plain.com', 22, key(K2)).kind).toBe('match');
    expect(checkHostKey(entries, 'plain.com', 2222, key(K2)).kind).toBe('unknown');
  });

  it('matches hashed entries for default and non-default ports', () => {
    const text = `${hashedName('db.example.com')} ssh-ed25519 ${b64(K1)}\n${hashedName('[db.example.com]:2222')} ssh-ed25519 ${b64(K2)}\n`;
    const entries = parseKnownHosts(text, 'kh');
    expect(entries.every((e) => e.hashed !== undefined)).toBe(true);
    expect(checkHostKey(entries, 'db.example.com', 22, key(K1)).kind).toBe('match');
    expect(checkHostKey(entries, 'db.example.com', 2222, key(K2)).kind).toBe('match');
    expect(checkHostKey(entries, 'db.example.com', 2223, key(K2)).kind).toBe('unknown');
    expect(checkHostKey(entries, 'other.example.com', 22, key(K1)).kind).toBe('unknown');
    // OpenSSH agrees that our hashes name these hosts.
    const file = join(dir, 'hashed');
    writeFileSync(file, text);
    expect(
      execFileSync(SSH_KEYGEN, ['-F', '[db.example.com]:2222', '-f', file]).toString(),
    ).toContain('found: line 2');
    expect(execFileSync(SSH_KEYGEN, ['-F', 'db.example.com', '-f', file]).toString()).toContain(
      'found: line 1',
    );
  });

  it('reads a file hashed by ssh-keygen -H', () => {
    const file = join(dir, 'tohash');
    writeFileSync(
      file,
      `alpha.example ssh-ed25519 ${b64(K1)}\n[alpha.example]:2200 ssh-ed25519 ${b64(K2)}\n`,
    );
    execFileSync(SSH_KEYGEN, ['-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(entries.map((e) => e.hostField.startsWith('|1|'))).toEqual([true, true]);
    expect(checkHostKey(entries, 'alpha.example', 22, key(K1)).kind).toBe('match');
    expect(checkHostKey(entries, 'alpha.example', 2200, key(K2)).kind).toBe('match');
  });

  it('reports a changed key of the same type as mismatch/changed', () => {
    const entries = parseKnownHosts(
      `host.a ssh-ed25519 ${b64(K1)}\nhost.a ecdsa-sha2-nistp256 ${b64(E1)}\n`,
      'kh',
    );
    const v = checkHostKey(entries, 'host.a', 22, key(K2));
    expect(v).toMatchObject({ kind: 'mismatch', reason: 'changed' });
    if (v.kind === 'mismatch') expect(v.known.map((e) => e.line)).toEqual([1]);
  });

  it('reports a host known only with other key types as mismatch/other-types', () => {
    const entries = parseKnownHosts(`host.b ecdsa-sha2-nistp256 ${b64(E1)}\n`, 'kh');
    const v = checkHostKey(entries, 'host.b', 22, key(K1));
    expect(v).toMatchObject({ kind: 'mismatch', reason: 'other-types' });
    if (v.kind === 'mismatch') expect(v.known).toHaveLength(1);
  });

  it('refuses a revoked key even when it is also listed normally, for any host', () => {
    const entries = parseKnownHosts(
      `host.c ssh-ed25519 ${b64(K1)}\n@revoked unrelated.host ssh-ed25519 ${b64(K1)}\n`,
      'kh',
    );
    const v = checkHostKey(entries, 'host.c', 22, key(K1));
    expect(v.kind).toBe('revoked');
    if (v.kind === 'revoked') expect(v.entry.line).toBe(2);
  });

  it('never matches @cert-authority lines against a plain host key', () => {
    const entries = parseKnownHosts(`@cert-authority *.example.com ssh-ed25519 ${b64(K1)}\n`, 'kh');
    expect(entries[0]?.marker).toBe('cert-authority');
    expect(checkHostKey(entries, 'x.example.com', 22, key(K1)).kind).toBe('unknown');
    expect(knownKeyTypesFor(entries, 'x.example.com', 22)).toEqual([]);
  });

  it('handles wildcards and negation', () => {
    const text = [
      `*.example.com,!bad.example.com ssh-ed25519 ${b64(K1)}`,
      `db?.internal ssh-ed25519 ${b64(K2)}`,
      `[*.example.org]:2222 ssh-ed25519 ${b64(K2)}`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    expect(checkHostKey(entries, 'good.example.com', 22, key(K1)).kind).toBe('match');
    expect(checkHostKey(entries, 'bad.example.com', 22, key(K1)).kind).toBe('unknown');
    expect(checkHostKey(entries, 'example.com', 22, key(K1)).kind).toBe('unknown');
    expect(checkHostKey(entries, 'db1.internal', 22, key(K2)).kind).toBe('match');
    expect(checkHostKey(entries, 'db12.internal', 22, key(K2)).kind).toBe('unknown');
    expect(checkHostKey(entries, 'a.example.org', 2222, key(K2)).kind).toBe('match');
    expect(checkHostKey(entries, 'a.example.org', 22, key(K2)).kind).toBe('unknown');
  });

  it('skips comments and reports malformed lines with their line numbers', () => {
    const text = [
      '# comment',
      'onlyhost',
      `host.d ssh-ed25519 not*base64`,
      `host.d ssh-rsa ${b64(K1)}`,
      `@bogus host.d ssh-ed25519 ${b64(K1)}`,
      `|1|c2FsdA==|aGFzaA== ssh-ed25519 ${b64(K1)}`,
      'host.d 2048 35 12345',
      `   # indented comment`,
      `host.d ssh-ed25519 ${b64(K1)}`,
    ].join('\n');
    const warnings: KnownHostsWarning[] = [];
    const entries = parseKnownHosts(text, '/etc/kh', warnings);
    expect(entries.map((e) => e.line)).toEqual([9]);
    expect(warnings.map((w) => w.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(warnings.every((w) => w.source === '/etc/kh' && w.message.length > 0)).toBe(true);
  });
});

describe('knownKeyTypesFor', () => {
  it('lists algorithms to offer, RSA under its SHA-2 names, and ignores revoked lines', () => {
    const text = `h ssh-rsa ${b64(R1)}\nh ssh-ed25519 ${b64(K1)}\n@revoked h ecdsa-sha2-nistp256 ${b64(E1)}\n`;
    const entries = parseKnownHosts(text, 'kh');
    expect(knownKeyTypesFor(entries, 'h', 22)).toEqual([
      'ssh-ed25519',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    expect(knownKeyTypesFor(entries, 'h', 2222)).toEqual([]);
  });

  it('accepts an RSA key presented under rsa-sha2-512', () => {
    const entries = parseKnownHosts(`h ssh-rsa ${b64(R1)}\n`, 'kh');
    expect(checkHostKey(entries, 'h', 22, { type: 'rsa-sha2-512', blob: R1 }).kind).toBe('match');
  });
});

describe('fingerprints, blobs and lines', () => {
  it('prints the same SHA256 fingerprint as ssh-keygen -lf', () => {
    const file = join(dir, 'k1.pub');
    writeFileSync(file, `ssh-ed25519 ${b64(K1)} test\n`);
    const out = execFileSync(SSH_KEYGEN, ['-lf', file]).toString();
    expect(out.split(' ')[1]).toBe(fingerprintSha256(K1));
    expect(fingerprintSha256(K1)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches ssh-keygen for a key made by ssh-keygen', () => {
    const base = join(dir, 'gen');
    execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', base]);
    const blob = Buffer.from(readFileSync(`${base}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
    expect(keyTypeOfBlob(blob)).toBe('ssh-ed25519');
    expect(
      execFileSync(SSH_KEYGEN, ['-lf', `${base}.pub`])
        .toString()
        .split(' ')[1],
    ).toBe(fingerprintSha256(blob));
  });

  it('rejects truncated blobs', () => {
    expect(() => keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 65]))).toThrow();
  });

  it('formats accept-new lines that parse back and match', () => {
    const l22 = formatKnownHostsLine('New.Host', 22, 'ssh-ed25519', K1);
    const l2222 = formatKnownHostsLine('127.0.0.1', 2222, 'ssh-ed25519', K2);
    expect(l22).toBe(`new.host ssh-ed25519 ${b64(K1)}`);
    expect(l2222).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${b64(K2)}`);
    const entries = parseKnownHosts(`${l22}\n${l2222}\n`, 'kh');
    expect(checkHostKey(entries, 'new.host', 22, key(K1)).kind).toBe('match');
    expect(checkHostKey(entries, '127.0.0.1', 2222, key(K2)).kind).toBe('match');
    expect(() => formatKnownHostsLine('a b', 22, 'ssh-ed25519', K1)).toThrow();
    expect(() => formatKnownHostsLine('*', 22, 'ssh-ed25519', K1)).toThrow();
    expect(() => formatKnownHostsLine('h', 22, 'ssh-rsa', K1)).toThrow();
  });
});

describe('loadKnownHosts', () => {
  it('treats a missing file as empty and reads existing ones with warnings', async () => {
    const file = join(dir, 'load');
    writeFileSync(file, `h ssh-ed25519 ${b64(K1)}\nbroken\n`);
    const { entries, warnings } = await loadKnownHosts([join(dir, 'absent'), file]);
    expect(entries).toHaveLength(1);
    expect(warnings).toEqual([expect.objectContaining({ source: file, line: 2 })]);
  });

  it('fails closed when a path exists but cannot be read', async () => {
    await expect(loadKnownHosts([dir])).rejects.toThrow(
      /expected a regular file .*got a directory/,
    );
  });
});
