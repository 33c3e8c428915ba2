/**
 * The one error type of oneroof. A `kind` decides the exit code (the README's exit-code table); the message
 * is for a human, `hint` says what to do next, `cause` is shown with --verbose only.
 */
export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  noGo: 3,
  assertion: 4,
  integrity: 5,
  locked: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorKind =
  | 'runtime' // connection lost, container missing, psql could not start, log not writable
  | 'usage' // bad flag, bad value on the command line
  | 'config' // bad inventory, bad ssh_config resolution
  | 'no-go' // the gate is closed; nothing was mutated
  | 'assertion' // a tier or verify raised; the failing tier was not committed
  | 'integrity' // manifest mismatch, or a replayed log was edited
  | 'locked'; // another run holds the target's lock

const EXIT_BY_KIND: Record<ErrorKind, ExitCode> = {
  runtime: EXIT.runtime,
  usage: EXIT.usage,
  config: EXIT.usage,
  'no-go': EXIT.noGo,
  assertion: EXIT.assertion,
  integrity: EXIT.integrity,
  locked: EXIT.locked,
};

function exitCodeFor(kind: ErrorKind): ExitCode {
  return EXIT_BY_KIND[kind];
}

export interface OneroofErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class OneroofError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, message: string, options: OneroofErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OneroofError';
    this.kind = kind;
    this.hint = options.hint;
  }

  get exitCode(): ExitCode {
    return exitCodeFor(this.kind);
  }
}

/** The message chain of an error and its causes, one per line, for --verbose. */
export function describeCauses(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    if (current instanceof Error) {
      lines.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(
        typeof current === 'string' ? current : (JSON.stringify(current) ?? typeof current),
      );
      break;
    }
  }
  return lines;
}

/**
 * The command has already printed its result (a NO-GO report, a group summary); only the exit
 * code is left to return. main() prints nothing more for it.
 */
export class ReportedExit extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.name = 'ReportedExit';
  }
}

/** An error's message, its first line only (for a one-line reason). */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
