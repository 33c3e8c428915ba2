/**
 * What the psql script lexer (./psql-lexer.ts) finds in a script: its backslash commands and
 * their arguments, its statements, the psql variables in its SQL, and what is left open at the
 * end. Lines and columns are 1-based, in bytes.
 */

export interface MetaCommand {
  line: number;
  /** Column of the backslash (1-based, in bytes). */
  column: number;
  /** Command name without the backslash: `ir`, `i`, `include_relative`, `copy`, … */
  name: string;
  /**
   * Raw text after the name, up to where psql stops reading this command: the end of the line
   * for the whole-line commands (`\\!`, `\\copy`, …), else the next unquoted backslash (a
   * `\\\\` separator, or the next command) or the end of the line.
   */
  args: string;
  /** The arguments as psql's slash lexer splits them (OT_NORMAL), with what each one holds. */
  argv: SlashArgument[];
  /** A quote ('…', "…", `…`) in the arguments is not closed on this line (psql: an error). */
  unterminated: boolean;
  /** Only whitespace precedes the backslash on its line. */
  atLineStart: boolean;
  /** Nothing follows on the line (no `\\` and another command or SQL after it). */
  endsLine: boolean;
  /** No SQL is pending in psql's query buffer when the command runs. */
  bufferEmpty: boolean;
}

/** One argument of a backslash command, as psqlscanslash reads it. */
export interface SlashArgument {
  /** The argument's source text. */
  raw: string;
  /** Column of its first character (1-based, in bytes). */
  column: number;
  /** The value psql builds from it before expanding variables: '…' unescaped, "…" kept. */
  value: string;
  /** Some of it was quoted ('…', "…", `…`). */
  quoted: boolean;
  /** psql variables it refers to (`:name`, `:'name'`, `:"name"`, `:{?name}`), by name. */
  variables: string[];
  /** It holds a backquoted shell command. */
  backquote: boolean;
}

/** A psql variable interpolated into SQL text (outside strings, comments and commands). */
export interface SqlVariable {
  line: number;
  column: number;
  name: string;
  /** `:name` (the value is lexed again as script text), `:'name'`, `:"name"` or `:{?name}`. */
  form: 'plain' | 'literal' | 'identifier' | 'test';
}

export interface ScannedStatement {
  /** Line where psql's query buffer starts (first non-blank, non `--` text). */
  start: number;
  /** Line of the `;` (or `\g`-like command) that sent it. */
  end: number;
  /** `COPY … FROM STDIN`: psql reads the lines after it as data (and as commands if it fails). */
  copyFromStdin?: true;
}

export type OpenConstruct =
  'string' | 'quoted identifier' | 'dollar-quoted string' | 'comment' | 'COPY data';

export interface ScanResult {
  commands: MetaCommand[];
  statements: ScannedStatement[];
  variables: SqlVariable[];
  /** Something still open at end of file, and where it opened. */
  open?: { construct: OpenConstruct; line: number; column: number; tag?: string };
  /** SQL left in the buffer at end of file (psql would send it when the file ends). */
  pending?: { line: number; column: number };
}
