/**
 * The live view's model: one row per phase of a run (resolving, connecting, staging and the run
 * lock, each preflight check, each tier, verify, the state at exit, sealing the log), moved by
 * the events the run already emits — the engine's onConnected and onTier, the runner's psql
 * events (src/psql/events.ts) and its log records (src/runlog/records.ts) — and by nothing
 * else. Pure: a clock is passed in, so unit tests replay a recorded sequence exactly.
 */
import type { PsqlEvent } from '../../psql/events.js';
import type { TierStep } from '../../model/tiers.js';
import type { Peer } from '../../transport/types.js';
import type { ReleaseCommand } from '../../engine/release.js';
import type { LiveRecord } from '../../runner/live-record.js';
import { describePeer, tierLabel, tierWord } from '../render.js';

export type RowStatus = 'running' | 'ok' | 'fail' | 'info';

export interface Row {
  key: string;
  /** The first column: `connect`, `PASS`, `tier 10 structure`. */
  label: string;
  status: RowStatus;
  /** What follows it: the peer, the observed value, the tier's state word. */
  text: string;
  /** When it began running (ms, the view's clock): a running row shows its elapsed time. */
  since?: number;
  durationMs?: number;
}

export interface RunPlan {
  command: ReleaseCommand;
  target: string;
  /** --wait: seconds the run lock may be waited for. */
  wait?: number;
  verbose: boolean;
}

/** What the command says of the steps it stages (the runner's step names, run.ts). */
const STEP_TEXT: Record<string, string> = {
  main: 'the packet',
  'state-exit': 'the state at exit',
  cancel: 'the cancel',
};

export class LiveRows {
  readonly rows: Row[] = [];
  /** Called with each row that changed (line mode prints it). */
  onChange: ((row: Row) => void) | undefined;
  private mainSeen = false;
  private verifyCount = 0;

  constructor(
    readonly plan: RunPlan,
    private readonly clock: () => number,
  ) {
    this.set('resolve', 'resolve', 'running', `target ${plan.target}`);
  }

  resolved(description: string): void {
    this.set('resolve', 'resolve', 'ok', description);
    this.set('connect', 'connect', 'running', `connecting to ${this.plan.target}`);
  }

  connected(peer: Peer): void {
    this.set('connect', 'connect', 'ok', describePeer(peer));
  }

  record(record: LiveRecord): void {
    if (record.name === 'stream') {
      const step = record.fields.step ?? 'main';
      const wait =
        step === 'main' && this.plan.command !== 'status'
          ? this.plan.wait
            ? `, then the run lock (--wait ${this.plan.wait} s)`
            : ', then the run lock'
          : '';
      this.set(
        `step:${step}`,
        'stage',
        'running',
        `${STEP_TEXT[step] ?? step}: ${record.fields.length} bytes${wait}`,
      );
    } else if (record.name === 'step-end') {
      const step = record.fields.step;
      const row = this.find(`step:${step}`);
      if (row?.status === 'running')
        this.set(row.key, row.label, record.fields.outcome === 'ok' ? 'ok' : 'fail', row.text);
      if (step === 'main') this.endVerify(record.fields.outcome === 'ok');
    } else if (record.name === 'end') this.set('seal', 'seal', 'running', 'sealing the log');
  }

  event(event: PsqlEvent): void {
    if (!this.mainSeen) {
      // psql's first word: the stream was staged whole and the run lock is held.
      this.mainSeen = true;
      const row = this.find('step:main');
      if (row?.status === 'running') this.set(row.key, row.label, 'ok', row.text);
    }
    switch (event.kind) {
      case 'preflight':
        if (event.status === 'INFO' && !this.plan.verbose) return;
        this.set(
          `check:${event.check}`,
          event.status,
          event.status === 'FAIL' ? 'fail' : event.status === 'PASS' ? 'ok' : 'info',
          `${event.check.padEnd(20)} ${event.status === 'FAIL' && event.expected !== undefined ? `expected ${event.expected}, got ${event.observed}` : event.observed}`,
        );
        return;
      case 'verdict':
        this.set(
          'verdict',
          event.verdict,
          event.verdict === 'GO' ? 'ok' : 'fail',
          event.verdict === 'GO' ? 'the gate is open' : `closed by ${event.checks.join(', ')}`,
        );
        return;
      case 'verify':
        this.verifyCount++;
        this.set('verify', 'verify', 'running', `${this.verifyCount} checks passed`, false);
        return;
      case 'assertion':
        this.set(
          `assert:${event.scope}.${event.check}`,
          'FAIL',
          'fail',
          `${event.scope}.${event.check}: ${event.text}`,
        );
        return;
      case 'locked':
        this.set('locked', 'locked', 'fail', `${event.holder} holds the lock`);
        return;
      case 'lock-wait':
        // --wait: the holders (database text: the view sanitises every line), the wait ticking.
        if (event.phase === 'waiting')
          this.set('lock', 'lock', 'running', `waiting for ${event.holder ?? 'another session'}`);
        else this.set('lock', 'lock', 'ok', `held after waiting ${event.seconds ?? 0} s`);
        return;
      case 'message':
        if (event.severity === 'ERROR' || event.severity === 'FATAL' || event.severity === 'PANIC')
          if (!this.find('error')) this.set('error', event.severity, 'fail', event.text);
        return;
      case 'tag':
      case 'output':
      case 'psql-error':
      case 'tier':
      case 'rollback':
      case 'refused':
      case 'end':
      case 'sentinel':
        // Tiers come through tier() (the engine's tracker); the rest is in the report.
        return;
    }
  }

  tier(step: TierStep): void {
    const status: RowStatus =
      step.status === 'running'
        ? 'running'
        : step.status === 'ok' || step.status === 'skipped'
          ? 'ok'
          : step.status === 'pending'
            ? 'info'
            : 'fail';
    this.set(`tier:${step.tier}`, tierLabel(step), status, tierWord(step, this.plan.command));
    const row = this.find(`tier:${step.tier}`)!;
    if (step.durationMs !== undefined) row.durationMs = step.durationMs;
  }

  /** The run returned: whatever still runs has stopped (its outcome is in the report). */
  finish(): void {
    for (const row of this.rows)
      if (row.status === 'running') this.set(row.key, row.label, 'ok', row.text, false);
  }

  private endVerify(ok: boolean): void {
    const row = this.find('verify');
    if (row?.status === 'running') this.set('verify', 'verify', ok ? 'ok' : 'fail', row.text);
  }

  private find(key: string): Row | undefined {
    return this.rows.find((r) => r.key === key);
  }

  /** Adds or moves a row; `notify` false: a count that only the TTY view redraws. */
  private set(key: string, label: string, status: RowStatus, text: string, notify = true): void {
    let row = this.find(key);
    const now = this.clock();
    if (row === undefined) {
      row = { key, label, status, text };
      this.rows.push(row);
    } else {
      if (row.status === 'running' && status !== 'running' && row.since !== undefined)
        row.durationMs = now - row.since;
      Object.assign(row, { label, status, text });
    }
    if (status === 'running') row.since ??= now;
    if (notify || status !== 'running') this.onChange?.(row);
  }
}
