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
