/**
 * The live view of one run on stderr, in one of two modes:
 *   - on a terminal: a block of rows (./rows.ts) redrawn in place while the run goes on — the
 *     running phase's elapsed time ticks — and erased when the run ends, so that the report
 *     (../render.ts) is the one table left on the screen (the drawing: ./block.ts).
 *   - elsewhere (a file, a pipe, a cron mail): one plain line per phase event, no redraw, no
 *     escape code.
 * Every row's text passes through the Ui's stderr writer (terminalText or plainText), so text
 * from the database reaches the terminal inert; the cursor controls are the block's own.
 */
import { seconds } from '../../duration.js';
import type { Ui } from '../io.js';
import { TtyBlock } from './block.js';
import { LiveRows, type Row, type RunPlan } from './rows.js';

/** What a run's view offers the run: its rows to move, a pause for a question, an end. */
export interface RunView {
  readonly rows: LiveRows;
  pause<T>(work: () => Promise<T>): Promise<T>;
  stop(): void;
}

export class LiveView implements RunView {
  readonly rows: LiveRows;
  private readonly block: TtyBlock | undefined;

  constructor(
    private readonly ui: Ui,
    plan: RunPlan,
    clock: () => number = Date.now,
  ) {
    this.rows = new LiveRows(plan, clock);
    if (ui.tty && !ui.options.quiet)
      this.block = new TtyBlock(ui, (now, size) => frame(this.rows.rows, now, size, ui), clock);
    else this.rows.onChange = (row) => this.line(row);
  }

  /** While the operator is asked something: no redraw over the question. */
  pause<T>(work: () => Promise<T>): Promise<T> {
    return this.block ? this.block.pause(work) : work();
  }

  /** The run ended (or failed, or was refused): the timer stops and the block goes. */
  stop(): void {
    this.rows.onChange = undefined;
    this.rows.finish();
    this.block?.stop();
  }

  /** Line mode: a row that changed, once (a running tier or check waits for its end). */
  private line(row: Row): void {
    if (row.status === 'running' && !LINE_STARTS.has(row.label)) return;
    this.ui.info(rowText(row, undefined, this.ui).trimEnd());
  }
}

/** The phases whose start is a line of its own in line mode: they may take long. */
const LINE_STARTS = new Set(['connect', 'stage', 'lock', 'seal']);

/**
 * The rows as the terminal shows them: each cut to the width (a wrapped line would break the
 * redraw), the last ones when they are more than the terminal is high.
 */
function frame(
  rows: readonly Row[],
  now: number,
  size: { columns: number; rows: number },
  ui: Pick<Ui, 'red' | 'green' | 'dim' | 'bold'>,
): string[] {
  const room = Math.max(3, size.rows - 2);
  const shown = rows.length > room ? rows.slice(rows.length - room + 1) : rows;
  const lines = shown.map((row) => rowText(row, now, ui, size.columns - 1));
  if (shown.length < rows.length)
    lines.unshift(ui.dim(`  … ${rows.length - shown.length} earlier`));
  return lines;
}

/**
 * One row: its label, its text, and its time (ticking while it runs, when `now` is given).
 * `width`: the text is cut to it before it is styled (a style has no width on the screen).
 */
function rowText(
  row: Row,
  now: number | undefined,
  ui: Pick<Ui, 'red' | 'green' | 'dim' | 'bold'>,
  width = Infinity,
): string {
  const tier = row.label.startsWith('tier ') || row.label === 'full rollback';
  const label = row.label.padEnd(tier ? 30 : 7);
  const time =
    row.status === 'running'
      ? now !== undefined && row.since !== undefined
        ? seconds(now - row.since)
        : '…'
      : row.durationMs !== undefined
        ? seconds(row.durationMs)
        : '';
  const text = tier ? row.text.padEnd(8) : row.text;
  const plain = `  ${label} ${text}${time ? `  ${time}` : ''}`.trimEnd();
  const cut = plain.length > width ? `${plain.slice(0, Math.max(0, width - 1))}…` : plain;
  const head = cut.slice(0, 3 + label.length);
  const rest = cut.slice(head.length);
  if (row.status === 'fail') return `${ui.red(ui.bold(head))}${ui.red(rest)}`;
  if (row.status === 'ok' && /^ {2}(PASS|GO) /.test(head)) return `${ui.green(head)}${rest}`;
  if (row.status === 'running') return `${head}${ui.dim(rest)}`;
  return cut;
}
