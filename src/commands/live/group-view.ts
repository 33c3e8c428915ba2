/**
 * The live view of a group run on stderr (issue 15, item 1), in the lone view's two modes:
 *   - on a terminal: one row per member, redrawn in place (./block.ts) — waiting, the phase it
 *     is in with its elapsed time (the member's own rows, ./rows.ts, moved by its engine's
 *     callbacks), then its outcome and exit code; a member that did not end with exit 0 in red
 *     (when colour is on) — and erased at the end, so the group's table and recap
 *     (../run/group.ts) are printed once, below whatever else was said.
 *   - elsewhere: one plain line per member as it ends (`name: message`), nothing else.
 */
import { seconds } from '../../duration.js';
import type { ReleaseCommand, ReleaseResult } from '../../engine/release.js';
import { EXIT } from '../../errors.js';
import type { Target } from '../../inventory/load.js';
import type { Ui } from '../io.js';
import { TtyBlock } from './block.js';
import { LiveRows, type Row } from './rows.js';
import type { RunView } from './view.js';

interface Member {
  name: string;
  rows?: LiveRows;
  since?: number;
  result?: ReleaseResult;
  durationMs?: number;
}

export interface GroupPlan {
  command: ReleaseCommand;
  wait?: number;
  verbose: boolean;
}

export class GroupView {
  private readonly members: Member[];
  private readonly block: TtyBlock | undefined;

  constructor(
    private readonly ui: Ui,
    private readonly plan: GroupPlan,
    targets: readonly Target[],
    private readonly clock: () => number = Date.now,
  ) {
    this.members = targets.map((t) => ({ name: t.name }));
    if (ui.tty && !ui.options.quiet)
      this.block = new TtyBlock(ui, (now, size) => this.frame(now, size), clock);
  }

  /** A member starts: the view its run moves (its rows, the group block's pause). */
  member(target: Target): RunView {
    const member = this.find(target.name);
    member.since = this.clock();
    member.rows = new LiveRows(
      {
        command: this.plan.command,
        target: target.name,
        ...(this.plan.wait === undefined ? {} : { wait: this.plan.wait }),
        verbose: this.plan.verbose,
      },
      this.clock,
    );
    const rows = member.rows;
    return {
      rows,
      pause: (work) => (this.block ? this.block.pause(work) : work()),
      stop: () => rows.finish(),
    };
  }

  /** A member ended (fleet.ts): its row shows the outcome; in line mode, its one line. */
  ended(target: Target, result: ReleaseResult): void {
    const member = this.find(target.name);
    member.result = result;
    if (member.since !== undefined) member.durationMs = this.clock() - member.since;
    if (this.block === undefined) this.ui.info(`${target.name}: ${result.message}`);
  }

  /** The group ended (or failed): the last frame, then the block goes. */
  stop(): void {
    this.block?.stop();
  }

  private find(name: string): Member {
    const member = this.members.find((m) => m.name === name);
    if (member === undefined) throw new Error(`GroupView: ${name} is not a member`);
    return member;
  }

  private frame(now: number, size: { columns: number; rows: number }): string[] {
    const width = Math.max(...this.members.map((m) => m.name.length), 6);
    const room = Math.max(3, size.rows - 2);
    const shown = this.members.length > room ? this.members.slice(0, room - 1) : this.members;
    const lines = shown.map((m) => this.memberLine(m, width, now, size.columns - 1));
    if (shown.length < this.members.length)
      lines.push(this.ui.dim(`  … ${this.members.length - shown.length} more`));
    return lines;
  }

  private memberLine(m: Member, width: number, now: number, columns: number): string {
    const head = `  ${m.name.padEnd(width)} `;
    const ui = this.ui;
    if (m.result !== undefined) {
      const time = m.durationMs === undefined ? '' : `  ${seconds(m.durationMs)}`;
      const text = cut(`${head}${m.result.outcome} exit ${m.result.exitCode}${time}`, columns);
      return m.result.exitCode === EXIT.ok ? text : ui.red(ui.bold(text));
    }
    if (m.rows === undefined || m.since === undefined)
      return ui.dim(cut(`${head}waiting`, columns));
    const row = current(m.rows.rows);
    const phase = row === undefined ? 'starting' : `${row.label} ${row.text}`;
    const text = cut(`${head}${phase}  ${seconds(now - m.since)}`, columns);
    return row?.status === 'fail' ? ui.red(text) : text;
  }
}

/** The phase a member is in: its last running row, else its last row. */
function current(rows: readonly Row[]): Row | undefined {
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.status === 'running') return rows[i];
  return rows.at(-1);
}

/** A line cut to the terminal's width (a wrapped line would break the redraw). */
function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}
