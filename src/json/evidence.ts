/** `oneroof evidence --json` (the set written) and `oneroof evidence verify DIR --json`. */
import { z } from 'zod';
import type { EvidenceSet } from '../evidence/build.js';
import type { EvidenceSeal } from '../evidence/seal.js';
import { count, document, iso, nul } from './define.js';
import { signatureCheck, who } from './parts.js';

const citation = z.object({ log: z.string(), runId: z.string(), head: z.string() });

export const evidenceDocument = document('evidence', 1, {
  dir: z.string(),
  files: z.array(z.string()),
  citations: z.array(citation),
  /** sha256 of the packet's manifest-sha256.txt. */
  manifestSha256: z.string(),
  seal: z.object({
    manifest: z.string(),
    signature: nul(z.string()),
    warnings: z.array(z.string()),
  }),
  durationMs: count,
});

/** The set as its document: the packet manifest's digest by the name every command gives it. */
export function evidenceBody(
  set: EvidenceSet,
  seal: EvidenceSeal,
  durationMs: number,
): Omit<z.input<typeof evidenceDocument>, 'schema'> {
  const { manifestDigest, ...rest } = set;
  return { ...rest, manifestSha256: manifestDigest, seal, durationMs };
}

const digest = z.object({ sha256: z.string(), size: count });

export const evidenceVerifyDocument = document('evidence-verify', 1, {
  evidence: z.object({ format: z.literal('oneroof-evidence-verify/1'), dir: z.string() }),
  verdict: z.enum(['verified', 'signed', 'unsigned', 'tampered']),
  summary: z.string(),
  manifest: z.object({
    file: z.string(),
    sha256: nul(z.string()),
    sealedAt: nul(iso),
    sealedBy: nul(who),
  }),
  packet: nul(z.object({ manifestSha256: z.string() })),
  signature: signatureCheck,
  files: z.array(
    z.object({
      path: z.string(),
      kind: z.enum(['document', 'log', 'records', 'log-signature', 'unlisted']),
      status: z.enum(['ok', 'altered', 'missing', 'not-a-file', 'unlisted']),
      expected: nul(digest),
      actual: nul(digest),
      detail: nul(z.string()),
    }),
  ),
  logs: z.array(
    z.object({
      runId: z.string(),
      log: z.string(),
      head: z.string(),
      records: count,
      status: z.enum(['intact', 'missing', 'tampered']),
      summary: nul(z.string()),
      detail: nul(z.string()),
    }),
  ),
  problems: z.array(z.object({ file: z.string(), reason: z.string() })),
});
