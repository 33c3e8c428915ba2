/**
 * Where a packet may print a marker: the statements that raise one themselves. The bundler
 * records their formats in the SourceMap, and the parser counts a marker only from such a site.
 */

/**
 * The marker formats a statement raises itself: the literal of every `RAISE <level> '…'` whose
 * text starts like a packet marker (`ONEROOF `, `ASSERT `). Only these statements may print a
 * marker the parser counts (src/psql/markers.ts).
 */
export function markerFormats(statement: string): string[] {
  const formats: string[] = [];
  for (const m of statement.matchAll(
    /\bRAISE\s+(?:NOTICE|EXCEPTION|WARNING|INFO|LOG|DEBUG)?\s*'((?:[^']|'')*)'/gi,
  )) {
    const format = m[1]!.replace(/''/g, "'");
    if (/^(?:ONEROOF |ASSERT )/.test(format)) formats.push(format);
  }
  return formats;
}

/** A tier's marker: `ONEROOF TIER <nn> BEGIN|SKIP|COMMIT <name>[: <note>]` (src/psql/markers.ts). */
export const TIER_MARKER = /^ONEROOF TIER (\d+) (BEGIN|SKIP|COMMIT) (.+)$/;
/** A rollback's marker: `ONEROOF ROLLBACK <nn|full> BEGIN|SKIP|COMMIT <name>[: <note>]`. */
export const ROLLBACK_MARKER = /^ONEROOF ROLLBACK (\d+|full) (BEGIN|SKIP|COMMIT) (.+)$/;

/** A tier or rollback marker's last part: its name, then an optional `: note`. */
export function nameAndNote(rest: string): { name: string; note?: string } {
  const at = rest.indexOf(': ');
  return at < 0 ? { name: rest } : { name: rest.slice(0, at), note: rest.slice(at + 2) };
}
