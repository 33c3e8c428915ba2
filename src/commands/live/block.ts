/**
 * A block of lines on a terminal's stderr, redrawn in place while a run goes on and erased when
 * it ends: the one drawing of both live views (./view.ts for a lone target, ./group-view.ts for
 * a group). The redraw is a timer that stops with the run (stop(); unref'd, so it never holds
 * the process open), at most 10 frames a second, each bounded to the terminal's size by the
 * caller's `frame`. While the operator is asked something (a confirmation, a key's passphrase)
 * the block is erased and not redrawn (pause()). It is the Ui's overlay: any other text on
 * stderr erases it first, and the next frame draws it again below that text.
 */
import type { Ui } from '../io.js';

const FRAME_MS = 100;
const ESC = '\u001b';

export type Frame = (now: number, size: { columns: number; rows: number }) => string[];

export class TtyBlock {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private last = '';
  private paused = 0;
  private stopped = false;

  constructor(
    private readonly ui: Ui,
    private readonly frame: Frame,
    private readonly clock: () => number,
  ) {
    ui.overlay = this;
    this.timer = setInterval(() => this.draw(), FRAME_MS);
    this.timer.unref();
    this.draw();
  }

  /** While the operator is asked something: no redraw over the question (nested asks too). */
  async pause<T>(work: () => Promise<T>): Promise<T> {
    this.erase();
    this.paused++;
    try {
      return await work();
    } finally {
      this.paused--;
      this.draw();
    }
  }

  /**
   * The run ended: its last frame (every phase finished) is drawn once, so a recording of the
   * terminal holds each phase's end, then the timer stops and the block goes.
   */
  stop(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    this.erase();
    this.stopped = true;
    if (this.ui.overlay === this) this.ui.overlay = undefined;
  }

  /** Erases the block (the Ui calls it before any other text; the next frame redraws it). */
  erase(): void {
    if (this.drawn === 0) return;
    this.ui.io.stderr.write(`${ESC}[${this.drawn}A\r${ESC}[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (this.paused > 0 || this.stopped) return;
    const stderr = this.ui.io.stderr;
    const lines = this.frame(this.clock(), {
      columns: stderr.columns || 80,
      rows: stderr.rows || 24,
    });
    if (lines.length === 0) return this.erase();
    const text = lines.join('\n');
    // Nothing moved (no running phase, no new row): the screen already shows it.
    if (text === this.last && this.drawn > 0) return;
    this.last = text;
    const up = this.drawn > 0 ? `${ESC}[${this.drawn}A` : '';
    stderr.write(`${up}\r${ESC}[J${lines.map((l) => this.ui.forStderr(l)).join('\n')}\n`);
    this.drawn = lines.length;
  }
}
