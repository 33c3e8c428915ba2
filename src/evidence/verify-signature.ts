/**
 * The signature of an evidence set's manifest, checked over exactly the manifest bytes verify
 * read (one read, bounded), through private copies of the signature and the allowed-signers
 * file: `ssh-keygen -Y check-novalidate`, then `find-principals` and `verify -n oneroof-evidence`
 * (src/ssh/sign.ts: verifySignature, the one check). A signature made for run logs or for a
 * packet is named as such: the namespaces keep them apart.
 */
import { readCheckedAsync } from '../bounded-file.js';
import { readSigners, unreadable } from '../packet/allowed-signers.js';
import { PACKET_NAMESPACE } from '../packet/signature.js';
import {
  SIGNATURE_NAMESPACE as RUNLOG_NAMESPACE,
  sshKeygen,
  type SignatureCheck,
} from '../ssh/sign.js';
import { verifyCopies } from '../ssh/sign-copies.js';
import { EVIDENCE_NAMESPACE } from './seal-manifest.js';

const MAX_SIGNATURE_BYTES = 64 * 1024;

/**
 * valid (with principal when an allowed-signers file named it), missing, invalid (not a
 * signature of these bytes for this namespace), not-allowed (valid, by a key the file refuses).
 * Throws exit 2 for an unusable allowed-signers file.
 */
export async function checkManifestSignature(
  manifest: Buffer,
  signatureFile: string,
  allowedSigners: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<SignatureCheck> {
  const signers =
    allowedSigners === undefined
      ? undefined
      : await readSigners({ file: allowedSigners, setBy: '--allowed-signers' });
  const base = { file: signatureFile, allowedSigners: allowedSigners ?? null };
  let signature: Buffer;
  try {
    signature = await readCheckedAsync(signatureFile, {
      what: 'evidence signature',
      maxBytes: MAX_SIGNATURE_BYTES,
      noFollow: true,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', ...base };
    return { status: 'invalid', ...base, detail: unreadable(signatureFile, error) };
  }
  return verifyCopies({
    data: manifest,
    signature,
    signatureFile,
    namespace: EVIDENCE_NAMESPACE,
    signers: signers && allowedSigners ? { text: signers.text, file: allowedSigners } : undefined,
    env,
    whyInvalid: (sigCopy) => whyInvalid(sigCopy, manifest, env),
  });
}

/** A signature that does not verify: made for something else, of other bytes, or not one. */
async function whyInvalid(
  sigCopy: string,
  manifest: Buffer,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  for (const [namespace, what] of [
    [RUNLOG_NAMESPACE, 'run logs'],
    [PACKET_NAMESPACE, 'a packet'],
  ] as const) {
    const other = await sshKeygen(['-Y', 'check-novalidate', '-n', namespace, '-s', sigCopy], {
      input: manifest,
      env,
    });
    if (other.exitCode === 0)
      return `it was made for ${what} (namespace ${namespace}), not for an evidence set (${EVIDENCE_NAMESPACE})`;
  }
  const checked = await sshKeygen(
    ['-Y', 'check-novalidate', '-n', EVIDENCE_NAMESPACE, '-s', sigCopy],
    { input: manifest, env },
  );
  if (/incorrect signature/.test(checked.stderr))
    return 'it does not match the manifest: the manifest was changed after it was signed';
  if (/namespace/.test(checked.stderr))
    return `it was made for another namespace, not ${EVIDENCE_NAMESPACE}`;
  const said = checked.stderr.trim().split('\n').at(-1) ?? '';
  return `it is not an ssh signature (${said || `ssh-keygen exited ${checked.exitCode}`})`;
}
