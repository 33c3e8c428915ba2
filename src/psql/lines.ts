/**
 * A byte stream cut into lines (without the LF). A partial line is kept as a list of chunks
 * until its LF arrives, so the work is linear however long the line; a line is decoded once it
 * is whole (LF never occurs inside a UTF-8 sequence), invalid bytes become U+FFFD.
 *
 * Memory is bounded whatever the far side sends: a line longer than `maxLine` bytes keeps only
 * its first `maxLine` bytes, and says how many were cut. (The run's .log keeps every byte: the
 * cut is only in the parsed event.)
 */

/** The longest line kept whole in an event: far above any line psql or the packet writes. */
const MAX_LINE_BYTES = 1024 * 1024;

/** What a cut line ends with, so nobody mistakes it for the whole line. */
function cutNote(dropped: number): string {
  return ` … [${dropped} more bytes of this line cut here; the whole line is in the .log]`;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private dropped = 0;

  constructor(private readonly maxLine = MAX_LINE_BYTES) {}

  push(chunk: Buffer | string): string[] {
    const found: string[] = [];
    this.each(chunk, (line) => found.push(line));
    return found;
  }

  /**
   * Each whole line, in order, to `line`. A line that lies whole in this chunk and that
   * `plain(bytes, from, to)` claims (asked just before it would be handed on) is not decoded
   * at all: the caller counted it (a hand-made log's query output, the bulk of a big log).
   */
  each(
    chunk: Buffer | string,
    line: (text: string) => void,
    plain?: (bytes: Buffer, from: number, to: number) => boolean,
  ): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    for (let eol = bytes.indexOf(0x0a); eol >= 0; eol = bytes.indexOf(0x0a, from)) {
      if (this.pending.length === 0 && this.dropped === 0) {
        if (plain?.(bytes, from, eol) !== true)
          line(
            eol - from <= this.maxLine
              ? bytes.toString('utf8', from, eol)
              : this.cut(bytes.subarray(from, eol)),
          );
      } else line(this.cut(bytes.subarray(from, eol)));
      from = eol + 1;
    }
    if (from < bytes.length) this.keep(bytes.subarray(from));
  }

  /** The pending bytes and this last piece of the line, as one (capped) line. */
  private cut(piece: Buffer): string {
    this.keep(piece);
    return this.take();
  }

  end(): string[] {
    if (this.pending.length === 0 && this.dropped === 0) return [];
    return [this.take()];
  }

  /** Keeps what fits under the cap (a copy: the caller may reuse its buffer), counts the rest. */
  private keep(piece: Buffer): void {
    const room = Math.max(0, this.maxLine - this.pendingBytes);
    if (piece.length > room) this.dropped += piece.length - room;
    if (room > 0 && piece.length > 0) {
      const kept = Buffer.from(piece.subarray(0, room));
      this.pending.push(kept);
      this.pendingBytes += kept.length;
    }
  }

  private take(): string {
    const text = Buffer.concat(this.pending).toString('utf8');
    const line = this.dropped > 0 ? text + cutNote(this.dropped) : text;
    this.pending = [];
    this.pendingBytes = 0;
    this.dropped = 0;
    return line;
  }
}
