/**
 * Integrity first: every command that streams the packet checks it against its sha256 manifest
 * before anything is contacted (exit 5 naming each file and both digests), and the manifest's
 * signature (src/packet/signature.ts): recorded always, required when packet_signers is set.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPacket } from '../contract/load.js';
import { OneroofError } from '../errors.js';
import {
  MANIFEST_FILE,
  ManifestError,
  checkManifest,
  describeDifference,
} from '../packet/manifest.js';
import { inspectSignature, requireSigned, type PacketSignature } from '../packet/signature.js';
import type { PacketReader } from '../packet/bundle.js';
import { snapshotReader } from '../packet/snapshot.js';
import type { SignersPolicy } from '../inventory/load.js';

export interface PacketIdentity {
  root: string;
  /** sha256 of manifest-sha256.txt: one digest that names every file of the packet. */
  manifestSha256: string;
  /** Who signed that manifest (or that nobody did). */
  signature: PacketSignature;
  /** The files as this check read them: what the run's streams are bundled from. */
  reader: PacketReader;
}

export interface PacketPolicy {
  /** An allowed-signers file: the packet must be signed by one of its principals. */
  signers?: SignersPolicy | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function checkPacket(
  root: string,
  policy: PacketPolicy = {},
): Promise<PacketIdentity> {
  // The descriptor first: it says which include holds the checksums, and a packet without a
  // sound one is refused before its files are weighed.
  const descriptor = await loadPacket(root);
  let differences;
  const files = new Map<string, Buffer>();
  try {
    differences = await checkManifest(root, descriptor.checksums, files);
  } catch (error) {
    if (error instanceof ManifestError)
      throw new OneroofError('integrity', error.message, { cause: error });
    throw error;
  }
  if (differences.length > 0)
    throw new OneroofError(
      'integrity',
      `the packet in ${root} is not what ${MANIFEST_FILE} says; nothing was run\n${differences
        .map((d) => `  ${describeDifference(d)}`)
        .join('\n')}`,
      {
        hint: 'restore the ratified files, or (after review) regenerate with `oneroof manifest write`',
      },
    );
  const manifest = await readFile(join(root, MANIFEST_FILE));
  const signature = await inspectSignature(root, manifest, policy.signers, policy.env);
  requireSigned(signature, policy.signers);
  return {
    root,
    manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    signature,
    reader: await snapshotReader(root, files),
  };
}
