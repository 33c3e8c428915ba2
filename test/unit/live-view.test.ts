/**
 * The live view (src/commands/live/) replayed from a recorded event sequence of an apply — the
 * engine's callbacks in the order a run calls them — with a fake clock and fake timers: the
 * line mode's exact lines, the terminal mode's frames (as test/helpers/screen.ts shows them),
 * the timer that stops with the run, the size bound, and database text kept inert.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveView } from '../../src/commands/live/view.js';
import { Ui, type Io } from '../../src/commands/io.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import type { LiveRecord } from '../../src/runner/live-record.js';
import type { TierStep } from '../../src/model/tiers.js';
import type { Peer } from '../../src/transport/types.js';
import { captureUi } from '../helpers/capture-ui.js';
import { screen } from '../helpers/screen.js';

const PEER: Peer = {
  transport: 'ssh2',
  host: '10.0.0.5',
  port: 22,
  user: 'ops',
  hostKeyFingerprint: 'SHA256:abc',
};
const base = { stream: 'stderr' as const, raw: [], severity: 'NOTICE' as const };

type Step =
  | { at: number; resolved: string }
  | { at: number; connected: Peer }
  | { at: number; record: LiveRecord }
  | { at: number; event: PsqlEvent }
  | { at: number; tier: TierStep };

const stream = (step: string, length: number): LiveRecord => ({
  name: 'stream',
  fields: { step, source: step, length, sha256: 'x' },
});
const ended = (step: string, outcome = 'ok'): LiveRecord => ({
  name: 'step-end',
  fields: { step, outcome },
});

/** An apply: tier 10 already applied, tier 20 runs and commits, verify passes, the log seals. */
const APPLY: Step[] = [
  { at: 5, resolved: 'prod: ssh prod (ssh2), container pg, database app' },
  { at: 200, connected: PEER },
  { at: 210, record: stream('main', 4096) },
  {
    at: 900,
    event: { kind: 'preflight', ...base, status: 'PASS', check: 'role', observed: 'admin' },
  },
  { at: 950, event: { kind: 'verdict', ...base, verdict: 'GO', checks: [] } },
  { at: 960, tier: { tier: 10, name: 'structure', status: 'skipped' } },
  { at: 970, tier: { tier: 20, name: 'axis', status: 'running' } },
  { at: 2470, tier: { tier: 20, name: 'axis', status: 'ok', durationMs: 1500 } },
  { at: 2500, event: { kind: 'verify', ...base, check: 'a', observed: '1' } },
  { at: 2510, event: { kind: 'verify', ...base, check: 'b', observed: '2' } },
  { at: 2600, record: ended('main') },
  { at: 2700, record: { name: 'end', fields: { outcome: 'ok' } } },
];

function replay(view: LiveView, steps: Step[], now: { t: number }, tick?: () => void): void {
  for (const step of steps) {
    now.t = step.at;
    tick?.();
    if ('resolved' in step) view.rows.resolved(step.resolved);
    else if ('connected' in step) view.rows.connected(step.connected);
    else if ('record' in step) view.rows.record(step.record);
    else if ('event' in step) view.rows.event(step.event);
    else view.rows.tier(step.tier);
  }
}

const plan = { command: 'apply' as const, target: 'prod', wait: 30, verbose: false };

describe('the live view, replayed from an apply', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('not on a terminal: one plain line per phase event, no escape code', () => {
    const { ui, out } = captureUi(false);
    const now = { t: 0 };
    const view = new LiveView(ui, plan, () => now.t);
    replay(view, APPLY, now);
    view.stop();
    expect(out.stderr.split('\n')).toEqual([
      '  resolve prod: ssh prod (ssh2), container pg, database app  0.01 s',
      '  connect connecting to prod  …',
      '  connect ops@10.0.0.5:22 (ssh2, host key SHA256:abc)  0.20 s',
      '  stage   the packet: 4096 bytes, then the run lock (--wait 30 s)  …',
      '  stage   the packet: 4096 bytes, then the run lock (--wait 30 s)  0.69 s',
      '  PASS    role                 admin',
      '  GO      the gate is open',
      '  tier 10 structure              applied',
      '  tier 20 axis                   ok        1.50 s',
      '  verify  2 checks passed  0.10 s',
      '  seal    sealing the log  …',
      '',
    ]);
    expect(out.stderr).not.toContain('\u001b');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('on a terminal: the running phase ticks, and the block is gone when the run ends', () => {
    const { ui, out } = captureUi(true, { NO_COLOR: '1' });
    const now = { t: 0 };
    const view = new LiveView(ui, plan, () => now.t);
    replay(view, APPLY.slice(0, 7), now, () => vi.advanceTimersByTime(100));
    now.t = 2170;
    vi.advanceTimersByTime(100);
    expect(screen(out.stderr).split('\n')).toEqual([
      '  resolve prod: ssh prod (ssh2), container pg, database app  0.01 s',
      '  connect ops@10.0.0.5:22 (ssh2, host key SHA256:abc)  0.20 s',
      '  stage   the packet: 4096 bytes, then the run lock (--wait 30 s)  0.69 s',
      '  PASS    role                 admin',
      '  GO      the gate is open',
      '  tier 10 structure              applied',
      '  tier 20 axis                   running   1.20 s',
      '',
    ]);
    replay(view, APPLY.slice(7), now, () => vi.advanceTimersByTime(100));
    expect(vi.getTimerCount()).toBe(1);
    view.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(screen(out.stderr)).toBe('');
    // Stopped: no frame after it, however long the process lives on.
    const length = out.stderr.length;
    vi.advanceTimersByTime(10_000);
    expect(out.stderr.length).toBe(length);
  });

  it('on a terminal, a message in the middle erases the block and is kept above it', () => {
    const { ui, out } = captureUi(true, { NO_COLOR: '1' });
    const view = new LiveView(ui, plan, () => 0);
    ui.info('interrupted: asking the server to cancel');
    vi.advanceTimersByTime(100);
    view.stop();
    expect(screen(out.stderr)).toBe('interrupted: asking the server to cancel\n');
  });

  it('FAIL is red on a terminal with colour, and the verdict NO-GO too', () => {
    const { ui, out } = captureUi(true, {});
    const view = new LiveView(ui, { ...plan, command: 'preflight' }, () => 0);
    view.rows.event({
      kind: 'preflight',
      ...base,
      status: 'FAIL',
      check: 'gate',
      observed: '0',
      expected: '1',
    });
    view.rows.event({ kind: 'verdict', ...base, verdict: 'NO-GO', checks: ['gate'] });
    vi.advanceTimersByTime(100);
    expect(out.stderr).toContain(
      '\u001b[31m\u001b[1m  FAIL    \u001b[0m\u001b[0m\u001b[31mgate                 expected 1, got 0',
    );
    expect(out.stderr).toContain('\u001b[31m\u001b[1m  NO-GO   \u001b[0m');
    view.stop();
  });

  it('hostile live-view: database text in a row reaches the terminal escaped, in both modes', () => {
    for (const tty of [true, false]) {
      const { ui, out } = captureUi(tty, { NO_COLOR: '1' });
      const view = new LiveView(ui, { ...plan, command: 'preflight' }, () => 0);
      view.rows.event({
        kind: 'preflight',
        ...base,
        status: 'PASS',
        check: 'x',
        observed: 'a\u001b[2Jb\u202e',
      });
      vi.advanceTimersByTime(100);
      view.stop();
      expect(out.stderr).toContain('a\\x1b[2Jb\\u202e');
      expect(out.stderr).not.toContain('\u001b[2J');
    }
  });

  it('a frame fits the terminal: at most its height, each line within its width', () => {
    let stderr = '';
    const io: Io = {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t), isTTY: true, columns: 40, rows: 10 },
      env: { NO_COLOR: '1' },
      cwd: '/',
    };
    const view = new LiveView(new Ui(io, { quiet: false, verbose: false }), plan, () => 0);
    for (let i = 0; i < 50; i++)
      view.rows.event({
        kind: 'preflight',
        ...base,
        status: 'PASS',
        check: `c${i}`,
        observed: 'x'.repeat(200),
      });
    vi.advanceTimersByTime(100);
    const lines = screen(stderr).split('\n').slice(0, -1);
    view.stop();
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe('  … 44 earlier');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(39);
    expect(lines.at(-1)).toMatch(/^ {2}PASS {4}c49 +x+…$/);
  });
});
