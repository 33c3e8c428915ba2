/**
 * Just enough of psql's own lexer (psqlscan.l) to find backslash commands in a script: psql
 * treats `\` as a meta-command anywhere outside string literals ('…', E'…'), quoted identifiers
 * ("…"), dollar-quoted bodies ($$…$$, $tag$…$tag$) and comments (-- …, nested /* … *\/), and
 * the command runs to the end of the line (or to `\\`). It also follows statements (`;` at
 * parenthesis depth 0) so the bundler knows where each one starts and ends, and skips the data
 * lines that follow `COPY … FROM STDIN` / `\copy … from stdin` up to `\.`, which psql reads as
 * data, not as SQL.
 *
 * Input is the file's bytes as a latin1 string: one character per byte, so offsets are byte
 * offsets and no byte sequence can fail to decode. Lines and columns are 1-based.
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

/** Meta-commands that send the query buffer, like `;` does. */
const SENDS_BUFFER = new Set(['g', 'gx', 'gset', 'gexec', 'gdesc', 'crosstabview', 'watch']);
const DOLLAR_TAG = /\$(?:[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$/y;
const IDENTIFIER = /[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*/y;
const NUMBER = /[0-9][0-9A-Za-z_]*/y;
const SPACE = /[ \t\n\r\f\v]/;

export function scanPsqlScript(text: string): ScanResult {
  const commands: MetaCommand[] = [];
  const statements: ScannedStatement[] = [];
  const variables: SqlVariable[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  // Statement being collected.
  let started: { line: number; column: number } | undefined; // psql's buffer is non-empty
  let sql: { line: number; column: number } | undefined; // …with something besides comments
  let firstWord: string | undefined;
  let lastWordWasFrom = false;
  let fromStdin = false;
  let copyAfterLine = false;

  const column = (at: number): number => at - lineStart + 1;
  const here = (at: number) => ({ line, column: column(at) });
  const newline = (at: number): void => {
    line += 1;
    lineStart = at + 1;
  };
  const markSql = (at: number): void => {
    started ??= here(at);
    sql ??= here(at);
  };
  const endStatement = (): void => {
    if (started !== undefined && sql !== undefined) {
      const copy = firstWord === 'COPY' && fromStdin;
      statements.push(
        copy
          ? { start: started.line, end: line, copyFromStdin: true }
          : { start: started.line, end: line },
      );
      if (copy) copyAfterLine = true;
    }
    started = sql = firstWord = undefined;
    lastWordWasFrom = fromStdin = false;
  };
  const word = (w: string): void => {
    if (depth !== 0) return;
    const upper = w.toUpperCase();
    firstWord ??= upper;
    if (lastWordWasFrom) fromStdin = upper === 'STDIN';
    lastWordWasFrom = upper === 'FROM';
  };
  /** Skips a quoted run starting after its opening quote; returns the index after the close. */
  const skipQuoted = (from: number, quote: string, backslashEscapes: boolean): number => {
    let j = from;
    while (j < text.length) {
      const c = text[j]!;
      if (c === '\n') newline(j);
      else if (backslashEscapes && c === '\\') {
        if (text[j + 1] === '\n') newline(j + 1);
        j += 2;
        continue;
      } else if (c === quote) {
        if (text[j + 1] === quote) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j += 1;
    }
    return -1;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      newline(i);
      i += 1;
      if (copyAfterLine) {
        copyAfterLine = false;
        const opened = here(i);
        const end = skipCopyData(text, i);
        if (end < 0)
          return { commands, statements, variables, open: { construct: 'COPY data', ...opened } };
        // Count the data lines (the terminator line included) as read.
        for (let j = i; j < end; j++) if (text[j] === '\n') newline(j);
        i = end;
      }
      continue;
    }
    if (SPACE.test(c)) {
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
      continue;
    }
    if (c === '/' && next === '*') {
      const opened = here(i);
      started ??= opened;
      let nesting = 1;
      let j = i + 2;
      while (j < text.length && nesting > 0) {
        if (text[j] === '\n') newline(j);
        else if (text[j] === '/' && text[j + 1] === '*') {
          nesting += 1;
          j += 1;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          nesting -= 1;
          j += 1;
        }
        j += 1;
      }
      if (nesting > 0) return result('comment', opened);
      i = j;
      continue;
    }
    if (c === "'" || c === '"') {
      const opened = here(i);
      markSql(i);
      const end = skipQuoted(i + 1, c, false);
      if (end < 0) return result(c === "'" ? 'string' : 'quoted identifier', opened);
      i = end;
      continue;
    }
    if (c === '$') {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(text)?.[0];
      markSql(i);
      if (tag === undefined) {
        i += 1; // a parameter ($1) or a lone dollar
        continue;
      }
      const opened = here(i);
      const close = text.indexOf(tag, i + tag.length);
      if (close < 0) return result('dollar-quoted string', opened, tag);
      for (let j = i + tag.length; j < close; j++) if (text[j] === '\n') newline(j);
      i = close + tag.length;
      continue;
    }
    IDENTIFIER.lastIndex = i;
    const ident = IDENTIFIER.exec(text)?.[0];
    if (ident !== undefined) {
      markSql(i);
      i += ident.length;
      if ((ident === 'E' || ident === 'e') && text[i] === "'") {
        const opened = here(i - 1);
        const end = skipQuoted(i + 1, "'", true);
        if (end < 0) return result('string', opened);
        i = end;
      } else word(ident);
      continue;
    }
    if (c === ':') {
      const reference = readSqlVariable(text, i);
      if (reference !== undefined) {
        markSql(i);
        variables.push({ ...here(i), name: reference.name, form: reference.form });
        i = reference.end;
        lastWordWasFrom = false;
        continue;
      }
      if (next === ':') {
        markSql(i);
        i += 2;
        lastWordWasFrom = false;
        continue;
      }
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text)?.[0];
    if (number !== undefined) {
      markSql(i);
      i += number.length;
      lastWordWasFrom = false;
      continue;
    }
    if (c === '\\') {
      if (next === ';' || next === ':') {
        markSql(i);
        i += 2;
        continue;
      }
      const command = readMetaCommand(text, i, lineStart);
      const name = command.name;
      commands.push({
        line,
        column: column(i),
        name,
        args: command.args,
        argv: command.argv,
        unterminated: command.unterminated,
        atLineStart: text.slice(lineStart, i).trim() === '',
        endsLine: !command.separated,
        bufferEmpty: sql === undefined,
      });
      if (SENDS_BUFFER.has(name)) endStatement();
      if (name === 'copy' && /\bfrom\s+p?stdin\b/i.test(command.args)) copyAfterLine = true;
      i = command.end;
      continue;
    }
    markSql(i);
    if (c === '(') depth += 1;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0) endStatement();
    if (c !== ';') lastWordWasFrom = false;
    i += 1;
  }
  if (copyAfterLine)
    return {
      commands,
      statements,
      variables,
      open: { construct: 'COPY data', line: line + 1, column: 1 },
    };
  return sql === undefined
    ? { commands, statements, variables }
    : { commands, statements, variables, pending: sql };

  function result(
    construct: OpenConstruct,
    at: { line: number; column: number },
    tag?: string,
  ): ScanResult {
    return {
      commands,
      statements,
      variables,
      open: tag === undefined ? { construct, ...at } : { construct, ...at, tag },
    };
  }
}

/** psqlscanslash's whitespace (no \v, unlike the SQL lexer). */
const SLASH_SPACE = /[ \t\n\r\f]/;
const VARIABLE_CHARS = /[A-Za-z\x80-\xff_0-9]+/y;
/**
 * The commands psql reads to the end of the line, backslashes included (OT_WHOLE_LINE):
 * `\! cmd \\ \echo x` hands all of `cmd \\ \echo x` to the shell. `\copy` is matched in any case.
 */
const WHOLE_LINE = new Set(['!', 'copy', 'ef', 'ev', 'sf', 'sv', 'h', 'help']);

function isWholeLineCommand(name: string): boolean {
  return WHOLE_LINE.has(name) || name.toLowerCase() === 'copy';
}

/**
 * A variable reference at `at` (a colon), as psql's lexers match it: `:name`, `:'name'`,
 * `:"name"`, `:{?name}`; undefined when the colon starts none of them (`::`, `:=`, `:'x`…).
 */
function readSqlVariable(
  text: string,
  at: number,
): { name: string; form: SqlVariable['form']; end: number } | undefined {
  const chars = (from: number): string | undefined => {
    VARIABLE_CHARS.lastIndex = from;
    return VARIABLE_CHARS.exec(text)?.[0];
  };
  const next = text[at + 1];
  if (next === "'" || next === '"') {
    const name = chars(at + 2);
    if (name === undefined || text[at + 2 + name.length] !== next) return undefined;
    return { name, form: next === "'" ? 'literal' : 'identifier', end: at + 3 + name.length };
  }
  if (next === '{' && text[at + 2] === '?') {
    const name = chars(at + 3);
    if (name === undefined || text[at + 3 + name.length] !== '}') return undefined;
    return { name, form: 'test', end: at + 4 + name.length };
  }
  const name = chars(at + 1);
  return name === undefined ? undefined : { name, form: 'plain', end: at + 1 + name.length };
}

/**
 * A backslash command at `at`, read as psqlscanslash reads it. The name runs to whitespace or
 * the next backslash. A whole-line command takes the rest of the line. Any other command's
 * arguments are words separated by whitespace, each running to unquoted whitespace or an
 * unquoted backslash ('…' with '' and backslash escapes, "…" and `…` verbatim, variables), and
 * the command ends at the first unquoted backslash: a `\\\\` there is eaten (the separator),
 * any other backslash starts the next command (`\echo hi \! touch x` is two commands). A quote
 * is never continued on the next line.
 */
function readMetaCommand(
  text: string,
  at: number,
  lineStart: number,
): {
  name: string;
  args: string;
  argv: SlashArgument[];
  unterminated: boolean;
  end: number;
  separated: boolean;
} {
  const eolAt = text.indexOf('\n', at);
  const eol = eolAt < 0 ? text.length : eolAt;
  let j = at + 1;
  while (j < eol && text[j] !== '\\' && !SLASH_SPACE.test(text[j]!)) j += 1;
  const name = text.slice(at + 1, j);
  const argsStart = j;
  const argv: SlashArgument[] = [];
  if (isWholeLineCommand(name))
    return {
      name,
      args: text.slice(argsStart, eol),
      argv,
      unterminated: false,
      end: eol,
      separated: false,
    };
  let unterminated = false;
  for (;;) {
    while (j < eol && SLASH_SPACE.test(text[j]!)) j += 1;
    if (j >= eol || text[j] === '\\') break;
    const start = j;
    let value = '';
    let quoted = false;
    let backquote = false;
    const names: string[] = [];
    while (j < eol && text[j] !== '\\' && !SLASH_SPACE.test(text[j]!)) {
      const c = text[j]!;
      if (c === "'") {
        quoted = true;
        j += 1;
        for (;;) {
          if (j >= eol) {
            unterminated = true;
            break;
          }
          const q = text[j]!;
          if (q === "'" && text[j + 1] === "'") {
            value += "'";
            j += 2;
          } else if (q === "'") {
            j += 1;
            break;
          } else if (q === '\\' && j + 1 < eol) {
            const [escaped, used] = unescapeSlashQuote(text, j + 1);
            value += escaped;
            j += 1 + used;
          } else {
            value += q;
            j += 1;
          }
        }
      } else if (c === '"' || c === '`') {
        quoted = true;
        if (c === '`') backquote = true;
        const close = text.indexOf(c, j + 1);
        if (close < 0 || close > eol) {
          unterminated = true;
          value += text.slice(j, eol);
          j = eol;
        } else {
          const body = text.slice(j, close + 1);
          if (c === '`')
            for (const m of body.matchAll(/:'?([A-Za-z\x80-\xff_0-9]+)/g)) names.push(m[1]!);
          // psql keeps "…" with its quotes; `…` is replaced by the command's output (its text
          // when not run, as in an inactive branch).
          value += c === '`' ? body.slice(1, -1) : body;
          j = close + 1;
        }
      } else if (c === ':') {
        const reference = readSqlVariable(text, j);
        if (reference !== undefined && reference.end <= eol) {
          names.push(reference.name);
          value += text.slice(j, reference.end);
          j = reference.end;
        } else {
          value += c;
          j += 1;
        }
      } else {
        value += c;
        j += 1;
      }
      if (unterminated) break;
    }
    // psql drops an argument whose quote is not closed (and says so): so does argv.
    if (unterminated) break;
    argv.push({
      raw: text.slice(start, j),
      column: start - lineStart + 1,
      value,
      quoted,
      variables: names,
      backquote,
    });
  }
  const args = text.slice(argsStart, j);
  if (!unterminated && text[j] === '\\' && text[j + 1] === '\\')
    return { name, args, argv, unterminated, end: j + 2, separated: true };
  return { name, args, argv, unterminated, end: j, separated: j < eol };
}

/** A backslash escape in a single-quoted slash argument, from after the backslash. */
function unescapeSlashQuote(args: string, at: number): [string, number] {
  const c = args[at]!;
  const simple: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };
  if (simple[c] !== undefined) return [simple[c], 1];
  const octal = /^[0-7]{1,3}/.exec(args.slice(at, at + 3))?.[0];
  if (octal !== undefined) return [String.fromCharCode(parseInt(octal, 8) & 0xff), octal.length];
  const hex = /^x([0-9A-Fa-f]{1,2})/.exec(args.slice(at, at + 3));
  if (hex !== null) return [String.fromCharCode(parseInt(hex[1]!, 16)), hex[0].length];
  return [c, 1];
}

/**
 * COPY data starts at `from` (a line start) and ends after a line that is exactly `\.` (CR LF
 * allowed). Returns the index after that line, or -1 when the file ends first.
 */
function skipCopyData(text: string, from: number): number {
  let j = from;
  while (j < text.length) {
    const eol = text.indexOf('\n', j);
    const lineText = text.slice(j, eol < 0 ? text.length : eol).replace(/\r$/, '');
    if (lineText === '\\.') return eol < 0 ? text.length : eol + 1;
    if (eol < 0) break;
    j = eol + 1;
  }
  return -1;
}
