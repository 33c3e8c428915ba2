/**
 * psql's slash lexer (psqlscanslash.l), as far as the bundler needs it: how a backslash
 * command's name and arguments are read (quotes, escapes, variables, backquotes, where the
 * command ends), and the variable references (`:name`, `:'name'`, …) both lexers match.
 * Input is a latin1 string, one character per byte (./psql-lexer.ts says why).
 */
import type { SlashArgument, SqlVariable } from './psql-scan-types.js';

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
export function readSqlVariable(
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
export function readMetaCommand(
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
