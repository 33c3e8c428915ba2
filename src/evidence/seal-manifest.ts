/**
 * The manifest of an evidence set (`evidence-manifest.json`, format `oneroof-evidence/1`): every
 * file of the set with its sha256 and size, every cited run log (its run id, the head and length
 * of its records' chain, and the digests of its `.log`, `.jsonl` and `.jsonl.sig`), and the
 * digest of the packet manifest the documents describe. It is signed with the operator's ssh key
 * as `evidence-manifest.json.sig` (namespace `oneroof-evidence`).
 *
 * Every path in it is relative to the set's folder and stays inside it: no `..`, no absolute
 * path, no empty or `.` segment, no backslash, no control character. The cited logs are part of
 * the set (copied into its `logs/` when they were elsewhere), so a set moved to another folder or
 * machine, as a whole, still verifies, and nothing it names can point outside it.
 */
import { z } from 'zod';

export const EVIDENCE_FORMAT = 'oneroof-evidence/1' as const;
export const EVIDENCE_MANIFEST = 'evidence-manifest.json';
export const EVIDENCE_SIGNATURE = `${EVIDENCE_MANIFEST}.sig`;
/** The SSHSIG namespace: neither a run log's nor a packet's signature passes as this one. */
export const EVIDENCE_NAMESPACE = 'oneroof-evidence';
/** Where sealing copies a cited log that lies outside the set. */
export const EVIDENCE_LOG_DIR = 'logs';
/** A manifest of 10 000 files is about 1.5 MiB: anything far larger is not one we wrote. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_FILES = 10_000;
const MAX_LOGS = 1_000;
const MAX_PATH = 1024;

/**
 * Why `path` is not a name inside the set, or undefined when it is one: the one rule for the
 * manifest's entries and for what sealing is given.
 */
export function unsafeSetPath(path: string): string | undefined {
  if (path === '') return 'an empty path';
  if (path.length > MAX_PATH) return `a path longer than ${MAX_PATH} characters`;
  if (path.startsWith('/')) return 'an absolute path';
  if (path.includes('\\')) return 'a backslash (not a separator here)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return 'a control character';
  const segments = path.split('/');
  if (segments.includes('..')) return 'a ".." segment (leaves the set)';
  if (segments.some((s) => s === '' || s === '.')) return 'an empty or "." segment';
  if (segments[0] === EVIDENCE_MANIFEST || segments[0] === EVIDENCE_SIGNATURE)
    return 'the manifest or its signature (they are not listed in themselves)';
  return undefined;
}

const setPath = z.string().superRefine((path, ctx) => {
  const why = unsafeSetPath(path);
  if (why !== undefined)
    ctx.addIssue({ code: 'custom', message: `not a path inside the set: ${why}` });
});
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

const fileEntry = z.strictObject({
  path: setPath,
  sha256,
  size: z.number().int().nonnegative(),
});

const logEntry = z.strictObject({
  runId: z.string().regex(/^[0-9A-Za-z-]{1,100}$/, 'expected a run id (letters, digits, -)'),
  /** The head of the records' hash chain, and how many records it covers. */
  head: sha256,
  records: z.number().int().positive(),
  log: fileEntry,
  jsonl: fileEntry,
  signature: fileEntry.nullable(),
});

export const evidenceManifestSchema = z
  .strictObject({
    format: z.literal(EVIDENCE_FORMAT),
    sealedAt: z.iso.datetime(),
    sealedBy: z.strictObject({ user: z.string().max(256), host: z.string().max(256) }),
    packet: z.strictObject({ manifestSha256: sha256 }),
    files: z.array(fileEntry).max(MAX_FILES),
    logs: z.array(logEntry).max(MAX_LOGS),
  })
  .superRefine((manifest, ctx) => {
    const seen = new Set<string>();
    const paths = [...manifest.files.map((f) => f.path), ...manifest.logs.flatMap(logPaths)];
    for (const path of paths) {
      if (seen.has(path))
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path)} is listed twice` });
      seen.add(path);
    }
    // replay finds a log's files by name: <base>.log, <base>.jsonl, <base>.jsonl.sig.
    manifest.logs.forEach((entry, index) => {
      const base = entry.log.path.replace(/\.log$/, '');
      if (
        !entry.log.path.endsWith('.log') ||
        entry.jsonl.path !== `${base}.jsonl` ||
        (entry.signature !== null && entry.signature.path !== `${base}.jsonl.sig`)
      )
        ctx.addIssue({
          code: 'custom',
          path: ['logs', index],
          message:
            'expected the files <base>.log, <base>.jsonl and <base>.jsonl.sig of one run log',
        });
    });
  });

/** The paths of a cited log's files: its .log, .jsonl and, when signed, .jsonl.sig. */
export function logPaths(entry: {
  log: { path: string };
  jsonl: { path: string };
  signature: { path: string } | null;
}): string[] {
  return [entry.log.path, entry.jsonl.path, ...(entry.signature ? [entry.signature.path] : [])];
}

export type EvidenceManifest = z.infer<typeof evidenceManifestSchema>;
export type EvidenceFileEntry = z.infer<typeof fileEntry>;
export type EvidenceLogEntry = z.infer<typeof logEntry>;
