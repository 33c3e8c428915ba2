/** The audit trail of a closed run (the seal of its log, its anchor, its signature). */
import { signRunLog } from '../ssh/sign.js';
import type { SessionClose } from '../runner/run.js';

/** The signing fields of the release options (src/engine/release.ts). */
export interface SealOptions {
  signingKey?: string | undefined;
  signingPassphrase?: (() => string | undefined) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export interface AuditSummary {
  /** The run's id (its log's start record). */
  runId: string;
  /** The chained records file (its head is anchored and signed). */
  records: string;
  head: string;
  /** The anchors file on the target, for mutating runs. */
  anchor?: string;
  signature?: { file: string; key: string };
  /** Why the log is not signed or not anchored. */
  warnings: string[];
}

/** The audit trail of a closed run: its seal, where it was anchored, whether it was signed. */
export async function seal(closed: SessionClose, options: SealOptions): Promise<AuditSummary> {
  const audit: AuditSummary = {
    runId: closed.seal.run,
    records: closed.seal.paths.records,
    head: closed.seal.head,
    warnings: [],
  };
  if (closed.anchor) audit.anchor = closed.anchor.file;
  if (closed.anchorError) audit.warnings.push(`not anchored on the target: ${closed.anchorError}`);
  if (closed.seal.failure !== undefined)
    audit.warnings.push(`unsigned: the log is incomplete (${closed.seal.failure})`);
  else if (options.signingKey === undefined)
    audit.warnings.push(
      'unsigned: no signing key (set ONEROOF_SIGNING_KEY, or have an ssh key in ~/.ssh)',
    );
  else {
    try {
      const passphrase = options.signingPassphrase?.();
      const signed = await signRunLog(closed.seal.paths.records, {
        key: options.signingKey,
        ...(options.env ? { env: options.env } : {}),
        ...(passphrase === undefined ? {} : { passphrase }),
      });
      audit.signature = { file: signed.signature, key: signed.key };
    } catch (error) {
      audit.warnings.push(`unsigned: ${(error as Error).message}`);
    }
  }
  return audit;
}
