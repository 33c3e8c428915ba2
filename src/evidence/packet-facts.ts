/**
 * What the packet says about itself, for the documents generated from the contract (02, 03, 05,
 * 06, 07, 08): its descriptor (packet.yml), its manifest, and what each file it names holds —
 * the includes it runs with (`\ir`, by the packet's own lexer) and the marker formats its own
 * statements raise (guards, assertions, verify checks; src/contract/tier-markers.ts). Read from
 * the packet checked against its manifest, so the documents describe exactly the files that run.
 */
import { basename, join, posix } from 'node:path';
import { PACKET_FILE, readCheckedText } from '../bounded-file.js';
import { loadPacket } from '../contract/load.js';
import type { PacketDescriptor } from '../contract/schema.js';
import { markerLines } from '../contract/tier-markers.js';
import { checkPacket } from '../engine/packet-check.js';
import { describeSignature } from '../packet/signature.js';
import { scanPsqlScript } from '../packet/psql-lexer.js';
import { readFile } from 'node:fs/promises';
import { MANIFEST_FILE, parseManifest } from '../packet/manifest.js';
import { objectUses, type ObjectUse } from './sql-objects.js';

export interface FileFacts {
  path: string;
  sha256: string;
  /** The files it includes (`\ir`), as written (relative to its folder). */
  includes: string[];
  /** Those includes by their path in the packet (the ones inside it). */
  includePaths: string[];
  /** The marker formats its own statements raise, with their line. */
  markers: { line: number; format: string }[];
  /** The database objects its own statements create, change or write rows into (02). */
  objects: ObjectUse[];
}

export interface PacketFacts {
  name: string;
  version: string;
  title: string;
  /** sha256 of manifest-sha256.txt: one digest naming every file of the packet. */
  manifestSha256: string;
  signer: string;
  descriptor: PacketDescriptor;
  /** Every file of the manifest, with its digest. */
  manifest: { path: string; sha256: string }[];
  /** Each file the descriptor names and each file they include, read; by path in the packet. */
  files: Record<string, FileFacts>;
}

export async function readPacketFacts(root: string, env?: NodeJS.ProcessEnv): Promise<PacketFacts> {
  const descriptor = await loadPacket(root);
  const identity = await checkPacket(root, env ? { env } : {});
  const manifest = parseManifest(await readFile(join(root, MANIFEST_FILE), 'utf8'));
  const digest = new Map(manifest.map((m) => [m.path, m.sha256]));
  const named = new Set<string>([
    ...Object.values(descriptor.entries),
    ...descriptor.tiers.flatMap((t) => [t.file, ...(t.rollback ? [t.rollback] : [])]),
    ...Object.values(descriptor.replica).filter((f): f is string => typeof f === 'string'),
  ]);
  const files: Record<string, FileFacts> = {};
  // Each named file and, transitively, what it includes (guards live in includes).
  const queue = [...named];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (files[path] !== undefined) continue;
    const text = await readCheckedText(join(root, path), PACKET_FILE);
    const includes = scanPsqlScript(text)
      .commands.filter((c) => c.name === 'ir' || c.name === 'include_relative')
      .map((c) => c.argv[0]?.value ?? c.args.trim());
    // The bundler refuses an include outside the packet; here it is only not followed.
    const inPacket = includes
      .map((include) => posix.normalize(posix.join(posix.dirname(path), include)))
      .filter((resolved) => digest.has(resolved));
    files[path] = {
      path,
      sha256: digest.get(path) ?? 'not in the manifest',
      includes,
      includePaths: inPacket,
      markers: markerLines(text),
      objects: objectUses(text),
    };
    queue.push(...inPacket);
  }
  return {
    name: descriptor.name,
    version: descriptor.version,
    title: descriptor.title,
    manifestSha256: identity.manifestSha256,
    // The signature file by its name in the packet, not by where this checkout lies.
    signer: describeSignature({ ...identity.signature, file: basename(identity.signature.file) }),
    descriptor,
    manifest: manifest.map((m) => ({ path: m.path, sha256: m.sha256 })),
    files,
  };
}
