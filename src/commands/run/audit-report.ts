/** After a run: where the log's proof went (signed with which key, anchored where), or why not. */
import type { Context } from '../context.js';
import type { ReleaseResult } from '../../engine/release.js';
import { describeSignature } from '../../packet/signature.js';

/** Where the log's proof went: signed with which key, anchored where; or why not. */
export function reportAudit(
  ctx: Context,
  result: Pick<ReleaseResult, 'audit' | 'packetSignature'>,
): void {
  const audit = result.audit;
  if (audit === undefined) return;
  const { ui } = ctx;
  if (result.packetSignature) ui.info(`packet ${describeSignature(result.packetSignature)}`);
  if (audit.signature) ui.info(`log signed: ${audit.signature.key} (${audit.signature.file})`);
  if (audit.anchor) ui.info(`log head anchored on the target: ${audit.anchor}`);
  for (const warning of audit.warnings) ui.info(`log ${warning}`);
}
