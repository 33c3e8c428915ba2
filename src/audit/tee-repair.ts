/**
 * Mends the lines of a hand-made log before they are parsed. When psql's two streams are merged
 * after they left the container (`ssh host docker exec … psql … 2>&1 | tee`: docker and ssh
 * carry stdout and stderr apart, and nothing keeps their order), stdout lands *inside* psql's
 * messages. psql writes a message's prefix in pieces (src/common/logging.c: "psql:", then
 * "<file>:", "<line>:", " ", then "NOTICE:  …\n" in one piece), so what the log shows is e.g.
 *
 *     psql:sql/tiers/base.sql:DO                           ← a prefix piece, then stdout's "DO"
 *     100: NOTICE:  ONEROOF TIER 10 COMMIT base            ← the rest of the message
 *
 * The repair knows that grammar: a line that starts with pieces of a prefix followed by other
 * text holds those pieces back and passes the text on as a line of its own; the pieces are
 * joined with the line that continues them (within MAX_HELD lines, else given back as they
 * were). Only the parser's view changes; the .log stays as it is.
 */

/** The prefix grammar: `psql:` then `<file>:` then `<line>:` then ` `. */
const STEPS = [/^psql:/, /^[^:\s]+:/, /^\d+:/, /^ /] as const;
const MESSAGE_AFTER_PREFIX =
  /^(PANIC|FATAL|ERROR|WARNING|NOTICE|INFO|LOG|DEBUG|DETAIL|HINT|CONTEXT|QUERY|STATEMENT): {2}|^(fatal|error|warning|info|detail|hint): /;
const FULL = /^psql:[^:\s]+:\d+: /;
/** psql's own message without a location: `psql: error: …`. */
const PROGNAME = /^psql: (fatal|error|warning|info|detail|hint): /;
const MAX_HELD = 50;

/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
export class TeeRepair {
  /** Prefix pieces waiting for the rest of their message, and how many steps they cover. */
  private held = '';
  private step = 0;
  private waited = 0;
  /**
   * A line with a whole prefix and other text after it: either a message cut after its prefix
   * (stdout glued on) or psql's own text (`invalid command …`). The next line decides.
   */
  private tentative: string | undefined;

  /** Pieces of a prefix are held back, waiting for the rest of their message. */
  get holding(): boolean {
    return this.held !== '';
  }

  /** One line in (without its LF); the lines the parser should see out. */
  push(line: string): string[] {
    if (this.held === '') return this.fresh(line);
    const joined = this.held + line;
    if (this.completes(joined)) {
      const before = this.tentative === undefined ? [] : [this.tentative.slice(this.held.length)];
      this.clear();
      return [...before, joined];
    }
    if (this.tentative !== undefined) {
      const given = this.tentative;
      this.clear();
      return [given, ...this.fresh(line)];
    }
    // More pieces of the prefix, with stdout glued on again?
    const advance = this.pieces(line, this.step);
    if (advance.length > 0 && advance.length < line.length && !this.completes(line)) {
      this.held += line.slice(0, advance.length);
      this.step = advance.step;
      return [line.slice(advance.length)];
    }
    if (++this.waited > MAX_HELD) {
      const given = this.held;
      this.clear();
      return [given, ...this.fresh(line)];
    }
    return [line];
  }

  /** The log ended: whatever is still held is given back as it was. */
  end(): string[] {
    const given = this.tentative ?? this.held;
    this.clear();
    return given === '' ? [] : [given];
  }

  private fresh(line: string): string[] {
    if (!line.startsWith('psql:') || PROGNAME.test(line) || this.completes(line)) return [line];
    const found = this.pieces(line, 0);
    if (found.length === line.length) return [line];
    this.held = line.slice(0, found.length);
    this.step = found.step;
    this.waited = 0;
    if (found.step === STEPS.length) {
      this.tentative = line;
      return [];
    }
    return [line.slice(found.length)];
  }

  /** A whole message line: a full prefix, then a severity, a field or psql's own level. */
  private completes(line: string): boolean {
    const m = FULL.exec(line);
    return m !== null && MESSAGE_AFTER_PREFIX.test(line.slice(m[0].length));
  }

  /** The longest run of prefix pieces at the start of `text`, from step `from`. */
  private pieces(text: string, from: number): { length: number; step: number } {
    let length = 0;
    let step = from;
    while (step < STEPS.length) {
      const m = STEPS[step]!.exec(text.slice(length));
      if (m === null) break;
      length += m[0].length;
      step++;
    }
    return { length, step };
  }

  private clear(): void {
    this.held = '';
    this.step = 0;
    this.waited = 0;
    this.tentative = undefined;
  }
}

/**
 * A hand-made log's bytes → what the parser should read: whole lines, mended. Most of a big log
 * is query output with no `psql:` in it: such a stretch goes through as it is, bytes untouched.
 */
export class TeeLines {
  private readonly repair = new TeeRepair();
  private pending: Buffer[] = [];

  push(chunk: Buffer): (Buffer | string)[] {
    const last = chunk.lastIndexOf(0x0a);
    if (last < 0) {
      this.pending.push(Buffer.from(chunk));
      return [];
    }
    // The partial line held from before is joined to its end only (a small copy); the rest
    // of the chunk's whole lines go on as a view of it.
    const out: (Buffer | string)[] = [];
    let from = 0;
    if (this.pending.length > 0) {
      from = chunk.indexOf(0x0a) + 1;
      this.region(Buffer.concat([...this.pending, chunk.subarray(0, from)]), out);
    }
    if (from <= last) this.region(chunk.subarray(from, last + 1), out);
    this.pending = last + 1 < chunk.length ? [Buffer.from(chunk.subarray(last + 1))] : [];
    return out;
  }

  /**
   * Whole lines (the region ends with LF): as they are while nothing is held and no `psql:`
   * follows (only a line starting with it can be mended: TeeRepair.fresh), else line by line
   * through the repair, from the line that holds it until the repair lets go.
   */
  private region(region: Buffer, out: (Buffer | string)[]): void {
    let from = 0;
    while (from < region.length) {
      if (!this.repair.holding) {
        const at = region.indexOf('psql:', from);
        if (at < 0) {
          out.push(region.subarray(from));
          return;
        }
        const start = region.lastIndexOf(0x0a, at) + 1;
        if (start > from) out.push(region.subarray(from, start));
        from = start;
      }
      const eol = region.indexOf(0x0a, from);
      const mended = this.repair.push(region.toString('utf8', from, eol));
      if (mended.length > 0) out.push(`${mended.join('\n')}\n`);
      from = eol + 1;
    }
  }

  end(): string[] {
    const rest = this.pending.length === 0 ? [] : [Buffer.concat(this.pending).toString('utf8')];
    this.pending = [];
    const mended = [...rest.flatMap((line) => this.repair.push(line)), ...this.repair.end()];
    return mended.length === 0 ? [] : [mended.join('\n')];
  }
}
