/**
 * Writes an evidence set: the ten Markdown documents and the one HTML page, into a folder that
 * is absent or empty (nothing is overwritten), and says what the sealer signs: the files, the
 * cited runs' logs and chain heads, the packet's manifest digest.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OneroofError } from '../errors.js';
import { renderMarkdown } from './doc.js';
import { evidenceDocuments } from './documents.js';
import { renderEvidenceHtml } from './html.js';
import type { EvidenceInput } from './input.js';

/** What `oneroof evidence` hands the sealer (src/evidence/seal.ts). */
export interface EvidenceSet {
  dir: string;
  /** Names relative to dir: `01-state-baselines.md` … `10-self-review.md`, `evidence.html`. */
  files: string[];
  citations: { log: string; runId: string; head: string }[];
  /** sha256 of the packet's manifest-sha256.txt. */
  manifestDigest: string;
}

const EVIDENCE_HTML = 'evidence.html';

export async function writeEvidence(dir: string, input: EvidenceInput): Promise<EvidenceSet> {
  const out = resolve(dir);
  await emptyFolder(out);
  const docs = evidenceDocuments(input);
  const files: string[] = [];
  for (const doc of docs) {
    await writeFile(join(out, doc.file), renderMarkdown(doc), { flag: 'wx', mode: 0o644 });
    files.push(doc.file);
  }
  await writeFile(join(out, EVIDENCE_HTML), renderEvidenceHtml(input, docs), {
    flag: 'wx',
    mode: 0o644,
  });
  files.push(EVIDENCE_HTML);
  const citations = [input.preflight, input.status, input.revalidation]
    .filter((r) => r !== undefined)
    .map((r) => ({ log: r.log, runId: r.runId, head: r.head }));
  return { dir: out, files, citations, manifestDigest: input.packet.manifestSha256 };
}

async function emptyFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw new OneroofError('usage', `--out ${dir}: cannot be read (${code ?? String(error)})`);
    await mkdir(dir, { recursive: true });
    return;
  }
  if (entries.length > 0)
    throw new OneroofError(
      'usage',
      `--out ${dir}: not empty (${entries.length} entries); an evidence set is written into a new or empty folder`,
      { hint: 'name another folder, or remove this one after keeping what it holds' },
    );
}
