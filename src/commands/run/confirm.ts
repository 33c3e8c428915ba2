/**
 * The confirmation prompt of a mutating run on a terminal: it says what is about to happen,
 * where and as whom, and goes on only when the operator types the target's name back.
 */
import { createInterface } from 'node:readline';
import type { Context } from '../context.js';
import type { Confirmation } from '../../engine/release.js';
import type { Target } from '../../inventory/load.js';
import type { Peer } from '../../transport/types.js';
import { describePeer } from '../render.js';

/** On a terminal: say exactly what was reached, and ask for the target's name back. */
export async function confirmRelease(
  ctx: Context,
  about: Confirmation,
  target: Target,
): Promise<boolean> {
  const what =
    about.command === 'apply'
      ? `apply the release${about.dryRun ? ' as a dry run (rolled back)' : ''}`
      : `roll back ${about.rollback === 'full' ? 'the whole release' : `tier ${about.rollback}`}`;
  const { steps, expectedAfter, legend, before, guarded } = about.change;
  const width = Math.max(...steps.map((t) => `${t.tier} ${t.name}`.length));
  const tierLines = steps.map((t, i) => {
    const label = `${t.tier} ${t.name}`.padEnd(width);
    const change = t.before === t.after ? t.before : `${t.before} → ${t.after}`;
    return `  ${i === 0 ? 'tiers' : '     '}      ${label}  ${change}`;
  });
  const after =
    expectedAfter !== undefined
      ? expectedAfter
      : about.dryRun
        ? 'unchanged (a dry run is rolled back)'
        : 'none promised by the packet after a rollback';
  return askTargetName(ctx, target, about.peer, what, [
    ...(about.apr ? [`  APR        ${about.apr}`] : []),
    ...tierLines,
    `  state      ${before ?? 'not read'} → ${after}  ${ctx.ui.dim(`(${legend})`)}`,
    guarded
      ? `             ${ctx.ui.dim('read just now; if it is not the same under the run lock, nothing is changed')}`
      : `             ${ctx.ui.dim('the state before could not be read: the run is not held to it')}`,
  ]);
}

/** Names what is about to happen, where, as whom; true when the target's name is typed back. */
export async function askTargetName(
  ctx: Context,
  target: Target,
  peer: Peer,
  what: string,
  extra: string[] = [],
): Promise<boolean> {
  const { io, ui } = ctx;
  const stdin = io.stdin;
  if (stdin === undefined) return false;
  ui.clearProgress();
  ui.err(
    [
      `About to ${what} on ${ui.bold(target.name)}`,
      `  reached    ${describePeer(peer)}`,
      `  database   ${target.database} as ${target.user}, container ${target.container}`,
      ...extra,
      `Type the target name (${target.name}) to go on, anything else stops: `,
    ].join('\n'),
  );
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === target.name;
  } finally {
    rl.close();
  }
}
