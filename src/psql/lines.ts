/**
 * A byte stream cut into lines (without the LF). A partial line is kept as a list of chunks
 * until its LF arrives, so the work is linear however long the line; a line is decoded once it
 * is whole (LF never occurs inside a UTF-8 sequence), invalid bytes become U+FFFD.
 */
/** Splits a byte stream into lines (without LF), keeping partial lines as chunks: linear. */
export class LineSplitter {
  private pending: Buffer[] = [];

  push(chunk: Buffer | string): string[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const found: string[] = [];
    let from = 0;
    for (let eol = bytes.indexOf(0x0a); eol >= 0; eol = bytes.indexOf(0x0a, from)) {
      const piece = bytes.subarray(from, eol);
      if (this.pending.length === 0) found.push(piece.toString('utf8'));
      else {
        this.pending.push(piece);
        found.push(Buffer.concat(this.pending).toString('utf8'));
        this.pending = [];
      }
      from = eol + 1;
    }
    // A copy: the caller may reuse its buffer once push() returns.
    if (from < bytes.length) this.pending.push(Buffer.from(bytes.subarray(from)));
    return found;
  }

  end(): string[] {
    if (this.pending.length === 0) return [];
    const last = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    return [last];
  }
}
