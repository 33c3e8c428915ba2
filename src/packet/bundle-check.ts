/**
 * One packet file's own text, checked before anything of it is bundled: every backslash command
 * on the allow-list (src/packet/meta-args.ts), an include alone on its line with an empty
 * buffer, nothing left open and no statement unterminated at the end, no COPY … FROM STDIN, no
 * operator's value interpolated unquoted. The first refusal is a BundleError naming the file,
 * line and column, with the line's text. ./bundle.ts follows the includes it returns.
 */
import { BundleError } from './bundle-error.js';
import { checkAllowed, UNLISTED, type CommandOrigin } from './meta-args.js';
import { scanPsqlScript, type MetaCommand } from './psql-lexer.js';
import type { ScanResult } from './psql-scan-types.js';

const INCLUDE = new Set(['i', 'include', 'ir', 'include_relative']);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A file that passed: its bytes (BOM dropped), its lines, its scan, and its include lines. */
export interface CheckedFile {
  content: Buffer;
  /** Byte offset of the start of every line. */
  lineStarts: number[];
  scan: ScanResult;
  /** The include commands, by line. */
  includes: Map<number, MetaCommand>;
  lineText: (line: number) => string;
  /** The lexer counts bytes; a caret under UTF-8 text counts characters. */
  charColumn: (line: number, column: number) => number;
}

export function checkFile(
  file: string,
  raw: Buffer,
  origin: CommandOrigin,
  runner: ReadonlySet<string>,
): CheckedFile {
  const content = raw.subarray(0, 3).equals(BOM) ? raw.subarray(3) : raw;
  const lineStarts = lineOffsets(content);
  const lineBytes = (line: number): Buffer => {
    const next = lineStarts[line];
    const end = next !== undefined ? next - 1 : content.length;
    const bytes = content.subarray(lineStarts[line - 1] ?? content.length, end);
    return bytes.at(-1) === 0x0a ? bytes.subarray(0, -1) : bytes;
  };
  const lineText = (line: number): string => lineBytes(line).toString('utf8');
  /** The lexer counts bytes; a caret under UTF-8 text counts characters. */
  const charColumn = (line: number, column: number): number =>
    lineBytes(line)
      .subarray(0, column - 1)
      .toString('utf8').length + 1;
  const scan = scanPsqlScript(content.toString('latin1'));
  const includes = new Map<number, MetaCommand>();
  // The first refused line is reported; on it, a command refused for a named danger (`\!`
  // after `\echo hi`) rather than the first one merely not on the list.
  let refused: BundleError | undefined;
  for (const command of scan.commands) {
    const where = {
      file,
      line: command.line,
      column: charColumn(command.line, command.column),
      text: lineText(command.line),
    };
    if (refused !== undefined && refused.line !== command.line) throw refused;
    try {
      checkAllowed(command, where, origin, runner);
    } catch (error) {
      if (!(error instanceof BundleError)) throw error;
      if (refused === undefined || (isUnlisted(refused) && !isUnlisted(error))) refused = error;
      continue;
    }
    if (!INCLUDE.has(command.name)) continue;
    if (!command.atLineStart || !command.endsLine)
      throw new BundleError(
        { reason: 'syntax', ...where },
        `\\${command.name} must stand alone on its line`,
      );
    if (!command.bufferEmpty)
      throw new BundleError(
        { reason: 'syntax', ...where },
        `\\${command.name} with an unterminated statement before it (psql runs the included file with its own buffer)`,
        "end the statement with ';' before the include",
      );
    includes.set(command.line, command);
  }
  if (refused !== undefined) throw refused;

  if (scan.open !== undefined) {
    const { construct, line, column, tag } = scan.open;
    throw new BundleError(
      { reason: 'syntax', file, line, column: charColumn(line, column), text: lineText(line) },
      `${construct}${tag === undefined ? '' : ` ${tag}`} opened here is not closed before the end of the file`,
      construct === 'COPY data' ? 'end COPY data with a line holding only \\.' : undefined,
    );
  }
  if (scan.pending !== undefined) {
    const { line, column } = scan.pending;
    throw new BundleError(
      { reason: 'syntax', file, line, column: charColumn(line, column), text: lineText(line) },
      'statement not terminated at the end of the file (psql would send it when this file ends)',
      "end it with ';'",
    );
  }
  for (const statement of scan.statements) {
    if (statement.copyFromStdin !== true) continue;
    const text = lineText(statement.start);
    throw new BundleError(
      {
        reason: 'unsupported',
        file,
        line: statement.start,
        column: text.length - text.trimStart().length + 1,
        text,
      },
      'COPY … FROM STDIN is not allowed in a packet: when the COPY fails, psql reads its data lines as commands',
      'load the rows with INSERT … VALUES, or from a table the packet creates',
    );
  }
  for (const variable of scan.variables) {
    if (variable.form !== 'plain' || !runner.has(variable.name)) continue;
    throw new BundleError(
      {
        reason: 'unsupported',
        file,
        line: variable.line,
        column: charColumn(variable.line, variable.column),
        text: lineText(variable.line),
      },
      `:${variable.name} puts the operator's value into the SQL unquoted (psql reads it as script text)`,
      `use :'${variable.name}', a quoted literal`,
    );
  }
  return { content, lineStarts, scan, includes, lineText, charColumn };
}

function isUnlisted(error: BundleError): boolean {
  return error.message.split('\n', 1)[0]!.endsWith(UNLISTED);
}

/** Byte offsets of the start of every line; a trailing newline does not start another line. */
function lineOffsets(content: Buffer): number[] {
  const starts: number[] = [];
  let at = 0;
  while (at < content.length) {
    starts.push(at);
    const eol = content.indexOf(0x0a, at);
    if (eol < 0) break;
    at = eol + 1;
  }
  return starts;
}
