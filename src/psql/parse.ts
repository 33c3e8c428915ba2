/**
 * psql's output → typed events. Pure and streaming: feed chunks as they arrive, split anywhere
 * (mid-line, mid-UTF-8 sequence); the events are the same as for one chunk. Each stream has its
 * own line buffer; a line is decoded once it is whole (LF never occurs inside a UTF-8 sequence),
 * invalid bytes become U+FFFD, a trailing CR is ignored for parsing (kept in `raw`). The work is
 * linear in the input: a long line is kept as a list of chunks until its LF arrives.
 *
 * stdout: command tags (`INSERT 0 5`), the runner's sentinel, and everything else as `output`
 * (./stdout-line.ts). stderr (its line shapes: ./stderr-shapes.ts): a message starts at `psql:<input>:<line>: SEVERITY:  …` (psql run with `-f -`; without
 * `-f` psql prints no location and a bare `SEVERITY:  …` starts one), `psql:…: error: …` or
 * `psql: error: …` (psql's own). The lines that follow (DETAIL, HINT, CONTEXT, QUERY, STATEMENT,
 * `LINE n:` and its caret, and bare continuation lines) belong to it. A message ends when a line
 * arrives that cannot continue it: a new message on stderr, any line on stdout, or end().
 * So an event is emitted once the line after it arrives; end() flushes the last one. Across the
 * two streams, events come in the order the lines arrive (psql flushes stdout per statement).
 * One exception: a packet marker raised as a literal notice (`RAISE NOTICE 'ONEROOF TIER 20
 * BEGIN x'`, a marker site of the map whose format has no `%`) is whole on its first line (the
 * packet contract fixes SHOW_CONTEXT errors: a notice has no CONTEXT), so it is emitted at once.
 * The line after it may never come in time: psql's stdout and stderr reach us on two channels
 * (docker exec, ssh), so the statement tags after the notice can arrive before it, and the
 * server may then be silent for as long as a lock is waited for.
 *
 * The runner must run psql with `-f -`: reading plain stdin, psql prints no `psql:<stdin>:N:`
 * location, so nothing can be mapped, and its own errors come without a prefix (they then read
 * as more text of the message before them). A log with both streams merged (an operator's
 * `2>&1 | tee`) can be pushed as `combined`.
 */
import {
  isErrorSeverity,
  type Position,
  type PsqlEvent,
  type PsqlLocation,
  type Severity,
  type StatementPosition,
} from './events.js';
import { LineSplitter } from './lines.js';
import { markerFromPacket, markerOf } from './markers.js';
import {
  CARET,
  FIELD,
  isStderrLine,
  LINE_N,
  LOCUS,
  PROGNAME,
  PSQL_LEVEL,
  SEVERITY,
  type Field,
  type OpenMessage,
  type OpenPsqlError,
} from './stderr-shapes.js';
import { mayMean, type PsqlParser, type PsqlParserOptions } from './parser-options.js';
import { stdoutEvent } from './stdout-line.js';

export function createPsqlParser(options: PsqlParserOptions = {}): PsqlParser {
  const input = options.input ?? '<stdin>';
  const lines = {
    stdout: new LineSplitter(),
    stderr: new LineSplitter(),
    combined: new LineSplitter(),
  };
  let open: OpenMessage | OpenPsqlError | undefined;
  let out: PsqlEvent[] = [];

  const where = (location: PsqlLocation | undefined): Position | undefined => {
    if (location === undefined) return undefined;
    if (location.input !== input) return { file: location.input, line: location.line };
    return options.map?.lookup(location.line);
  };

  const close = (): void => {
    if (open === undefined) return;
    const event = open.event;
    open = undefined;
    out.push(event);
    if (event.kind === 'message') {
      const marker = markerOf(event);
      if (
        marker !== undefined &&
        markerFromPacket(event, marker, options.map, input, options.claims)
      )
        out.push(marker);
    }
  };

  /** The start of a stderr event: its first raw line, psql's location and the packet's. */
  const placed = (raw: string, location: PsqlLocation | undefined) => {
    const at = where(location);
    return {
      stream: 'stderr' as const,
      raw: [raw],
      ...(location === undefined ? {} : { location }),
      ...(at === undefined ? {} : { at }),
    };
  };

  const startMessage = (
    raw: string,
    severity: Severity,
    text: string,
    location: PsqlLocation | undefined,
  ): void => {
    close();
    open = {
      event: {
        kind: 'message',
        ...placed(raw, location),
        severity,
        text,
      },
      field: 'text',
      caretOffset: 0,
    };
    if (wholeMarker(severity, text, location)) close();
  };

  /** A literal notice of a marker site: nothing can follow it (see the header). */
  const wholeMarker = (severity: Severity, text: string, location: PsqlLocation | undefined) =>
    !isErrorSeverity(severity) &&
    location?.input === input &&
    options.map !== undefined &&
    options.map.markerFormats(location.line).some((f) => f === text && !f.includes('%'));

  const startPsqlError = (
    raw: string,
    level: string,
    text: string,
    location: PsqlLocation | undefined,
  ): void => {
    close();
    open = {
      event: {
        kind: 'psql-error',
        ...placed(raw, location),
        level:
          level === 'fatal' || level === 'error' || level === 'warning' || level === 'info'
            ? level
            : 'other',
        text,
      },
      field: 'text',
    };
  };

  /** Appends to the open message's current field (a continuation line) or sets a new field. */
  const setField = (field: Field, value: string, raw: string): void => {
    const message = open as OpenMessage;
    const event = message.event;
    event.raw.push(raw);
    const before = event[field];
    event[field] = before === undefined ? value : `${before}\n${value}`;
    message.field = field;
    message.caretFor = undefined;
  };

  const stderrLine = (raw: string): void => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let m: RegExpExecArray | null;
    if ((m = LOCUS.exec(line)) !== null) {
      const location = { input: m[1]!, line: Number(m[2]) };
      const rest = m[3]!;
      let f: RegExpExecArray | null;
      if ((f = SEVERITY.exec(rest)) !== null)
        return startMessage(raw, f[1] as Severity, f[2]!, location);
      // psql --echo-errors prints the failed statement as a message of its own: attach it.
      if ((f = FIELD.exec(rest)) !== null && open?.event.kind === 'message')
        return setField(f[1]!.toLowerCase() as Field, f[2]!, raw);
      if ((f = PSQL_LEVEL.exec(rest)) !== null) {
        if ((f[1] === 'detail' || f[1] === 'hint') && open?.event.kind === 'psql-error')
          return setPsqlErrorField(f[1], f[2]!, raw);
        return startPsqlError(raw, f[1]!, f[2]!, location);
      }
      return startPsqlError(raw, 'other', rest, location);
    }
    if ((m = PROGNAME.exec(line)) !== null) {
      if ((m[1] === 'detail' || m[1] === 'hint') && open?.event.kind === 'psql-error')
        return setPsqlErrorField(m[1], m[2]!, raw);
      return startPsqlError(raw, m[1]!, m[2]!, undefined);
    }
    if ((m = SEVERITY.exec(line)) !== null)
      return startMessage(raw, m[1] as Severity, m[2]!, undefined);
    if (open === undefined) {
      out.push({ kind: 'output', stream: 'stderr', raw: [raw] });
      return;
    }
    if (open.event.kind === 'psql-error')
      return setPsqlErrorField((open as OpenPsqlError).field, line, raw, true);
    const message = open as OpenMessage;
    if ((m = FIELD.exec(line)) !== null) return setField(m[1]!.toLowerCase() as Field, m[2]!, raw);
    if ((m = LINE_N.exec(line)) !== null) {
      const position: StatementPosition = { lineInStatement: Number(m[1]), lineText: m[2]! };
      const event = message.event;
      event.raw.push(raw);
      const inQuery = message.field === 'query';
      if (!inQuery) {
        const location = event.location;
        const at =
          location !== undefined && location.input === input
            ? options.map?.resolveInStatement(location.line, position.lineInStatement)
            : undefined;
        if (at !== undefined) position.at = at;
      }
      if (inQuery) event.queryPosition ??= position;
      else event.position ??= position;
      message.caretFor = position;
      message.caretOffset = line.length - m[2]!.length;
      return;
    }
    if (message.caretFor !== undefined && (m = CARET.exec(line)) !== null) {
      message.caretFor.caretColumn = m[1]!.length - message.caretOffset + 1;
      message.caretFor = undefined;
      message.event.raw.push(raw);
      return;
    }
    setField(message.field, line, raw);
  };

  const setPsqlErrorField = (
    field: 'text' | 'detail' | 'hint',
    value: string,
    raw: string,
    continuation = false,
  ): void => {
    const error = open as OpenPsqlError;
    error.event.raw.push(raw);
    const before = error.event[field];
    error.event[field] = before === undefined ? value : `${before}\n${value}`;
    if (!continuation) error.field = field;
  };

  const stdoutLine = (raw: string): void => {
    close();
    out.push(stdoutEvent(raw));
  };

  /** A merged log gives no stream: each line is attributed by its shape (isStderrLine). */
  const combinedLine = (raw: string): void => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (isStderrLine(line, open)) stderrLine(raw);
    else stdoutLine(raw);
  };

  const take = (): PsqlEvent[] => {
    const events = out;
    out = [];
    return events;
  };

  return {
    push(stream, chunk) {
      const handle =
        stream === 'stdout' ? stdoutLine : stream === 'stderr' ? stderrLine : combinedLine;
      let counted = 0;
      const plain =
        options.onOutputLines === undefined || stream === 'stderr'
          ? undefined
          : (bytes: Buffer, from: number, to: number): boolean => {
              if (open !== undefined || (to > from && mayMean(bytes[from]!))) return false;
              counted++;
              return true;
            };
      lines[stream].each(chunk, handle, plain);
      if (counted > 0) options.onOutputLines?.(counted);
      return take();
    },
    end() {
      for (const line of lines.stdout.end()) stdoutLine(line);
      for (const line of lines.stderr.end()) stderrLine(line);
      for (const line of lines.combined.end()) combinedLine(line);
      close();
      return take();
    },
  };
}
