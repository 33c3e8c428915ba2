/**
 * The packet's signature: `manifest-sha256.txt.sig` beside the manifest, made by
 * `oneroof manifest sign` with the operator's ssh key (`ssh-keygen -Y sign`, namespace
 * `oneroof-packet` — not the run logs' `oneroof-runlog`, so neither signature passes as the
 * other). The manifest names every file's sha256, so a signature of the manifest is one of the
 * whole packet. An auditor checks it with OpenSSH alone:
 *
 *     ssh-keygen -Y verify -f allowed_signers -I <principal> -n oneroof-packet \
 *       -s sql/manifest-sha256.txt.sig < sql/manifest-sha256.txt
 *
 * A target (or the inventory) may name `packet_signers: FILE`, an allowed-signers file
 * (./allowed-signers.ts reads it); every command then refuses a packet not signed by one of its
 * principals (exit 5). The inputs are
 * read once, bounded, and handed to ssh-keygen as private copies, so what is checked is exactly
 * the manifest whose digest the run records, and a hostile name (a symlink, a folder,
 * /dev/zero, a huge file) is named instead of followed.
 */
import { join } from 'node:path';
import { SIGNATURE_NAMESPACE as RUNLOG_NAMESPACE, sshKeygen } from '../ssh/sign.js';
import { verifyCopies } from '../ssh/sign-copies.js';
import { readCheckedAsync, type FileKind } from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import type { SignersPolicy } from '../inventory/load.js';
import { SIGNATURE_FILE } from './manifest.js';
import { isControl, readSigners, unreadable } from './allowed-signers.js';

export const PACKET_NAMESPACE = 'oneroof-packet' as const;
/** An SSHSIG is about 300 bytes (ed25519) to 2 KiB (rsa-8192): anything far larger is not one. */
const MAX_SIGNATURE_BYTES = 64 * 1024;

export interface PacketSignature {
  /**
   * verified: valid, by a principal of the packet_signers file; signed: valid, by the key named,
   * not checked against any list; unsigned: no signature file; invalid: a signature file that
   * is not a valid signature of this manifest; not-allowed: valid, by a key the list refuses.
   */
  status: 'verified' | 'signed' | 'unsigned' | 'invalid' | 'not-allowed';
  /** The signature file's path (whether or not it exists). */
  file: string;
  namespace: typeof PACKET_NAMESPACE;
  /** `ED25519 SHA256:…` of the signing key. */
  key?: string;
  principal?: string;
  /** The packet_signers file checked against, or null (no policy). */
  allowedSigners: string | null;
  /** The principals that file names (any namespace). */
  principals?: string[];
  detail?: string;
}

const SIGNATURE_KIND: FileKind = {
  what: 'packet signature',
  maxBytes: MAX_SIGNATURE_BYTES,
  // A symlink planted at the name is not followed: the signature is the packet's own file.
  noFollow: true,
};
/**
 * The signature of the manifest whose bytes are `manifest` (as read for its digest), in `root`;
 * with a policy, checked against its allowed signers. Never throws for a bad signature (see
 * requireSigned); throws exit 2 for an unusable packet_signers file.
 */
export async function inspectSignature(
  root: string,
  manifest: Buffer,
  policy: SignersPolicy | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PacketSignature> {
  const signers = policy === undefined ? undefined : await readSigners(policy);
  const file = join(root, SIGNATURE_FILE);
  const base = {
    file,
    namespace: PACKET_NAMESPACE,
    allowedSigners: policy?.file ?? null,
    ...(signers ? { principals: signers.principals } : {}),
  };
  let signature: Buffer;
  try {
    signature = await readCheckedAsync(file, SIGNATURE_KIND);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'unsigned', ...base };
    return { status: 'invalid', ...base, detail: `${file}: ${unreadable(file, error)}` };
  }
  if (signature.length === 0) return { status: 'invalid', ...base, detail: `${file} is empty` };

  const check = await verifyCopies({
    data: manifest,
    signature,
    signatureFile: file,
    namespace: PACKET_NAMESPACE,
    signers: signers && policy ? { text: signers.text, file: policy.file } : undefined,
    env,
    whyInvalid: (sigCopy) => whyInvalid(sigCopy, manifest, file, env),
  });
  const key = check.key === undefined ? {} : { key: check.key };
  const detail = check.detail;
  if (check.status === 'valid')
    return signers
      ? { status: 'verified', ...base, ...key, principal: check.principal! }
      : { status: 'signed', ...base, ...key, detail: 'not checked: no packet_signers' };
  if (check.status === 'not-allowed')
    return { status: 'not-allowed', ...base, ...key, ...(detail ? { detail } : {}) };
  return { status: 'invalid', ...base, detail: detail ?? '?' };
}

/** A signature that does not verify: made for run logs, of another manifest, or not one at all. */
async function whyInvalid(
  sigCopy: string,
  manifest: Buffer,
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const asLog = await sshKeygen(['-Y', 'check-novalidate', '-n', RUNLOG_NAMESPACE, '-s', sigCopy], {
    input: manifest,
    env,
  });
  if (asLog.exitCode === 0)
    return `${file} was made for run logs (namespace ${RUNLOG_NAMESPACE}), not for a packet (${PACKET_NAMESPACE})`;
  const checked = await sshKeygen(
    ['-Y', 'check-novalidate', '-n', PACKET_NAMESPACE, '-s', sigCopy],
    { input: manifest, env },
  );
  const said = checked.stderr.trim().split('\n').at(-1) ?? '';
  if (/incorrect signature/.test(checked.stderr))
    return `${file}: signature does not match the manifest (re-sign with oneroof manifest sign)`;
  if (/namespace/.test(checked.stderr))
    return `${file} was made for another namespace, not ${PACKET_NAMESPACE}`;
  return `${file} is not an ssh signature (${said || `ssh-keygen exited ${checked.exitCode}`})`;
}

/** Exit 5 unless the signature is one the policy accepts; nothing when there is no policy. */
export function requireSigned(signature: PacketSignature, policy: SignersPolicy | undefined): void {
  if (policy === undefined || signature.status === 'verified') return;
  const hint = `sign the reviewed packet: oneroof manifest sign --packet ${signature.file.replace(/\/[^/]*$/, '')} --key YOUR_KEY`;
  const principals = signature.principals ?? [];
  const requires = `packet_signers ${policy.file} requires a signature by one of: ${principals.map(printable).join(', ')}`;
  switch (signature.status) {
    case 'unsigned':
      throw new OneroofError(
        'integrity',
        `packet manifest is unsigned (no ${signature.file}); ${requires}; nothing was run`,
        { hint },
      );
    case 'not-allowed':
      throw new OneroofError(
        'integrity',
        `packet manifest is signed by ${signature.key}, a key ${policy.file} does not allow for ${PACKET_NAMESPACE}${signature.detail ? ` (${printable(signature.detail)})` : ''}; ${requires}; nothing was run`,
        { hint },
      );
    case 'signed':
    case 'invalid':
      throw new OneroofError(
        'integrity',
        `packet manifest signature is not valid: ${printable(signature.detail ?? '?')}; ${requires}; nothing was run`,
        { hint },
      );
  }
}

/** What describeSignature needs: a PacketSignature, or one read back from a run log. */
export type SignatureFacts = Pick<PacketSignature, 'status' | 'file'> &
  Partial<Pick<PacketSignature, 'key' | 'principal' | 'detail'>> & {
    allowedSigners?: string | null | undefined;
  };

/** One line for a human: who signed the packet, or why nobody is known to have. */
export function describeSignature(signature: SignatureFacts): string {
  switch (signature.status) {
    case 'verified':
      return printable(
        `signed by ${signature.principal ?? '?'} (${signature.key ?? '?'}; allowed by ${signature.allowedSigners ?? '?'})`,
      );
    case 'signed':
      return printable(`signed by key ${signature.key ?? '?'} (not checked: no packet_signers)`);
    case 'unsigned':
      return printable(`unsigned (no ${signature.file})`);
    case 'not-allowed':
      return printable(
        `signed by ${signature.key ?? '?'}, NOT allowed by ${signature.allowedSigners ?? '?'}`,
      );
    case 'invalid':
      return printable(`signature INVALID: ${signature.detail ?? '?'}`);
  }
}

/** Control characters shown as \xNN: a principal or a path never reaches a terminal raw. */
function printable(text: string): string {
  return [...text]
    .map((c) => (isControl(c) ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c))
    .join('');
}
