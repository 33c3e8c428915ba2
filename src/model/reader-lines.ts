/**
 * A reader setup's own lines: the NOTICEs (what it did or found) and WARNINGs (why the role
 * may not log in) its file raises, each starting `ONEROOF READER ` (sql/README.md). Read the
 * same way by the live run (src/engine/reader.ts) and by replay (src/audit/reconstruct.ts), so
 * the judge gets the same facts from both.
 */
import type { PsqlEvent } from '../psql/events.js';

const READER_MARK = 'ONEROOF READER ';

/** The event's text after the mark, if it is a reader line of that severity. */
export function readerLine(event: PsqlEvent, severity: 'NOTICE' | 'WARNING'): string | undefined {
  if (event.kind !== 'message' || event.severity !== severity) return undefined;
  return event.text.startsWith(READER_MARK) ? event.text.slice(READER_MARK.length) : undefined;
}

/** The script whose `ONEROOF END` says the reader file ran whole: its name without .sql. */
export function readerScript(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1).replace(/\.sql$/, '');
}
