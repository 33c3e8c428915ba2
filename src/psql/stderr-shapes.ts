/**
 * The shapes of psql's stderr lines, as the parser (./parse.ts) tells them apart: psql's
 * location prefix, a server message's severity and its fields, psql's own errors, the
 * `LINE n:` quote of the statement with its caret, and the frames of a CONTEXT chain; and, for
 * a log with both streams merged, which of its lines are stderr's.
 */
import type { MessageEvent, PsqlErrorEvent, StatementPosition } from './events.js';

export const LOCUS = /^psql:(.+?):(\d+): (.*)$/;
export const SEVERITY = /^(PANIC|FATAL|ERROR|WARNING|NOTICE|INFO|LOG|DEBUG): {2}(.*)$/;
export const FIELD = /^(DETAIL|HINT|CONTEXT|QUERY|STATEMENT): {2}(.*)$/;
export const PSQL_LEVEL = /^(fatal|error|warning|info|detail|hint): (.*)$/;
export const PROGNAME = /^psql: (fatal|error|warning|info|detail|hint): (.*)$/;
export const LINE_N = /^LINE (\d+): (.*)$/;
export const CARET = /^( *)\^$/;
/** The frames of a CONTEXT chain (errcontext calls in the server and PL/pgSQL). */
const CONTEXT_FRAME =
  /^(PL\/pgSQL |SQL (statement|function|expression) |COPY \S.*, line \d+|parallel worker|JSON data, line \d+|while |referential integrity query|automatic (vacuum|analyze) of table)/;

export type Field = 'text' | 'detail' | 'hint' | 'context' | 'query' | 'statement';

export interface OpenMessage {
  event: MessageEvent;
  field: Field;
  /** The LINE n: line is waiting for its caret. */
  caretFor?: StatementPosition | undefined;
  /** Width of `LINE n: `, to turn the caret's offset into a column of lineText. */
  caretOffset: number;
}

export interface OpenPsqlError {
  event: PsqlErrorEvent;
  field: 'text' | 'detail' | 'hint';
}

/**
 * A merged log gives no stream: a line is stderr's when it starts a message (`psql:…`, a bare
 * severity) or can continue the open one (DETAIL/HINT/CONTEXT/QUERY/STATEMENT, `LINE n:` and
 * its caret, a CONTEXT frame, a psql error's tab-indented line); anything else is stdout's.
 * Lossy only where the merge is: a message's own extra text lines read as output.
 */
export function isStderrLine(line: string, open: OpenMessage | OpenPsqlError | undefined): boolean {
  return (
    line.startsWith('psql:') ||
    SEVERITY.test(line) ||
    (open?.event.kind === 'psql-error' && line.startsWith('\t')) ||
    (open?.event.kind === 'message' &&
      (FIELD.test(line) ||
        LINE_N.test(line) ||
        ((open as OpenMessage).caretFor !== undefined && CARET.test(line)) ||
        ((open as OpenMessage).field === 'context' && CONTEXT_FRAME.test(line))))
  );
}
