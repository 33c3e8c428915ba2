/**
 * A group run's recap (Ansible's PLAY RECAP, in oneroof's words): how many members ended ok
 * (exit 0: for preflight, GO), NO-GO (exit 3), unreachable (the connection could not be made),
 * locked (exit 6), failed (any other exit) and not started (a serial run stopped first). It
 * counts exit codes and one outcome word; it never says more than the members' results do.
 */
import { EXIT } from '../errors.js';

export interface GroupSummary {
  targets: number;
  ok: number;
  noGo: number;
  unreachable: number;
  locked: number;
  failed: number;
  notStarted: number;
  /** Each member by name: ok, NO-GO, unreachable, locked, failed or not-started, in order. */
  members: { target: string; status: MemberStatus }[];
}

type MemberStatus = 'ok' | 'NO-GO' | 'unreachable' | 'locked' | 'failed' | 'not-started';

/** The outcome word of a member that could not be connected to (src/commands/run/fleet.ts). */
export const UNREACHABLE = 'unreachable';

export function summarizeGroup(
  ran: readonly { target: string; exitCode: number; outcome: string }[],
  notStarted: readonly string[],
): GroupSummary {
  const members = [
    ...ran.map((r) => ({ target: r.target, status: statusOf(r) })),
    ...notStarted.map((target) => ({ target, status: 'not-started' as const })),
  ];
  const count = (status: MemberStatus) => members.filter((m) => m.status === status).length;
  return {
    targets: members.length,
    ok: count('ok'),
    noGo: count('NO-GO'),
    unreachable: count('unreachable'),
    locked: count('locked'),
    failed: count('failed'),
    notStarted: count('not-started'),
    members,
  };
}

function statusOf(r: { exitCode: number; outcome: string }): MemberStatus {
  if (r.exitCode === EXIT.ok) return 'ok';
  if (r.exitCode === EXIT.noGo) return 'NO-GO';
  if (r.exitCode === EXIT.locked) return 'locked';
  if (r.outcome === UNREACHABLE) return 'unreachable';
  return 'failed';
}

/** One line: `GO 2, NO-GO 1, unreachable 0, locked 0, failed 0` (ok instead of GO but for preflight). */
export function summaryLine(command: string, s: GroupSummary): string {
  const parts = [
    `${command === 'preflight' ? 'GO' : 'ok'} ${s.ok}`,
    `NO-GO ${s.noGo}`,
    `unreachable ${s.unreachable}`,
    `locked ${s.locked}`,
    `failed ${s.failed}`,
    ...(s.notStarted > 0 ? [`not started ${s.notStarted}`] : []),
  ];
  return parts.join(', ');
}
