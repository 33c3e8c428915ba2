/** What a run log is of: its name's first word. */
export type RunKind =
  'rollout' | 'preflight' | 'verify' | 'rollback' | 'status' | 'revalidate' | 'reader' | 'run';

/**
 * rollout_20261125T113000Z — the seed's name. The target is in the first record; a
 * second run in the same second (a fleet, a retry) gets -2, -3, …: a log is never overwritten.
 */
export function runLogBase(kind: RunKind, at: Date, attempt = 0): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${kind}_${stamp}${attempt === 0 ? '' : `-${attempt + 1}`}`;
}
