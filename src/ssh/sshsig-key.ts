/**
 * The key an SSHSIG names, read from the armored signature itself (PROTOCOL.sshsig: the blob
 * starts `SSHSIG`, a uint32 version, then the signer's public key as an SSH string), in the words
 * `ssh-keygen -Y check-novalidate` prints: `ED25519 SHA256:…` (its key type name, and the SHA256
 * of the public key blob). A signature just made by `ssh-keygen -Y sign` is named this way
 * instead of with a second ssh-keygen whose only use was that name (its exit was never the
 * judge: src/ssh/sign.ts). Verifying a signature stays ssh-keygen's job.
 */
import { fingerprintSha256, keyTypeOfBlob } from './known-hosts.js';

const ARMOR = /^-----BEGIN SSH SIGNATURE-----\n([A-Za-z0-9+/=\n]+)-----END SSH SIGNATURE-----\n?$/;
const MAGIC = Buffer.from('SSHSIG', 'latin1');

/** ssh-keygen's names for the wire key types (sshkey.c's table), without the -CERT suffix. */
const NAMES: Record<string, string> = {
  'ssh-ed25519': 'ED25519',
  'sk-ssh-ed25519@openssh.com': 'ED25519-SK',
  'ssh-rsa': 'RSA',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
  'sk-ecdsa-sha2-nistp256@openssh.com': 'ECDSA-SK',
  'ssh-dss': 'DSA',
};

/** `TYPE SHA256:…` of the key that made an armored SSHSIG; undefined when it is not one. */
export function sshsigKey(armored: string): string | undefined {
  const m = ARMOR.exec(armored.replace(/\r\n/g, '\n'));
  if (!m) return undefined;
  const blob = Buffer.from(m[1]!.replace(/\n/g, ''), 'base64');
  if (blob.length < 14 || !blob.subarray(0, 6).equals(MAGIC)) return undefined;
  const length = blob.readUInt32BE(10);
  if (14 + length > blob.length) return undefined;
  const key = blob.subarray(14, 14 + length);
  let type: string;
  try {
    type = keyTypeOfBlob(key);
  } catch {
    return undefined;
  }
  const cert = /^(.+)-cert-v01@openssh\.com$/.exec(type);
  const base = cert ? cert[1]!.replace(/^(sk-.+)$/, '$1@openssh.com') : type;
  const name = NAMES[base];
  if (name === undefined) return undefined;
  return `${cert ? `${name}-CERT` : name} ${fingerprintSha256(key)}`;
}
