/**
 * What `oneroof evidence verify` found: one document for the human text and `--json` — the
 * verdict, the signature, each file with its result, each cited log with its replay — and the
 * verdict's one rule: any problem is TAMPERED (exit 5); else VERIFIED (signed by a principal of
 * the allowed-signers file), SIGNED (valid, signer not checked) or UNSIGNED (nothing proves the
 * manifest itself untouched; exit 5 too when an allowed-signers file demands a signature).
 */
import { signedVerdict } from '../audit/integrity.js';
import type { SignatureCheck } from '../ssh/sign.js';
import type { Digest } from './seal-files.js';
import { EVIDENCE_MANIFEST, EVIDENCE_SIGNATURE, type EvidenceManifest } from './seal-manifest.js';

export interface EvidenceProblem {
  /** Relative to the set. */
  file: string;
  reason: string;
}

export interface EvidenceFileResult {
  path: string;
  kind: 'document' | 'log' | 'records' | 'log-signature' | 'unlisted';
  status: 'ok' | 'altered' | 'missing' | 'not-a-file' | 'unlisted';
  expected?: Digest;
  actual?: Digest;
  detail?: string;
}

export interface EvidenceLogResult {
  runId: string;
  /** The .log, relative to the set. */
  log: string;
  head: string;
  records: number;
  status: 'intact' | 'missing' | 'tampered';
  /** The replay's integrity summary, when intact. */
  summary?: string;
  detail?: string;
}

export interface EvidenceReport {
  evidence: { format: 'oneroof-evidence-verify/1'; dir: string };
  verdict: 'verified' | 'signed' | 'unsigned' | 'tampered';
  summary: string;
  manifest: {
    file: string;
    sha256: string | null;
    sealedAt: string | null;
    sealedBy: { user: string; host: string } | null;
  };
  packet: { manifestSha256: string } | null;
  signature: SignatureCheck;
  files: EvidenceFileResult[];
  logs: EvidenceLogResult[];
  problems: EvidenceProblem[];
}

export function judgeEvidence(input: {
  root: string;
  manifest: EvidenceManifest | undefined;
  manifestSha256: string | null;
  signature: SignatureCheck;
  allowedSigners: string | undefined;
  files: EvidenceFileResult[];
  logs: EvidenceLogResult[];
  problems: EvidenceProblem[];
}): EvidenceReport {
  const { signature, manifest } = input;
  const problems: EvidenceProblem[] = [];
  const signatureFile = EVIDENCE_SIGNATURE;
  if (signature.status === 'invalid' || signature.status === 'error')
    problems.push({
      file: signatureFile,
      reason: `the signature does not verify: ${signature.detail ?? signature.status}`,
    });
  else if (signature.status === 'not-allowed')
    problems.push({
      file: signatureFile,
      reason: `signed by ${signature.key ?? '?'}, a key ${signature.allowedSigners ?? '?'} does not allow for evidence sets${signature.detail ? ` (${signature.detail})` : ''}`,
    });
  else if (signature.status === 'missing' && input.allowedSigners !== undefined)
    problems.push({
      file: signatureFile,
      reason: `missing: the set is unsigned, and ${input.allowedSigners} demands a signature`,
    });
  problems.push(...input.problems);

  const verdict = signedVerdict(problems.length > 0, signature);
  const documents = input.files.filter((f) => f.kind === 'document').length;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const intact = `${count(documents, 'document')} and ${count(input.logs.length, 'cited log')} match the manifest; every cited log replays intact`;
  const summary = {
    tampered: `TAMPERED: ${problems.map((p) => `${p.file}: ${p.reason}`).join('; ')}`,
    verified: `VERIFIED: ${intact}; signed by ${signature.principal} (${signature.key})`,
    signed: `SIGNED (signer not checked: pass --allowed-signers): ${intact}; signed by ${signature.key}`,
    unsigned: `UNSIGNED: ${intact}, but the manifest has no signature: whoever can write the set could have rewritten it whole`,
  }[verdict];
  return {
    evidence: { format: 'oneroof-evidence-verify/1', dir: input.root },
    verdict,
    summary,
    manifest: {
      file: `${input.root}/${EVIDENCE_MANIFEST}`,
      sha256: input.manifestSha256,
      sealedAt: manifest?.sealedAt ?? null,
      sealedBy: manifest?.sealedBy ?? null,
    },
    packet: manifest ? manifest.packet : null,
    signature,
    files: input.files,
    logs: input.logs,
    problems,
  };
}
