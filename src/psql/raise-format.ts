/** Matching a message psql printed against the RAISE format that may have raised it. */
/** A RAISE format (`%` an argument, `%%` a percent sign) against the message's text. */
export function formatMatches(format: string, text: string): boolean {
  const pattern = format
    .split('%%')
    .map((part) =>
      part
        .split('%')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[\\s\\S]*'),
    )
    .join('%');
  return new RegExp(`^${pattern}$`).test(text);
}
