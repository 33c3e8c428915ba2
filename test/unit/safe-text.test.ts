/**
 * The one sanitiser of human text (src/safe-text.ts), tried with what a hostile database, log,
 * file name or user could put in front of a terminal; and the writers that must use it.
 */
import { describe, expect, it } from 'vitest';
import type { Ui } from '../../src/commands/io.js';
import { captureUi as capture } from '../helpers/capture-ui.js';
import { play } from '../../src/audit/play.js';
import type { OutputChunk } from '../../src/audit/chunks.js';
import { renderText } from '../../src/audit/text.js';
import { SafeTextStream, quoteInput, safeText, styled, terminalText } from '../../src/safe-text.js';

/** Nothing a terminal obeys or hides is left: only printable text, LF, TAB, CRLF. */
function assertInert(text: string): void {
  const rest = text.replaceAll('\r\n', '').replaceAll('\n', '').replaceAll('\t', '');
  expect(rest).not.toMatch(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Noncharacter_Code_Point}\p{Default_Ignorable_Code_Point}]/u,
  );
}

const ESC = '\u001b';
const HOSTILE: [name: string, input: string, shown: string][] = [
  ['ESC[2J clears the screen', `a${ESC}[2Jb`, 'a\\x1b[2Jb'],
  ['ESC[H homes the cursor', `${ESC}[H${ESC}[2J`, '\\x1b[H\\x1b[2J'],
  ['SGR conceal hides text', `${ESC}[8msecret${ESC}[0m`, '\\x1b[8msecret\\x1b[0m'],
  ['SGR colour fakes a verdict', `${ESC}[32mGO${ESC}[0m`, '\\x1b[32mGO\\x1b[0m'],
  ['cursor up rewrites earlier lines', `${ESC}[1A${ESC}[2K`, '\\x1b[1A\\x1b[2K'],
  [
    'OSC 8 hyperlink with BEL',
    `${ESC}]8;;http://evil/\u0007click${ESC}]8;;\u0007`,
    '\\x1b]8;;http://evil/\\x07click\\x1b]8;;\\x07',
  ],
  [
    'OSC 8 hyperlink with ST',
    `${ESC}]8;;http://evil/${ESC}\\x${ESC}]8;;${ESC}\\`,
    '\\x1b]8;;http://evil/\\x1b\\\\x\\x1b]8;;\\x1b\\',
  ],
  ['OSC 0 sets the window title', `${ESC}]0;pwned\u0007`, '\\x1b]0;pwned\\x07'],
  ['OSC 52 writes the clipboard', `${ESC}]52;c;cm0gLXJmIC8=\u0007`, '\\x1b]52;c;cm0gLXJmIC8=\\x07'],
  ['DCS string', `${ESC}P1$qm${ESC}\\`, '\\x1bP1$qm\\x1b\\'],
  ['a lone ESC', `${ESC}`, '\\x1b'],
  ['BEL', 'ding\u0007', 'ding\\x07'],
  ['CR overwrites the line', 'FAIL gate\rPASS gate', 'FAIL gate\\x0dPASS gate'],
  ['a trailing CR', 'text\r', 'text\\x0d'],
  ['backspaces erase', 'FAIL\b\b\b\bPASS', 'FAIL\\x08\\x08\\x08\\x08PASS'],
  ['NUL', 'a\u0000b', 'a\\x00b'],
  ['vertical tab and form feed', 'a\u000bb\u000cc', 'a\\x0bb\\x0cc'],
  ['DEL', 'a\u007fb', 'a\\x7fb'],
  ['C1 CSI (U+009B)', '\u009b2J', '\\x9b2J'],
  ['C1 OSC and ST (U+009D, U+009C)', '\u009d0;t\u009c', '\\x9d0;t\\x9c'],
  ['C1 NEL (U+0085)', 'a\u0085b', 'a\\x85b'],
  ['RLO reorders a name', 'users\u202etxt.exe', 'users\\u202etxt.exe'],
  ['LRO and PDF', '\u202dx\u202c', '\\u202dx\\u202c'],
  ['RLE and LRE', '\u202bx\u202ax', '\\u202bx\\u202ax'],
  ['isolates (LRI RLI FSI PDI)', '\u2066a\u2067b\u2068c\u2069', '\\u2066a\\u2067b\\u2068c\\u2069'],
  ['LRM and RLM', 'a\u200eb\u200f', 'a\\u200eb\\u200f'],
  ['Arabic letter mark', 'a\u061cb', 'a\\u061cb'],
  ['zero-width space makes two names alike', 'us\u200bers', 'us\\u200bers'],
  ['zero-width joiner and non-joiner', 'a\u200db\u200cc', 'a\\u200db\\u200cc'],
  ['word joiner and BOM', '\u2060x\ufeff', '\\u2060x\\ufeff'],
  ['soft hyphen', 'ad\u00admin', 'ad\\xadmin'],
  ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ['Hangul filler (invisible letter)', 'a\u3164b', 'a\\u3164b'],
  ['variation selector', 'users\ufe0f', 'users\\ufe0f'],
  ['tag characters (invisible ASCII)', 'ok\u{e0041}\u{e0042}', 'ok\\u{e0041}\\u{e0042}'],
  ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
  ['a noncharacter (the style marker’s lead)', 'a\ufdd0b', 'a\\ufdd0b'],
  ['the text of an escape is not an escape', 'name\\x1b[2J', 'name\\\\x1b[2J'],
  ['a backslash before a real ESC', `\\${ESC}`, '\\\\\\x1b'],
  ['a literal \\u202e', 'a\\u202e', 'a\\\\u202e'],
  ['a double backslash', 'a\\\\x', 'a\\\\\\\\x'],
];

const KEPT: [name: string, input: string][] = [
  ['plain ASCII', 'PASS gate_open                  APR-2026-0142'],
  ['LF and TAB', 'a\tb\nc'],
  ['CRLF line ends', 'a\r\nb\r\n'],
  ['non-ASCII letters', 'Zürich — 東京 — Ελλάδα — עברית'],
  ['U+FFFD from invalid UTF-8', Buffer.from([0x61, 0xff, 0x9b, 0x62]).toString('utf8')],
  ['a backslash that starts no escape', 'psql: \\i file, C:\\temp\\new'],
  ['a trailing backslash', 'a\\'],
];

describe('hostile terminal-text: the sanitiser', () => {
  it.each(HOSTILE)('hostile terminal-text: %s', (_name, input, shown) => {
    const out = safeText(input);
    expect(out).toBe(shown);
    assertInert(out);
  });

  it.each(KEPT)('hostile terminal-text: %s is left as it is', (_name, input) => {
    expect(safeText(input)).toBe(input);
  });

  it('hostile terminal-text: every code point 0–0x3000 comes out inert', () => {
    let all = '';
    for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
    assertInert(safeText(all));
  });

  it('hostile terminal-text: a CR or backslash split across pieces is judged with the next', () => {
    const stream = new SafeTextStream();
    const pieces = ['line\r', '\nFAIL\r', 'PASS \\', 'x1b ', ESC, '[2J\\', ''];
    const out = pieces.map((p) => stream.write(p)).join('') + stream.end();
    expect(out).toBe(safeText(pieces.join('')));
    expect(out).toBe('line\r\nFAIL\\x0dPASS \\\\x1b \\x1b[2J\\');
  });
});

describe('hostile terminal-text: echoed input', () => {
  it('hostile terminal-text: a megabyte of input is echoed as a bounded prefix', () => {
    const echoed = quoteInput('A'.repeat(1_000_000));
    expect(echoed).toBe(`"${'A'.repeat(40)}"… (1000000 bytes)`);
  });
  it('hostile terminal-text: a short input is quoted whole', () => {
    expect(quoteInput('APR-1')).toBe('"APR-1"');
    expect(quoteInput('')).toBe('""');
  });
  it('hostile terminal-text: the prefix counts characters, the length bytes', () => {
    expect(quoteInput('é'.repeat(50), 3)).toBe('"ééé"… (100 bytes)');
  });
});

describe('hostile terminal-text: the writers', () => {
  const evil = `tbl${ESC}[2J${ESC}]8;;http://x/\u0007\u202e`;
  const shown = 'tbl\\x1b[2J\\x1b]8;;http://x/\\x07\\u202e';

  it.each([
    ['info', (u: Ui) => u.info(evil)],
    ['error', (u: Ui) => u.error(evil)],
    ['out', (u: Ui) => u.out(evil)],
    ['err', (u: Ui) => u.err(evil)],
    ['progress', (u: Ui) => u.progress(evil)],
  ] as const)('hostile terminal-text: Ui.%s shows the controls', (_name, write) => {
    const { ui, out } = capture(false);
    write(ui);
    const all = out.stdout + out.stderr;
    expect(all).toContain(shown);
    expect(all).not.toContain(ESC);
  });

  it('hostile terminal-text: our own styles survive, forged ones do not', () => {
    const { ui, out } = capture(true, { TERM: 'xterm' });
    ui.info(`${ui.bold('replay')} ${evil} ${'\ufdd0'}1m`);
    expect(out.stderr).toBe(`${ESC}[1mreplay${ESC}[0m ${shown} \\ufdd01m\n`);
  });

  it('hostile terminal-text: a style marker cannot be forged without its key', () => {
    const marker = styled('1', '');
    const key = marker.slice(0, marker.indexOf('1m'));
    expect(terminalText(`${key.slice(0, 5)}8mhidden`)).not.toContain(ESC);
  });

  it('hostile terminal-text: progress keeps its own line control and nothing else', () => {
    const { ui, out } = capture(true, { NO_COLOR: '1' });
    ui.progress(`tier 10 ${evil}`);
    expect(out.stderr).toBe(`\r${ESC}[Ktier 10 ${shown}`);
  });

  it('hostile terminal-text: --play shows a log’s controls, --play --raw passes them', async () => {
    const chunks: OutputChunk[] = [
      { stream: 'stdout', t: undefined, bytes: Buffer.from(`a${ESC}[2J\r`), offset: 0 },
      { stream: 'stdout', t: undefined, bytes: Buffer.from('\nb\u202e\n'), offset: 6 },
    ];
    let safe = '';
    await play(chunks, { speed: 1, write: (t) => void (safe += t) });
    expect(safe).toBe('a\\x1b[2J\r\nb\\u202e\n');
    const raw: Buffer[] = [];
    await play(chunks, {
      speed: 1,
      write: () => expect.unreachable('--raw writes bytes only'),
      raw: (bytes) => void raw.push(bytes),
    });
    expect(Buffer.concat(raw).toString()).toBe(`a${ESC}[2J\r\nb\u202e\n`);
  });

  it('hostile terminal-text: replay’s text report goes through the writer', () => {
    const { ui, out } = capture(false);
    const report = {
      source: { kind: 'tee', log: `/tmp/x${ESC}]0;t\u0007.log`, records: null, signature: null },
      integrity: { verdict: 'tampered', summary: `TAMPERED ${ESC}[2J` },
    } as unknown as Parameters<typeof renderText>[0];
    ui.err(renderText(report, ui));
    expect(out.stderr).toContain('/tmp/x\\x1b]0;t\\x07.log');
    expect(out.stderr).toContain('TAMPERED \\x1b[2J');
    expect(out.stderr).not.toContain(ESC);
  });
});
