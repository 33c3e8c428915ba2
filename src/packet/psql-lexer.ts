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
 * offsets and no byte sequence can fail to decode. Lines and columns are 1-based. What it finds
 * is typed in ./psql-scan-types.ts; a backslash command's arguments are read by ./psql-slash.ts.
 */
import type {
  MetaCommand,
  OpenConstruct,
  ScannedStatement,
  ScanResult,
  SqlVariable,
} from './psql-scan-types.js';
import { readMetaCommand, readSqlVariable } from './psql-slash.js';

export type { MetaCommand, SlashArgument } from './psql-scan-types.js';

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
