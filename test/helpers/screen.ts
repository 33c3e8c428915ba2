/**
 * What a terminal shows after a transcript: a small emulator of what oneroof writes — text, CR,
 * LF, ESC[nA (up), ESC[J (erase below), ESC[K (erase the rest of the line) — with SGR colour
 * sequences kept in the text, so a golden screen still shows what was red. Anything else is an
 * error: the view must not write what this emulator does not know.
 */
const ESC = String.fromCharCode(27);
const CONTROL = new RegExp(`${ESC}\\[([0-9;]*)([A-Za-z])|\\r|\\n|[^\\r\\n${ESC}]+`, 'gu');

export function screen(transcript: string): string {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  let pending = '';
  const line = (): string[] => (lines[row] ??= []);
  for (const match of transcript.matchAll(CONTROL)) {
    const [token, params, final] = match;
    if (token === '\r') col = 0;
    else if (token === '\n') {
      if (pending) line().push(pending);
      pending = '';
      row++;
      col = 0;
      line();
    } else if (final === 'm') pending += token;
    else if (final === 'A') row = Math.max(0, row - Number(params || '1'));
    else if (final === 'J') {
      line().length = col;
      lines.length = row + 1;
    } else if (final === 'K') line().length = col;
    else if (final !== undefined) throw new Error(`unexpected control ${JSON.stringify(token)}`);
    else
      for (const ch of token) {
        line()[col++] = pending + ch;
        pending = '';
      }
  }
  if (pending) line().push(pending);
  return lines.map((l) => l.map((c) => c ?? ' ').join('')).join('\n');
}

/**
 * The live view's last frame in a transcript: the block as the terminal showed it just before
 * the view erased it for good (its last `ESC[nA CR ESC[J`, src/commands/live/block.ts), or
 * undefined when no block was ever drawn.
 */
export function lastFrame(transcript: string): string | undefined {
  const erases = [...transcript.matchAll(new RegExp(`${ESC}\\[(\\d+)A\\r${ESC}\\[J`, 'g'))];
  const last = erases.at(-1);
  if (last === undefined) return undefined;
  const shown = screen(transcript.slice(0, last.index)).split('\n');
  return shown.slice(-(Number(last[1]) + 1), -1).join('\n');
}
