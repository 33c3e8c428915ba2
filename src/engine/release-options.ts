/**
 * A release run's options, checked before anything is contacted: which commands only read, the
 * APR code (oneroof's token rule and the packet's gate), the rollback scope, --dry-run and
 * --wait, as the psql variables the packet's entry file reads. A mistake is a usage error (exit 2).
 */
import { OneroofError } from '../errors.js';
import { APR_CODE } from '../inventory/identifiers.js';
import type { PacketDescriptor } from '../contract/schema.js';
import { rollbackTiers } from '../contract/summary.js';
import { quoteInput } from '../safe-text.js';
import { LOCK_WAIT_VARIABLE, lockWaitValue } from './lock.js';
import type { ReleaseCommand, ReleaseOptions } from './result.js';

export const READ_ONLY: Record<ReleaseCommand, boolean> = {
  preflight: true,
  apply: false,
  verify: true,
  rollback: false,
  status: true,
  // It runs the structure DDL, as the apply role, in one transaction it rolls back.
  revalidate: false,
};

/** --wait: whole seconds, 1 to 24 hours. */
const MAX_WAIT_SECONDS = 86_400;

/** An approval code: oneroof's plain-token rule, then the packet's gate pattern when known. */
export function validateApr(code: string, flag = '--apr', gate?: PacketDescriptor['gate']): string {
  if (!APR_CODE.pattern.test(code))
    throw new OneroofError(
      'usage',
      `${flag}: expected ${APR_CODE.expected}, got ${quoteInput(code)}`,
    );
  if (gate !== undefined && !new RegExp(gate.pattern, 'u').test(code))
    throw new OneroofError(
      'usage',
      `${flag}: expected a code matching ${quoteInput(gate.pattern)} (the packet's gate, e.g. ${quoteInput(gate.example)}), got ${quoteInput(code)}`,
    );
  return code;
}

export function validate(
  command: ReleaseCommand,
  options: ReleaseOptions,
  d: PacketDescriptor,
): Record<string, string> {
  const variables: Record<string, string> = {};
  if (command === 'apply' && options.apr === undefined)
    throw new OneroofError(
      'usage',
      'apply needs --apr CODE: the ratified approval that opens the gate',
    );
  if (options.apr !== undefined)
    variables[d.gate.variable] = validateApr(options.apr, '--apr', d.gate);
  if (options.dryRun) {
    if (command !== 'apply') throw new OneroofError('usage', '--dry-run is for apply only');
    variables[d.variables.dry_run] = 'on';
  }
  if (command === 'revalidate') checkRevalidate(options, d);
  if (command === 'rollback') {
    const scope = options.rollback;
    if (scope === undefined) throw new OneroofError('usage', 'rollback needs --full or --tier N');
    if (scope !== 'full') {
      const allowed = rollbackTiers(d);
      const tier = d.tiers.find((t) => t.tier === scope);
      if (!allowed.includes(scope))
        throw new OneroofError(
          'usage',
          `--tier: expected one of ${allowed.join(', ')}, got ${quoteInput(scope)}`,
          tier
            ? {
                hint: `tier ${tier.tier} (${tier.name}) has no per-tier rollback: it goes only with --full`,
              }
            : {},
        );
      variables[d.variables.tier] = String(scope);
    }
  }
  if (options.waitSeconds !== undefined) {
    const s = options.waitSeconds;
    if (!Number.isInteger(s) || s < 0 || s > MAX_WAIT_SECONDS)
      throw new OneroofError(
        'usage',
        `--wait: expected whole seconds from 0 to ${MAX_WAIT_SECONDS}, got ${quoteInput(s)}`,
      );
    if (s > 0) variables[LOCK_WAIT_VARIABLE] = lockWaitValue(s);
  }
  return variables;
}

/**
 * The clone revalidation runs the structure DDL (in a transaction it rolls back): only on a
 * local replica, never on a target reached over ssh, and only when the packet has one.
 */
function checkRevalidate(options: ReleaseOptions, d: PacketDescriptor): void {
  if (d.replica.revalidate === undefined)
    throw new OneroofError(
      'usage',
      'the packet declares no clone revalidation (packet.yml replica.revalidate)',
    );
  if (options.target.transport !== 'local')
    throw new OneroofError(
      'usage',
      `revalidate: target ${options.target.name} is not a local replica (transport ${options.target.transport})`,
      {
        hint: 'the clone revalidation runs only on a local replica (transport: local), never on the target it is evidence for',
      },
    );
  if (options.apr !== undefined)
    throw new OneroofError(
      'usage',
      '--apr is not for revalidate: it needs no approval, nothing is kept',
    );
}
