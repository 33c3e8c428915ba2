/**
 * The packet's integrity: sql/manifest-sha256.txt (sha256sum format, one line per packet file,
 * paths relative to sql/, sorted bytewise, every file but the manifest itself) and the psql
 * include sql/prod/_checksums.sql that hands the same digests to the tiers (they record them in
 * governance.ledger; the preflight and the verify suite compare). Both are generated here; a
 * check fails when either is stale. Pure functions first, file I/O at the bottom.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MANIFEST_FILE_KIND,
  PACKET_FILE,
  readCheckedAsync,
  readCheckedText,
} from '../bounded-file.js';
import { OneroofError } from '../errors.js';

export const MANIFEST_FILE = 'manifest-sha256.txt';
/** The manifest's ssh signature (src/packet/signature.ts): it signs the manifest, so it is not in it. */
export const SIGNATURE_FILE = `${MANIFEST_FILE}.sig`;
export const CHECKSUMS_INCLUDE = 'prod/_checksums.sql';
/** The folders whose files the checksums include lists (what the SQL records and compares). */
const CHECKSUMS_FOLDERS = ['prod/', 'prod_verify/'] as const;

export interface ManifestEntry {
  /** Relative to sql/, with forward slashes. */
  path: string;
  sha256: string;
}

export type DifferenceKind = 'mismatch' | 'missing' | 'extra' | 'stale';

export interface Difference {
  path: string;
  kind: DifferenceKind;
  /** What the manifest says (for `stale`: what the regenerated include would hash to). */
  expected: string | undefined;
  /** What the file on disk hashes to; undefined when the file is absent. */
  actual: string | undefined;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Paths that may appear in the manifest and in a psql \set literal: no quotes, no spaces. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;
const LINE = /^([0-9a-f]{64}) [ *](.+)$/;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Bytewise order (as `LC_ALL=C sort`); the paths are ASCII. */
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `<sha256>  <path>` lines, sorted, newline-terminated: what `sha256sum` prints and `-c` reads. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return [...entries]
    .sort((a, b) => comparePaths(a.path, b.path))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join('');
}

export function parseManifest(text: string, source = MANIFEST_FILE): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const match = LINE.exec(line);
    if (!match) {
      throw new ManifestError(
        `${source}:${index + 1}: expected "<64 hex digits>  <path>", got ${JSON.stringify(line)}`,
      );
    }
    const path = match[2]!;
    if (seen.has(path)) throw new ManifestError(`${source}:${index + 1}: ${path} listed twice`);
    seen.add(path);
    entries.push({ path, sha256: match[1]! });
  });
  return entries;
}

/** Every difference between what the manifest records and what is on disk, in path order. */
export function compareManifest(
  recorded: readonly ManifestEntry[],
  actual: readonly ManifestEntry[],
): Difference[] {
  const want = new Map(recorded.map((e) => [e.path, e.sha256]));
  const have = new Map(actual.map((e) => [e.path, e.sha256]));
  const paths = [...new Set([...want.keys(), ...have.keys()])].sort(comparePaths);
  const differences: Difference[] = [];
  for (const path of paths) {
    const expected = want.get(path);
    const found = have.get(path);
    if (expected === found) continue;
    const kind: DifferenceKind =
      expected === undefined ? 'extra' : found === undefined ? 'missing' : 'mismatch';
    differences.push({ path, kind, expected, actual: found });
  }
  return differences;
}

/** The entries the checksums include lists: sql/prod/ and sql/prod_verify/, itself excepted. */
function checksumsEntries(entries: readonly ManifestEntry[]): ManifestEntry[] {
  return entries
    .filter(
      (e) =>
        e.path !== CHECKSUMS_INCLUDE &&
        CHECKSUMS_FOLDERS.some((folder) => e.path.startsWith(folder)),
    )
    .sort((a, b) => comparePaths(a.path, b.path));
}

/** sql/prod/_checksums.sql: one psql variable, oneroof_checksums, a JSON object path -> sha256. */
export function formatChecksumsInclude(entries: readonly ManifestEntry[]): string {
  const listed = checksumsEntries(entries);
  for (const e of listed) {
    if (!SAFE_PATH.test(e.path))
      throw new ManifestError(`${e.path}: a packet path must be plain (letters, digits, _ . - /)`);
  }
  const json = JSON.stringify(Object.fromEntries(listed.map((e) => [e.path, e.sha256])));
  return [
    '-- sql/prod/_checksums.sql — GENERATED by `oneroof manifest write`; do not edit.',
    '-- sha256 of every file in sql/prod/ and sql/prod_verify/ (this one excepted): the same digests',
    '-- as sql/manifest-sha256.txt. The tiers record them in governance.ledger; 00_preflight.sql and',
    '-- 90_verify.sql compare the ledger with them. `oneroof manifest check` fails when this',
    '-- file is stale.',
    'SET client_min_messages = notice;',
    `\\set oneroof_checksums '${json}'`,
    '',
  ].join('\n');
}

/** One line per difference, naming the file and both digests. */
export function describeDifference(d: Difference): string {
  const show = (digest: string | undefined) => digest ?? '(absent)';
  if (d.kind === 'stale') {
    return `stale     ${d.path}: regenerated ${show(d.expected)}, file ${show(d.actual)} (run: oneroof manifest write)`;
  }
  return `${d.kind.padEnd(9)} ${d.path}: manifest ${show(d.expected)}, file ${show(d.actual)}`;
}

// ------------------------------------------------------------------------------------------
// The packet on disk.
// ------------------------------------------------------------------------------------------

/** Every packet file under sqlDir (relative, sorted), except the manifest, its signature and dot files. */
export async function listPacketFiles(sqlDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(sqlDir, relative), { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (path === SIGNATURE_FILE) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && path !== MANIFEST_FILE) found.push(path);
      else if (!entry.isFile() && !entry.isDirectory())
        throw new ManifestError(`${path}: not a regular file (a packet holds files only)`);
    }
  };
  await walk('');
  return found.sort(comparePaths);
}

export async function hashPacket(sqlDir: string): Promise<ManifestEntry[]> {
  const paths = await listPacketFiles(sqlDir);
  return Promise.all(
    paths.map(async (path) => ({
      path,
      sha256: sha256Hex(await readCheckedAsync(join(sqlDir, path), PACKET_FILE)),
    })),
  );
}

export interface WriteResult {
  entries: ManifestEntry[];
  checksumsChanged: boolean;
  manifestChanged: boolean;
  /** The manifest changed and its old signature was removed: it signed another manifest. */
  signatureRemoved: boolean;
}

/** Regenerates the checksums include (from the other files), then the manifest (over all). */
export async function writeManifest(sqlDir: string): Promise<WriteResult> {
  const include = formatChecksumsInclude(await hashPacket(sqlDir));
  const includePath = join(sqlDir, CHECKSUMS_INCLUDE);
  const oldInclude = await readFile(includePath, 'utf8').catch(() => undefined);
  if (oldInclude !== include) await writeFile(includePath, include);
  const entries = await hashPacket(sqlDir);
  const manifest = formatManifest(entries);
  const manifestPath = join(sqlDir, MANIFEST_FILE);
  const oldManifest = await readFile(manifestPath, 'utf8').catch(() => undefined);
  let signatureRemoved = false;
  if (oldManifest !== manifest) {
    await writeFile(manifestPath, manifest);
    // A signature of the old manifest would only fail later, less clearly: remove it now.
    // (Not a folder of that name: that is someone else's doing, and the check names it.)
    signatureRemoved = await unlink(join(sqlDir, SIGNATURE_FILE)).then(
      () => true,
      () => false,
    );
  }
  return {
    entries,
    checksumsChanged: oldInclude !== include,
    manifestChanged: oldManifest !== manifest,
    signatureRemoved,
  };
}

/** Every difference between the manifest and the disk, and a stale checksums include. */
export async function checkManifest(sqlDir: string): Promise<Difference[]> {
  let text: string;
  try {
    text = await readCheckedText(join(sqlDir, MANIFEST_FILE), MANIFEST_FILE_KIND);
  } catch (error) {
    if (error instanceof OneroofError) throw error;
    throw new ManifestError(
      `${join(sqlDir, MANIFEST_FILE)}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const actual = await hashPacket(sqlDir);
  const differences = compareManifest(parseManifest(text), actual);
  const regenerated = formatChecksumsInclude(actual);
  const onDisk = actual.find((e) => e.path === CHECKSUMS_INCLUDE);
  const wanted = sha256Hex(regenerated);
  if (onDisk?.sha256 !== wanted) {
    differences.push({
      path: CHECKSUMS_INCLUDE,
      kind: 'stale',
      expected: wanted,
      actual: onDisk?.sha256,
    });
  }
  return differences;
}
