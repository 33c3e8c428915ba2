// OpenSSH known_hosts parsing and host key checking, for ssh2's hostVerifier.
// ssh2 accepts any host key unless we verify it ourselves, and no npm package handles hashed
// entries, @revoked, globs and negation together, so this follows OpenSSH's hostfile.c/match.c.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { KNOWN_HOSTS_FILE, readCheckedText } from '../bounded-file.js';
import { OneroofError } from '../errors.js';

interface HostPattern {
  pattern: string; // lowercased; may contain * and ?
  negated: boolean;
}

export interface KnownHostEntry {
  source: string; // file path, for messages
  line: number; // 1-based
  marker?: 'revoked' | 'cert-authority';
  hostField: string; // raw host field as written
  patterns: HostPattern[]; // empty for hashed entries
  hashed?: { salt: Buffer; digest: Buffer };
  type: string; // key type as written, e.g. ssh-ed25519
  blob: Buffer; // SSH wire-format public key (what ssh2 hands to hostVerifier)
  comment?: string;
}

export interface KnownHostsWarning {
  source: string;
  line: number;
  message: string;
}

export type HostKeyVerdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  | { kind: 'mismatch'; reason: 'changed' | 'other-types'; known: KnownHostEntry[] }
  | { kind: 'unknown' };

const DEFAULT_PORT = 22;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SHA1_LEN = 20;

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise (put_host_port).
 *  With HostKeyAlias, OpenSSH looks up the bare alias: pass port 22 then. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase(); // ssh lowercases the host before any lookup
  return port === DEFAULT_PORT ? h : `[${h}]:${port}`;
}

/** Key type encoded at the start of a wire blob (string = uint32 length + bytes). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) throw new Error('key blob too short');
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length)
    throw new Error('key blob has a bad type length');
  const type = blob.subarray(4, 4 + len).toString('latin1');
  if (!/^[\x21-\x7e]+$/.test(type)) throw new Error('key blob type is not printable');
  return type;
}

export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

// ssh2 may name an RSA host key by its signature algorithm; the blob always says ssh-rsa.
function canonicalType(type: string): string {
  return type === 'rsa-sha2-256' || type === 'rsa-sha2-512' ? 'ssh-rsa' : type;
}

/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
export function parseKnownHosts(
  text: string,
  source: string,
  warnings: KnownHostsWarning[] = [],
): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const warn = (message: string): void => {
      warnings.push({ source, line: lineNo, message });
    };
    const fields = raw.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        warn(`unknown marker ${m}`);
        continue;
      }
    }
    const [hostField, type, keyB64, ...rest] = fields;
    if (hostField === undefined || type === undefined || keyB64 === undefined) {
      warn('expected "hosts keytype base64-key [comment]"');
      continue;
    }
    if (/^\d+$/.test(type)) {
      warn('SSH-1 RSA keys are not supported');
      continue;
    }
    if (!BASE64.test(keyB64)) {
      warn('key is not valid base64');
      continue;
    }
    const blob = Buffer.from(keyB64, 'base64');
    let blobType: string;
    try {
      blobType = keyTypeOfBlob(blob);
    } catch (e) {
      warn((e as Error).message);
      continue;
    }
    if (blobType !== type) {
      warn(`key type ${type} does not match the key blob (${blobType})`);
      continue;
    }
    const entry: KnownHostEntry = { source, line: lineNo, hostField, patterns: [], type, blob };
    if (marker) entry.marker = marker;
    if (rest.length > 0) entry.comment = rest.join(' ');
    if (hostField.startsWith('|')) {
      // OpenSSH treats a field starting with '|' as one hash, never as a list.
      const parts = hostField.split('|');
      if (
        parts.length !== 4 ||
        parts[1] !== '1' ||
        !BASE64.test(parts[2] ?? '') ||
        !BASE64.test(parts[3] ?? '')
      ) {
        warn('malformed hashed host field (expected |1|salt|hash)');
        continue;
      }
      const salt = Buffer.from(parts[2] ?? '', 'base64');
      const digest = Buffer.from(parts[3] ?? '', 'base64');
      if (salt.length !== SHA1_LEN || digest.length !== SHA1_LEN) {
        warn('hashed host field has a wrong salt or hash length');
        continue;
      }
      entry.hashed = { salt, digest };
    } else {
      for (const p of hostField.split(',')) {
        if (p === '' || p === '!') continue;
        const negated = p.startsWith('!');
        entry.patterns.push({ pattern: (negated ? p.slice(1) : p).toLowerCase(), negated });
      }
      if (entry.patterns.length === 0) {
        warn('empty host pattern list');
        continue;
      }
    }
    entries.push(entry);
  }
  return entries;
}

/** Glob match with * and ? over the whole string, iterative (no regex built from input). */
function globMatch(name: string, pattern: string): boolean {
  let n = 0;
  let p = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starN = n;
    } else if (pc !== undefined && (pc === '?' || pc === name[n])) {
      p++;
      n++;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Does this entry's host field match the looked-up name (`host` or `[host]:port`)? */
function entryMatchesName(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const mac = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return timingSafeEqual(mac, entry.hashed.digest);
  }
  let positive = false;
  for (const { pattern, negated } of entry.patterns) {
    if (!globMatch(name, pattern)) continue;
    if (negated) return false; // a negated hit vetoes the whole line (match_hostname → -1)
    positive = true;
  }
  return positive;
}

function hostEntries(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  // Revoked and CA lines never vouch for a plain host key.
  return entries.filter((e) => e.marker === undefined && entryMatchesName(e, name));
}

export function checkHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  key: { type: string; blob: Buffer },
): HostKeyVerdict {
  // Stricter than OpenSSH on purpose: a revoked key is refused whatever host it is listed for.
  const revoked = entries.find((e) => e.marker === 'revoked' && e.blob.equals(key.blob));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const known = hostEntries(entries, host, port);
  const exact = known.find((e) => e.blob.equals(key.blob));
  if (exact) return { kind: 'match', entry: exact };
  if (known.length === 0) return { kind: 'unknown' };
  let type = canonicalType(key.type);
  try {
    type = keyTypeOfBlob(key.blob); // the blob is authoritative over the negotiated name
  } catch {
    /* keep the given type */
  }
  const sameType = known.filter((e) => e.type === type);
  return sameType.length > 0
    ? { kind: 'mismatch', reason: 'changed', known: sameType }
    : { kind: 'mismatch', reason: 'other-types', known };
}

// ssh2's preference order, strongest first; RSA keys are offered under their SHA-2 names.
const ALGS_FOR_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** Host key algorithms to offer (ssh2 `algorithms.serverHostKey`) so the server presents a key
 *  type we already know; otherwise ssh2 may negotiate ed25519 and a known host looks unknown. */
export function knownKeyTypesFor(entries: KnownHostEntry[], host: string, port: number): string[] {
  const types = new Set(hostEntries(entries, host, port).map((e) => e.type));
  const out: string[] = [];
  for (const [type, algs] of Object.entries(ALGS_FOR_TYPE)) if (types.has(type)) out.push(...algs);
  for (const t of types) if (!(t in ALGS_FOR_TYPE)) out.push(t);
  return out;
}

/** A plain (unhashed) line for accept-new, in the form OpenSSH itself looks up. */
export function formatKnownHostsLine(
  host: string,
  port: number,
  type: string,
  blob: Buffer,
): string {
  // Anything that would turn the name into a pattern, list or comment must not be written.
  if (!/^[A-Za-z0-9._:%-]+$/.test(host))
    throw new Error(`refusing to write known_hosts entry for host ${JSON.stringify(host)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
  const blobType = keyTypeOfBlob(blob);
  if (canonicalType(type) !== blobType)
    throw new Error(`key type ${type} does not match the key blob (${blobType})`);
  return `${knownHostsName(host, port)} ${blobType} ${blob.toString('base64')}`;
}

/** Reads and parses known_hosts files. Missing files are empty; any other read error throws,
 *  so a caller never mistakes an unreadable file for "host unknown" (fail closed). */
export async function loadKnownHosts(
  paths: string[],
): Promise<{ entries: KnownHostEntry[]; warnings: KnownHostsWarning[] }> {
  const entries: KnownHostEntry[] = [];
  const warnings: KnownHostsWarning[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readCheckedText(path, KNOWN_HOSTS_FILE);
    } catch (e) {
      if (e instanceof OneroofError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`cannot read known_hosts file ${path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    entries.push(...parseKnownHosts(text, path, warnings));
  }
  return { entries, warnings };
}
