/**
 * `oneroof evidence verify DIR`'s engine: the manifest read once (bounded, never through a
 * symlink) and its signature checked over those bytes (./verify-signature.ts); the manifest
 * parsed (./seal-manifest.ts: every path inside the set); every listed file's sha256 and size;
 * every cited log's files, then the log replayed (./seal-log.ts) at the head the set cites; and
 * nothing in the folder that the manifest does not list (no symlink, FIFO or device either).
 * Everything is checked and reported, each file with its result; any problem is TAMPERED.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readCheckedAsync } from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import { describeIssues } from '../runlog/records.js';
import type { SignatureCheck } from '../ssh/sign.js';
import {
  digestFile,
  foldersOf,
  unreadableReason,
  walkSet,
  type Digest,
  type SetEntry,
} from './seal-files.js';
import { checkCitedLog } from './seal-log.js';
import {
  EVIDENCE_MANIFEST,
  EVIDENCE_SIGNATURE,
  MAX_MANIFEST_BYTES,
  evidenceManifestSchema,
  logPaths,
  type EvidenceFileEntry,
  type EvidenceManifest,
} from './seal-manifest.js';
import { checkManifestSignature } from './verify-signature.js';
import {
  judgeEvidence,
  type EvidenceFileResult,
  type EvidenceLogResult,
  type EvidenceReport,
  type EvidenceProblem,
} from './verify-report.js';

export interface VerifyOptions {
  dir: string;
  /** ssh-keygen allowed-signers file: demands a signature by one of its principals. */
  allowedSigners?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export async function verifyEvidence(options: VerifyOptions): Promise<EvidenceReport> {
  const root = resolve(options.dir);
  const env = options.env ?? process.env;
  await requireFolder(root);
  const problems: EvidenceProblem[] = [];
  const manifestPath = join(root, EVIDENCE_MANIFEST);

  let bytes: Buffer | undefined;
  try {
    bytes = await readCheckedAsync(manifestPath, {
      what: 'evidence manifest',
      maxBytes: MAX_MANIFEST_BYTES,
      noFollow: true,
      kind: 'integrity',
    });
  } catch (error) {
    problems.push({
      file: EVIDENCE_MANIFEST,
      reason:
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'missing: not a sealed evidence set, or its manifest was removed'
          : (error as Error).message.replace(`${manifestPath}: `, ''),
    });
  }
  const signature: SignatureCheck = bytes
    ? await checkManifestSignature(
        bytes,
        join(root, EVIDENCE_SIGNATURE),
        options.allowedSigners,
        env,
      )
    : {
        status: 'error',
        file: join(root, EVIDENCE_SIGNATURE),
        allowedSigners: options.allowedSigners ?? null,
        detail: 'not checked: no manifest to check it over',
      };
  const manifest = bytes === undefined ? undefined : parseManifest(bytes, problems);
  const entries = await walkSet(root);
  const files: EvidenceFileResult[] = [];
  const logs: EvidenceLogResult[] = [];
  if (manifest) {
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const file of manifest.files) files.push(await checkFile(root, file, 'document', byPath));
    for (const log of manifest.logs) {
      const own = [
        await checkFile(root, log.log, 'log', byPath),
        await checkFile(root, log.jsonl, 'records', byPath),
        ...(log.signature ? [await checkFile(root, log.signature, 'log-signature', byPath)] : []),
      ];
      files.push(...own);
      logs.push(await checkLog(root, log, own, env));
    }
    files.push(...unlisted(entries, manifest));
  }
  // Without a manifest nothing else can be judged: the report says so, not every file again.
  for (const file of files)
    if (file.status !== 'ok')
      problems.push({ file: file.path, reason: file.detail ?? file.status });
  for (const log of logs)
    if (log.status !== 'intact' && !problems.some((p) => p.file === log.log))
      problems.push({ file: log.log, reason: log.detail ?? log.status });

  return judgeEvidence({
    root,
    manifest,
    manifestSha256: bytes ? createHash('sha256').update(bytes).digest('hex') : null,
    signature,
    allowedSigners: options.allowedSigners,
    files,
    logs,
    problems,
  });
}

async function requireFolder(root: string): Promise<void> {
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new OneroofError('usage', `${root}: cannot be read (${error.code ?? String(error)})`, {
      hint: 'name the folder of an evidence set (the one holding evidence-manifest.json)',
    });
  });
  if (!info.isDirectory())
    throw new OneroofError('usage', `${root}: not a folder`, {
      hint: 'name the folder of an evidence set (the one holding evidence-manifest.json)',
    });
}

function parseManifest(bytes: Buffer, problems: EvidenceProblem[]): EvidenceManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    problems.push({ file: EVIDENCE_MANIFEST, reason: `not JSON: ${(error as Error).message}` });
    return undefined;
  }
  const parsed = evidenceManifestSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push({
    file: EVIDENCE_MANIFEST,
    reason: `not an evidence manifest: ${describeIssues(parsed.error)}`,
  });
  return undefined;
}

async function checkFile(
  root: string,
  entry: EvidenceFileEntry,
  kind: EvidenceFileResult['kind'],
  byPath: Map<string, SetEntry>,
): Promise<EvidenceFileResult> {
  const expected = { sha256: entry.sha256, size: entry.size };
  const base = { path: entry.path, kind, expected };
  const found = byPath.get(entry.path);
  // Only a file the walk saw as a regular file (so no folder on its way is a symlink) is read.
  if (found === undefined) {
    const linked = [...foldersOf([entry.path])].find(
      (folder) => byPath.get(folder)?.type === 'symlink',
    );
    return {
      ...base,
      status: 'missing',
      detail: linked
        ? `its folder ${linked} is a symlink (to ${byPath.get(linked)?.detail ?? '?'}): not followed`
        : 'missing: it was removed from the set',
    };
  }
  if (found.type !== 'file')
    return { ...base, status: 'not-a-file', detail: `${describeEntry(found)}, not a regular file` };
  let actual: Digest;
  try {
    actual = await digestFile(root, entry.path);
  } catch (error) {
    return { ...base, status: 'missing', detail: unreadableReason(error) };
  }
  if (actual.sha256 === entry.sha256 && actual.size === entry.size)
    return { ...base, status: 'ok', actual };
  return {
    ...base,
    status: 'altered',
    actual,
    detail: `altered: sha256 ${actual.sha256} (${actual.size} bytes), the manifest says ${entry.sha256} (${entry.size} bytes)`,
  };
}

async function checkLog(
  root: string,
  log: EvidenceManifest['logs'][number],
  own: EvidenceFileResult[],
  env: NodeJS.ProcessEnv,
): Promise<EvidenceLogResult> {
  const base = { runId: log.runId, log: log.log.path, head: log.head, records: log.records };
  const missing = own.find((f) => f.status === 'missing' || f.status === 'not-a-file');
  if (missing)
    return {
      ...base,
      status: 'missing',
      detail:
        `the cited log of run ${log.runId} is incomplete: ${missing.path} ${missing.detail ?? ''}`.trim(),
    };
  const checked = await checkCitedLog(join(root, log.log.path), log, env);
  if (checked.ok) return { ...base, status: 'intact', summary: checked.summary };
  const altered = own.filter((f) => f.status === 'altered').map((f) => f.path);
  return {
    ...base,
    status: 'tampered',
    detail: `the cited log of run ${log.runId} ${checked.reason}${altered.length ? ` (altered: ${altered.join(', ')})` : ''}`,
  };
}

function notManifest(entry: SetEntry): boolean {
  return entry.path !== EVIDENCE_MANIFEST && entry.path !== EVIDENCE_SIGNATURE;
}

/** What the folder holds that the manifest does not list (folders on a listed path aside). */
function unlisted(entries: SetEntry[], manifest: EvidenceManifest): EvidenceFileResult[] {
  const listed = new Set([
    ...manifest.files.map((f) => f.path),
    ...manifest.logs.flatMap(logPaths),
  ]);
  const folders = foldersOf(listed);
  return entries
    .filter(notManifest)
    .filter((e) => !listed.has(e.path) && !(e.type === 'dir' && folders.has(e.path)))
    .map(strayOf);
}

function strayOf(entry: SetEntry): EvidenceFileResult {
  return {
    path: entry.path,
    kind: 'unlisted',
    status: 'unlisted',
    detail: `${describeEntry(entry)} that the manifest does not list: added to the set`,
  };
}

function describeEntry(entry: SetEntry): string {
  switch (entry.type) {
    case 'file':
      return 'a file';
    case 'dir':
      return 'a folder';
    case 'symlink':
      return `a symlink to ${JSON.stringify(entry.detail ?? '?')}`;
    case 'other':
      return entry.detail ?? 'not a regular file';
  }
}
