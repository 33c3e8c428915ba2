import { plainText, styled, terminalText } from '../safe-text.js';
import { useColor, type ColorMode } from './color.js';

/**
 * Where the CLI writes. `--json` documents go to stdout and nothing else does; human text goes
 * to stderr. Passed in (not global) so tests can capture it.
 */
export interface Io {
  /** `failure`: a write that failed for another reason than a reader gone (a full disk). */
  stdout: { write(text: string): unknown; isTTY?: boolean; readonly failure?: Error | undefined };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number; rows?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where confirmations and passphrases are read (a TTY, or nothing to ask). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export function processIo(): Io {
  return {
    stdout: closable(process.stdout),
    stderr: closable(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  };
}

/** An output whose reader may go away (`oneroof … | head -1`). */
interface ClosableOutput {
  write(text: string | Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  /** True once the reader has gone (EPIPE) or a write failed: what is written after is dropped. */
  readonly closed: boolean;
  /** A write that failed for another reason than a reader gone (ENOSPC, EIO, EFBIG, …). */
  readonly failure: Error | undefined;
}

/**
 * stdout or stderr, where a reader that went away (EPIPE) is not an error of the command: the
 * rest of the output is dropped, no stack trace, and the command ends with its own exit code.
 * A write that fails otherwise (a redirect onto a full disk) drops the rest too, never with a
 * stack trace nor by stopping a run half-way; it is kept as `failure`, and main never ends
 * with exit 0 on a stdout that lost it (src/cli/main.ts). Anything waiting for 'drain' is
 * released.
 */
function closable(stream: NodeJS.WriteStream): ClosableOutput {
  let closed = false;
  let failure: Error | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') failure ??= error;
    closed = true;
    stream.emit('drain');
  });
  return {
    write: (text) => (closed ? true : stream.write(text)),
    once: (event, listener) => stream.once(event, listener),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
    get closed() {
      return closed;
    },
    get failure() {
      return failure;
    },
  };
}

export interface UiOptions {
  quiet: boolean;
  verbose: boolean;
  /** --color (src/commands/color.ts); auto when not given. */
  color?: ColorMode;
}

export class Ui {
  private progressShown = false;
  private readonly phasesShown = new Set<string>();
  readonly tty: boolean;
  /** Colour on stderr and on stdout, decided for each (src/commands/color.ts). */
  readonly color: boolean;
  readonly colorOut: boolean;

  constructor(
    readonly io: Io,
    readonly options: UiOptions,
  ) {
    this.tty = io.stderr.isTTY === true;
    const mode = options.color ?? 'auto';
    this.color = useColor(mode, io.stderr, io.env);
    this.colorOut = useColor(mode, io.stdout, io.env);
  }

  /**
   * A live view on stderr (src/commands/live/block.ts): erased before any other text, and
   * paused (not redrawn) while the operator is asked something.
   */
  overlay: { erase(): void; pause<T>(work: () => Promise<T>): Promise<T> } | undefined;

  /** Styles are marked by paint() and made SGR or dropped here, per stream. */
  forStderr(text: string): string {
    return this.color ? terminalText(text) : plainText(text);
  }

  /**
   * Every human-text writer below passes its text through terminalText (src/safe-text.ts):
   * what came from a database, a log, a file name or the command line cannot drive the
   * terminal. The styles and progress controls are added after, by Ui itself.
   */

  /** Human text: stderr, unless --quiet. */
  info(text: string): void {
    if (this.options.quiet) return;
    this.clearProgress();
    this.io.stderr.write(`${this.forStderr(text)}\n`);
  }

  /** Human text that is the command's result (a report, a list): stdout, even with --quiet. */
  out(text: string): void {
    this.io.stdout.write(this.colorOut ? terminalText(text) : plainText(text));
  }

  /** Human text on stderr, as given (its own line ends), even with --quiet. */
  err(text: string): void {
    this.clearProgress();
    this.io.stderr.write(this.forStderr(text));
  }

  /** Only with --verbose. */
  debug(text: string): void {
    if (this.options.verbose) this.info(text);
  }

  /** A line that the next one replaces on a TTY; a plain line otherwise. */
  progress(text: string): void {
    if (this.options.quiet) return;
    if (!this.tty) {
      // In a log file, one line per phase ("Retrieving", "Unpacking"…), not one per item.
      const phase = text.split(' ')[0] ?? text;
      if (!this.phasesShown.has(phase)) this.io.stderr.write(`${this.forStderr(text)}\n`);
      this.phasesShown.add(phase);
      return;
    }
    const width = 100;
    const line = text.length > width ? `${text.slice(0, width - 3)}...` : text;
    this.io.stderr.write(`\r\u001b[K${this.forStderr(this.dim(line))}`);
    this.progressShown = true;
  }

  clearProgress(): void {
    this.overlay?.erase();
    if (this.progressShown) {
      this.io.stderr.write('\r\u001b[K');
      this.progressShown = false;
    }
  }

  error(text: string): void {
    this.clearProgress();
    this.io.stderr.write(`${this.forStderr(`${this.paint('31', 'oneroof: error:')} ${text}`)}\n`);
  }

  /** The one JSON document of a --json run (built by writeJson, src/commands/json-out.ts). */
  json(document: { schema: string }): void {
    this.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }

  bold(text: string): string {
    return this.paint('1', text);
  }

  dim(text: string): string {
    return this.paint('2', text);
  }

  /** Red: what failed (FAIL, an error). */
  red(text: string): string {
    return this.paint('31', text);
  }

  green(text: string): string {
    return this.paint('32', text);
  }

  /** Marked always; each stream's writer makes the marks SGR or drops them. */
  private paint(code: string, text: string): string {
    return styled(code, text);
  }
}
