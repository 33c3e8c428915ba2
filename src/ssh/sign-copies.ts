/**
 * An SSHSIG checked over bytes already read (a manifest, as read for its digest), with the
 * signature and the allowed-signers file handed to ssh-keygen as private copies of the bytes
 * read: what is checked is exactly what was read, and a file swapped in between cannot be. The
 * messages name the operator's files, not the copies. Used for the packet's signature and the
 * evidence set's.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature, type SignatureCheck } from './sign.js';

export async function verifyCopies(input: {
  data: Buffer;
  signature: Buffer;
  /** The signature's own path, for the messages. */
  signatureFile: string;
  namespace: string;
  signers?: { text: Buffer; file: string } | undefined;
  env: NodeJS.ProcessEnv;
  /** Why a signature that does not verify does not: given the private copy of it. */
  whyInvalid: (signatureCopy: string) => Promise<string>;
}): Promise<SignatureCheck> {
  const scratch = await mkdtemp(join(tmpdir(), 'oneroof-sig-'));
  try {
    const sigCopy = join(scratch, 'data.sig');
    await writeFile(sigCopy, input.signature, { mode: 0o600 });
    let signersCopy: string | undefined;
    if (input.signers) {
      signersCopy = join(scratch, 'allowed_signers');
      await writeFile(signersCopy, input.signers.text, { mode: 0o600 });
    }
    const check = await verifySignature(
      { input: input.data },
      sigCopy,
      input.namespace,
      signersCopy,
      input.env,
    );
    const detail =
      check.status === 'invalid'
        ? await input.whyInvalid(sigCopy)
        : check.detail
            ?.split(sigCopy)
            .join(input.signatureFile)
            .split(signersCopy ?? '\u0000')
            .join(input.signers?.file ?? '');
    return {
      ...check,
      file: input.signatureFile,
      allowedSigners: input.signers?.file ?? null,
      ...(detail === undefined ? {} : { detail }),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
