/**
 * The group's live view (src/commands/live/group-view.ts) with a fake clock and fake timers:
 * one row per member — waiting, its phase with its elapsed time, its outcome and exit code —
 * a member that failed in red, the block paused while a question is asked and gone at the end;
 * not on a terminal, one plain line per member as it ends.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupView } from '../../src/commands/live/group-view.js';
import type { ReleaseResult } from '../../src/engine/release.js';
import type { Target } from '../../src/inventory/load.js';
import { captureUi } from '../helpers/capture-ui.js';
import { screen } from '../helpers/screen.js';

const members = ['alpha', 'beta', 'gamma'].map((name) => ({ name }) as Target);
const result = (target: string, exitCode: number, outcome: string): ReleaseResult =>
  ({ target, exitCode, outcome, message: `${outcome} on ${target}` }) as ReleaseResult;
const plan = { command: 'preflight' as const, verbose: false };

describe('the group live view', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('on a terminal: a row per member moves from waiting to its phase to its exit', () => {
    const { ui, out } = captureUi(true, { NO_COLOR: '1' });
    const now = { t: 0 };
    const view = new GroupView(ui, plan, members, () => now.t);
    const alpha = view.member(members[0]!);
    alpha.rows.resolved('alpha: ssh alpha (ssh2)');
    now.t = 1500;
    vi.advanceTimersByTime(100);
    expect(screen(out.stderr).split('\n')).toEqual([
      '  alpha  connect connecting to alpha  1.50 s',
      '  beta   waiting',
      '  gamma  waiting',
      '',
    ]);
    view.member(members[1]!);
    now.t = 2000;
    view.ended(members[0]!, result('alpha', 0, 'go'));
    view.ended(members[1]!, result('beta', 3, 'no-go'));
    vi.advanceTimersByTime(100);
    expect(screen(out.stderr).split('\n')).toEqual([
      '  alpha  go exit 0  2.00 s',
      '  beta   no-go exit 3  0.50 s',
      '  gamma  waiting',
      '',
    ]);
    view.stop();
    expect(screen(out.stderr)).toBe('');
    expect(vi.getTimerCount()).toBe(0);
    // Its last frame is in the transcript (a recording of the terminal keeps every end).
    expect(out.stderr).toContain('  beta   no-go exit 3  0.50 s');
  });

  it('a member that did not end with exit 0 is red when colour is on', () => {
    const { ui, out } = captureUi(true, {});
    const view = new GroupView(ui, plan, members.slice(0, 2), () => 0);
    view.member(members[0]!);
    view.ended(members[0]!, result('alpha', 1, 'error'));
    view.ended(members[1]!, result('beta', 0, 'go'));
    vi.advanceTimersByTime(100);
    expect(out.stderr).toContain('\u001b[31m\u001b[1m  alpha  error exit 1  0.00 s');
    const red = out.stderr.split('\n').filter((l) => l.includes('\u001b[31m'));
    expect(red.some((l) => l.includes('beta'))).toBe(false);
    view.stop();
  });

  it('a question pauses the block: nothing is drawn while it is asked', async () => {
    const { ui, out } = captureUi(true, { NO_COLOR: '1' });
    const view = new GroupView(ui, plan, members, () => 0);
    const member = view.member(members[0]!);
    vi.advanceTimersByTime(100);
    let during = '';
    await member.pause(() => {
      const before = out.stderr.length;
      vi.advanceTimersByTime(1000);
      during = out.stderr.slice(before);
      ui.overlay?.erase();
      return Promise.resolve();
    });
    expect(during).toBe('');
    expect(screen(out.stderr)).toContain('  alpha ');
    view.stop();
  });

  it('not on a terminal: one plain line per member as it ends, no escape code', () => {
    const { ui, out } = captureUi(false);
    const view = new GroupView(ui, plan, members, () => 0);
    for (const m of members) view.member(m).rows.resolved(`${m.name}: local`);
    view.ended(members[2]!, result('gamma', 3, 'no-go'));
    view.ended(members[0]!, result('alpha', 0, 'go'));
    view.stop();
    expect(out.stderr).toBe('gamma: no-go on gamma\nalpha: go on alpha\n');
    expect(vi.getTimerCount()).toBe(0);
  });
});
