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
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const found: string[] = [];
    let from = 0;
    for (let eol = bytes.indexOf(0x0a); eol >= 0; eol = bytes.indexOf(0x0a, from)) {
      const piece = bytes.subarray(from, eol);
      if (this.pending.length === 0 && this.dropped === 0 && piece.length <= this.maxLine)
        found.push(piece.toString('utf8'));
      else {
        this.keep(piece);
        found.push(this.take());
      }
      from = eol + 1;
    }
    if (from < bytes.length) this.keep(bytes.subarray(from));
    return found;
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
