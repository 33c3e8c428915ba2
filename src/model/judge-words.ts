/** The wording the judge (./judge.ts) puts in its messages: what is known of the tiers, why the gate closed. */
import type { Findings } from './findings.js';
import { tiersWith, type TierStep } from './tiers.js';

/**
 * Why the gate closed, when no PREFLIGHT FAIL line says it (a NO-GO a probe or a guard raised:
 * a database that lacks what the packet reads): the NO-GO's DETAIL, without the check's name
 * when it names just that one check.
 */
export function noGoWhy(f: Findings): string {
  if (f.noGoDetail === null || f.checks.some((c) => c.status === 'FAIL')) return '';
  const only = f.noGo.length === 1 ? `${f.noGo[0]}: ` : '';
  const detail =
    only !== '' && f.noGoDetail.startsWith(only) ? f.noGoDetail.slice(only.length) : f.noGoDetail;
  return ` (${detail.replace(/\s+/g, ' ').trim()})`;
}

/**
 * What the client knows of the tiers: committed (it saw the COMMIT), rolled back (an error
 * ended it), unknown (it began, and its end never reached the client) — and how to learn the
 * rest. Empty when there are no tiers.
 */
export function tierFacts(
  command: string | null,
  target: string,
  tiers: readonly TierStep[],
  log: string | undefined,
): string {
  if (tiers.length === 0 || command === 'preflight' || command === 'verify' || command === 'status')
    return '';
  const committed = tiersWith(tiers, 'ok');
  const failed = tiersWith(tiers, 'failed');
  const unknown = tiersWith(tiers, 'unknown');
  const parts = [
    committed.length ? `committed: ${committed.join(', ')}` : 'no tier committed',
    ...(failed.length ? [`rolled back: ${failed.join(', ')}`] : []),
  ];
  if (unknown.length)
    parts.push(
      `unknown: ${unknown.join(', ')} (begun, its end not seen: the server committed it or rolled it back — ask it: \`oneroof status --target ${target}\`${
        log === undefined ? '' : ` or \`oneroof replay --target ${target} ${log}\``
      })`,
    );
  return `; ${parts.join('; ')}`;
}
