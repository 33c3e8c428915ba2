/**
 * The packet's integrity: manifest-sha256.txt (sha256sum format, one line per packet file,
 * paths relative to the packet, sorted bytewise, every file but the manifest itself) and, when
 * the packet's descriptor names one (`checksums` in packet.yml), a psql include that hands the
 * same digests to the packet's SQL (which may record and compare them). Both are generated
 * here; a check fails when either is stale. Pure functions first, file I/O at the bottom.
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
/** The checksums include (packet.yml `checksums`): its file, and the folders whose files it lists. */
export interface ChecksumsInclude {
  include: string;
  folders: readonly string[];
}

export interface ManifestEntry {
  /** Relative to sql/, with forward slashes. */
  path: string;
  sha256: string;
}

type DifferenceKind = 'mismatch' | 'missing' | 'extra' | 'stale';

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
/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
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

/** The entries the checksums include lists: those in its folders, itself excepted. */
function checksumsEntries(
  entries: readonly ManifestEntry[],
  checksums: ChecksumsInclude,
): ManifestEntry[] {
  return entries
    .filter(
      (e) =>
        e.path !== checksums.include &&
        checksums.folders.some((folder) => e.path.startsWith(folder)),
    )
    .sort((a, b) => comparePaths(a.path, b.path));
}

/** The checksums include: one psql variable, oneroof_checksums, a JSON object path -> sha256. */
export function formatChecksumsInclude(
  entries: readonly ManifestEntry[],
  checksums: ChecksumsInclude,
): string {
  const listed = checksumsEntries(entries, checksums);
  for (const e of listed) {
    if (!SAFE_PATH.test(e.path))
      throw new ManifestError(`${e.path}: a packet path must be plain (letters, digits, _ . - /)`);
  }
  const json = JSON.stringify(Object.fromEntries(listed.map((e) => [e.path, e.sha256])));
  return [
    `-- ${checksums.include} — GENERATED by \`oneroof manifest write\`; do not edit.`,
    `-- sha256 of every file in ${checksums.folders.join(' and ')} (this one excepted): the same`,
    `-- digests as ${MANIFEST_FILE}, for the packet's SQL to record and compare (packet.yml,`,
    '-- `checksums`). `oneroof manifest check` fails when this file is stale.',
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
/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
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

/** Every packet file's digest; with `keep`, its bytes as read too (by path relative to sqlDir). */
export async function hashPacket(
  sqlDir: string,
  keep?: Map<string, Buffer>,
): Promise<ManifestEntry[]> {
  const paths = await listPacketFiles(sqlDir);
  return Promise.all(
    paths.map(async (path) => {
      const bytes = await readCheckedAsync(join(sqlDir, path), PACKET_FILE);
      keep?.set(path, bytes);
      return { path, sha256: sha256Hex(bytes) };
    }),
  );
}

export interface WriteResult {
  entries: ManifestEntry[];
  checksumsChanged: boolean;
  manifestChanged: boolean;
  /** The manifest changed and its old signature was removed: it signed another manifest. */
  signatureRemoved: boolean;
}

/** Regenerates the checksums include if any (from the other files), then the manifest (over all). */
export async function writeManifest(
  sqlDir: string,
  checksums?: ChecksumsInclude,
): Promise<WriteResult> {
  let checksumsChanged = false;
  if (checksums !== undefined) {
    const include = formatChecksumsInclude(await hashPacket(sqlDir), checksums);
    const includePath = join(sqlDir, checksums.include);
    const oldInclude = await readFile(includePath, 'utf8').catch(() => undefined);
    checksumsChanged = oldInclude !== include;
    if (checksumsChanged) await writeFile(includePath, include);
  }
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
    checksumsChanged,
    manifestChanged: oldManifest !== manifest,
    signatureRemoved,
  };
}

/** Every difference between the manifest and the disk, and a stale checksums include. */
export async function checkManifest(
  sqlDir: string,
  checksums?: ChecksumsInclude,
  keep?: Map<string, Buffer>,
): Promise<Difference[]> {
  let text: string;
  try {
    text = await readCheckedText(join(sqlDir, MANIFEST_FILE), MANIFEST_FILE_KIND);
  } catch (error) {
    if (error instanceof OneroofError) throw error;
    throw new ManifestError(
      `${join(sqlDir, MANIFEST_FILE)}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const actual = await hashPacket(sqlDir, keep);
  const differences = compareManifest(parseManifest(text), actual);
  if (checksums === undefined) return differences;
  const regenerated = formatChecksumsInclude(actual, checksums);
  const onDisk = actual.find((e) => e.path === checksums.include);
  const wanted = sha256Hex(regenerated);
  if (onDisk?.sha256 !== wanted) {
    differences.push({
      path: checksums.include,
      kind: 'stale',
      expected: wanted,
      actual: onDisk?.sha256,
    });
  }
  return differences;
}
