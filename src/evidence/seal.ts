/**
 * Sealing an evidence set: its manifest (./seal-manifest.ts) written beside the documents and
 * signed with the operator's ssh key (`ssh-keygen -Y sign -n oneroof-evidence`, the one signing
 * path: src/ssh/sign.ts). Each cited run log becomes part of the set — copied into `logs/` when
 * it lies elsewhere — and is replayed there before it is listed: a log that does not replay
 * intact, or is not at the head the documents cite, is never sealed. Anything else in the folder
 * is refused, so a freshly sealed set always verifies (`oneroof evidence verify DIR`).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { locateRunLog } from '../audit/files.js';
import { OneroofError } from '../errors.js';
import { whoAmI } from '../local/who.js';
import { describeIssues } from '../runlog/records.js';
import { signFile } from '../ssh/sign.js';
import type { SealOptions } from '../engine/seal.js';
import { digestFile, foldersOf, unreadableReason, walkSet } from './seal-files.js';
import { checkCitedLog } from './seal-log.js';
import {
  EVIDENCE_FORMAT,
  EVIDENCE_LOG_DIR,
  EVIDENCE_MANIFEST,
  EVIDENCE_NAMESPACE,
  EVIDENCE_SIGNATURE,
  evidenceManifestSchema,
  logPaths,
  unsafeSetPath,
  type EvidenceFileEntry,
  type EvidenceLogEntry,
  type EvidenceManifest,
} from './seal-manifest.js';

export type { SealOptions } from '../engine/seal.js';

export interface EvidenceSet {
  dir: string;
  /** Names relative to dir. */
  files: string[];
  citations: {
    /** Path of the cited run's .log. */
    log: string;
    runId: string;
    /** The cited run's records chain head. */
    head: string;
  }[];
  /** The packet manifest's sha256. */
  manifestDigest: string;
}

export interface EvidenceSeal {
  /** Path of the written manifest. */
  manifest: string;
  signature?: string;
  warnings: string[];
}

export async function sealEvidence(set: EvidenceSet, options: SealOptions): Promise<EvidenceSeal> {
  const root = await realpath(resolve(set.dir));
  const env = options.env ?? process.env;
  const logs: EvidenceLogEntry[] = [];
  for (const citation of set.citations) logs.push(await citeLog(root, citation, env));
  // A cited log's files that lie in the set are listed as the log's, not as documents.
  const ofLogs = new Set(logs.flatMap(logPaths));
  const files: EvidenceFileEntry[] = [];
  for (const path of [...new Set(set.files)].sort())
    if (!ofLogs.has(path)) files.push(await entry(root, path));

  await refuseStrays(root, [...files.map((f) => f.path), ...ofLogs]);
  const manifest: EvidenceManifest = {
    format: EVIDENCE_FORMAT,
    sealedAt: new Date().toISOString(),
    sealedBy: whoAmI(),
    packet: { manifestSha256: set.manifestDigest },
    files,
    logs,
  };
  // What verify will read: a manifest it would refuse is never written.
  const valid = evidenceManifestSchema.safeParse(manifest);
  if (!valid.success)
    throw new OneroofError(
      'integrity',
      `cannot seal ${root}: the manifest would not be valid: ${describeIssues(valid.error)}`,
    );
  const manifestPath = join(root, EVIDENCE_MANIFEST);
  const signaturePath = join(root, EVIDENCE_SIGNATURE);
  // A signature of an earlier manifest would no longer match: it goes before the new one comes.
  await rm(signaturePath, { force: true });
  await replaceFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const sealed: EvidenceSeal = { manifest: manifestPath, warnings: [] };
  if (options.signingKey === undefined) {
    sealed.warnings.push(
      'unsigned: no signing key (set ONEROOF_SIGNING_KEY, or have an ssh key in ~/.ssh)',
    );
    return sealed;
  }
  try {
    const passphrase = options.signingPassphrase?.();
    await signFile(manifestPath, signaturePath, EVIDENCE_NAMESPACE, {
      key: options.signingKey,
      env,
      ...(passphrase === undefined ? {} : { passphrase }),
    });
    sealed.signature = signaturePath;
  } catch (error) {
    sealed.warnings.push(`unsigned: ${(error as Error).message}`);
  }
  return sealed;
}

async function entry(root: string, path: string): Promise<EvidenceFileEntry> {
  const why = unsafeSetPath(path);
  if (why !== undefined)
    throw new OneroofError(
      'usage',
      `evidence set ${root}: ${JSON.stringify(path)} is not a file of the set: ${why}`,
    );
  await refuseLinkedParents(root, path);
  try {
    return { path, ...(await digestFile(root, path)) };
  } catch (error) {
    throw new OneroofError(
      'usage',
      `evidence set ${root}: ${path}: ${unreadableReason(error)}, so it cannot be sealed`,
      { cause: error },
    );
  }
}

/** No folder on the way to a listed file may be a symlink (out of the set, or anywhere). */
async function refuseLinkedParents(root: string, path: string): Promise<void> {
  const segments = path.split('/').slice(0, -1);
  for (let i = 1; i <= segments.length; i++) {
    const folder = segments.slice(0, i).join('/');
    const info = await lstat(join(root, folder)).catch(() => undefined);
    if (info?.isSymbolicLink())
      throw new OneroofError(
        'usage',
        `evidence set ${root}: ${folder} is a symlink: a set holds its files itself`,
      );
  }
}

/**
 * The cited log's files inside the set — where they are, when the .log lies in it; else
 * copied into logs/ (never over a different file) — replayed there, and listed.
 */
async function citeLog(
  root: string,
  citation: EvidenceSet['citations'][number],
  env: NodeJS.ProcessEnv,
): Promise<EvidenceLogEntry> {
  const found = locateRunLog(resolve(citation.log));
  if (found.records === undefined)
    throw new OneroofError(
      'integrity',
      `cannot seal: the cited log ${found.log} has no records file (.jsonl): a log made by hand proves nothing`,
    );
  const sources = [found.log, found.records, ...(found.signature ? [found.signature] : [])];
  const real = await realpath(found.log);
  const inside = real.startsWith(`${root}${sep}`);
  let names: string[];
  if (inside)
    names = await Promise.all(sources.map(async (s) => relative(root, await realpath(s))));
  else {
    await mkdir(join(root, EVIDENCE_LOG_DIR), { recursive: true });
    const folder = await lstat(join(root, EVIDENCE_LOG_DIR));
    if (!folder.isDirectory())
      throw new OneroofError(
        'usage',
        `evidence set ${root}: ${EVIDENCE_LOG_DIR} is not a folder (it is where cited logs go)`,
      );
    names = sources.map((s) => `${EVIDENCE_LOG_DIR}/${basename(s)}`);
    for (const [i, source] of sources.entries()) await copyInto(root, source, names[i]!);
  }
  const [log, jsonl, signature] = names.map((n) => n.split(sep).join('/'));
  const checked = await checkCitedLog(join(root, log!), citation, env);
  if (!checked.ok)
    throw new OneroofError(
      'integrity',
      `cannot seal: the cited log ${found.log} ${checked.reason}`,
    );
  return {
    runId: citation.runId,
    head: checked.head,
    records: checked.records,
    log: await entry(root, log!),
    jsonl: await entry(root, jsonl!),
    signature: signature === undefined ? null : await entry(root, signature),
  };
}

/** `source` at `root/name`, unless the same bytes are there already; never over other bytes. */
async function copyInto(root: string, source: string, name: string): Promise<void> {
  const target = join(root, name);
  try {
    await copyFile(source, target, constants.COPYFILE_EXCL);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const [there, here] = await Promise.all([
    digestFile(root, name).catch(() => undefined),
    digestFile('/', source),
  ]);
  if (there?.sha256 !== here.sha256)
    throw new OneroofError(
      'usage',
      `evidence set ${root}: ${name} already exists and is not a copy of ${source}; it was left as it is`,
    );
}

/** Anything in the folder that the set would not list would make it fail to verify. */
async function refuseStrays(root: string, listed: string[]): Promise<void> {
  const known = new Set([...listed, EVIDENCE_MANIFEST, EVIDENCE_SIGNATURE]);
  const folders = foldersOf(listed);
  const strays = (await walkSet(root)).filter(
    (e) => !known.has(e.path) && !(e.type === 'dir' && folders.has(e.path)),
  );
  if (strays.length > 0)
    throw new OneroofError(
      'usage',
      `evidence set ${root} holds what is neither a document of the set nor a cited log: ${strays
        .slice(0, 10)
        .map((e) => `${e.path}${e.type === 'file' ? '' : ` (${e.type})`}`)
        .join(', ')}`,
      { hint: 'build the set in a folder of its own, or remove those' },
    );
}

/** Writes `text` to `path` through a fresh temporary name and rename(2) (never through a symlink). */
async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx', mode: 0o644 });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}
