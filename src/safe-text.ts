/**
 * The one way human text reaches a terminal. Text from a database (object names, NOTICE
 * messages), from a log being replayed, from file names and from what a user typed may carry
 * bytes a terminal obeys: ESC sequences (clear the screen, set the title, OSC 8 links, hide
 * text), BEL, C1 controls, a CR or backspace that overwrites what was printed, bidi overrides
 * that reorder a line, invisible characters that make two names look alike. `safeText` shows
 * every such character as an escape and leaves all other text as it is; every human-text writer
 * (src/commands/io.ts) passes its text through it. A leaf module: no imports from the project.
 *
 * The visible forms (documented in docs/threat-model.md, "What reaches your terminal"):
 *   an unsafe code point below U+0100 (C0, DEL, C1, SHY)  \xHH          e.g. \x1b  \x07  \x0d  \x9b
 *   an unsafe code point up to U+FFFF                     \uHHHH        e.g. \u202e  \u2028  \u200b
 *   an unsafe code point above U+FFFF                     \u{HHHHH}     e.g. \u{e0041}
 * Kept as they are: LF, TAB (moves to a tab stop, cannot overwrite), and CR directly followed
 * by LF (a CRLF line end overwrites nothing). An ESC sequence shows whole: its ESC becomes \x1b
 * and the rest is printable already (`\x1b[2J`, `\x1b]8;;http://…\x07`).
 *
 * Unsafe means: a control (Cc), a format character (Cf: bidi marks, embeddings, overrides and
 * isolates, zero-width space/joiners, soft hyphen, tags, BOM), a line or paragraph separator,
 * a lone surrogate, a noncharacter, or a default-ignorable code point (variation selectors,
 * Hangul fillers, …) — everything that renders as nothing or moves the cursor. Zero-width
 * joiners and variation selectors are shown too, although emoji use them: a table name that
 * looks like `users` must not be a different name, and a release runner's output has little
 * use for emoji. Invalid UTF-8 is decoded to U+FFFD (visible) before it gets here.
 *
 * So that an escape cannot be confused with text that merely looks like one, a backslash that
 * is followed by `x`, `u`, another backslash or an unsafe character is doubled: the text
 * `\x1b` (four characters) prints as `\\x1b`, the ESC character as `\x1b`.
 */
import { randomBytes } from 'node:crypto';

const UNSAFE_CLASS =
  '\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\p{Noncharacter_Code_Point}\\p{Default_Ignorable_Code_Point}';
/** CRLF kept; a backslash that would start an escape doubled; any unsafe code point escaped. */
const UNSAFE = new RegExp(`\\r\\n|\\\\(?=[xu\\\\${UNSAFE_CLASS}])|[${UNSAFE_CLASS}]`, 'gu');

function escape(match: string): string {
  if (match === '\n' || match === '\t' || match === '\r\n') return match;
  if (match === '\\') return '\\\\';
  const cp = match.codePointAt(0)!;
  const hex = cp.toString(16);
  if (cp < 0x100) return `\\x${hex.padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\u{${hex}}`;
}

/** `text` with every character a terminal would obey, or that hides, shown as an escape. */
export function safeText(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * safeText for text that arrives in pieces (--play): a CR or a backslash at the end of a piece
 * waits for the next one, which decides whether it is a CRLF or starts an escape.
 */
export class SafeTextStream {
  private held = '';

  write(piece: string): string {
    const text = this.held + piece;
    const last = text.at(-1);
    this.held = last === '\r' || last === '\\' ? last : '';
    return safeText(this.held ? text.slice(0, -1) : text);
  }

  end(): string {
    const rest = safeText(this.held);
    this.held = '';
    return rest;
  }
}

/**
 * User input echoed in a message: JSON-quoted (so its ends and its escapes are plain), and cut
 * to `max` characters with its length in bytes when it is longer, so a megabyte of input is not
 * printed back.
 */
export function quoteInput(value: unknown, max = 40): string {
  if (typeof value !== 'string') {
    const text = JSON.stringify(value) ?? String(value);
    return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
  }
  const chars = [...value];
  if (chars.length <= max) return JSON.stringify(value);
  const bytes = Buffer.byteLength(value, 'utf8');
  return `${JSON.stringify(chars.slice(0, max).join(''))}… (${bytes} bytes)`;
}

/** Text echoed by a library (commander's "unknown option '…'"): each line cut to `max`. */
export function clipLines(text: string, max = 200): string {
  return text
    .split('\n')
    .map((line) =>
      line.length <= max
        ? line
        : `${line.slice(0, max)}… (${Buffer.byteLength(line, 'utf8')} bytes)`,
    )
    .join('\n');
}

/*
 * Styles (bold, dim, red) are ESC sequences of our own, so they cannot pass through safeText.
 * `styled` wraps text in markers that start with a noncharacter and a random per-process key:
 * text from outside cannot forge one (a noncharacter in it is escaped, and it does not know the
 * key), and `terminalText` turns the markers into SGR sequences after sanitising the rest.
 */
const MARK = `\ufdd0${randomBytes(8).toString('hex')}`;
const MARKERS = new RegExp(`${MARK}([0-9;]{1,8})m`, 'g');

/** `text` in SGR style `sgr` ("1" bold, "2" dim, "31" red) once written by terminalText. */
export function styled(sgr: string, text: string): string {
  return `${MARK}${sgr}m${text}${MARK}0m`;
}

/** The text a writer puts on a terminal: sanitised, with styled() markers made SGR. */
export function terminalText(text: string): string {
  if (!text.includes(MARK)) return safeText(text);
  let out = '';
  let from = 0;
  for (const match of text.matchAll(MARKERS)) {
    out += `${safeText(text.slice(from, match.index))}\u001b[${match[1]}m`;
    from = match.index + match[0].length;
  }
  return out + safeText(text.slice(from));
}

/** terminalText for a stream without colour: the styled() markers dropped, the rest sanitised. */
export function plainText(text: string): string {
  return safeText(text.includes(MARK) ? text.replace(MARKERS, '') : text);
}
