// Renders docs/screens/*.png (scripts/screens.sh runs it): a terminal capture (the bytes a pty
// received, as util-linux `script` records them) drawn as the terminal showed it — text, CR, LF,
// ESC[nA, ESC[J, ESC[K and SGR colours — into an HTML page, or an HTML file as it is, then
// screenshotted by headless Chromium (playwright-core, /usr/bin/chromium).
//
//   node scripts/screens.mjs terminal CAPTURE OUT.png TITLE [--live]
//       --live: the screen at the last redraw of the live view that still shows a phase running
//       (mid-run); without it, the screen once the command has ended
//   node scripts/screens.mjs page PAGE.html OUT.png
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ESC = '\u001b';
const TOKEN = new RegExp(`${ESC}\\[([0-9;]*)([A-Za-z])|\\r|\\n|[^\\r\\n${ESC}]`, 'gu');
const COLOURS = { 31: '#f0524f', 32: '#5cba54', 33: '#c6a93a', 34: '#4d9df0', 36: '#44b4c0' };

/** The capture up to where the live view last redrew a frame with a phase still running. */
function liveFrame(capture) {
  const starts = [...capture.matchAll(new RegExp(`(?:${ESC}\\[\\d+A)?\\r${ESC}\\[J`, 'g'))].map(
    (m) => m.index,
  );
  let cut;
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? capture.length;
    if (/running/.test(capture.slice(start, end).replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '')))
      cut = end;
  });
  if (cut === undefined) throw new Error('screens: no live-view frame shows a phase running');
  return capture.slice(0, cut);
}

/** The screen as rows of cells {ch, style}. */
function emulate(capture) {
  const rows = [[]];
  let row = 0;
  let col = 0;
  let style = { bold: false, dim: false, fg: undefined };
  for (const [token, params, final] of capture.matchAll(TOKEN)) {
    if (token === '\r') col = 0;
    else if (token === '\n') {
      row++;
      col = 0;
      rows[row] ??= [];
    } else if (final === 'm') {
      for (const p of (params || '0').split(';').map(Number)) {
        if (p === 0) style = { bold: false, dim: false, fg: undefined };
        else if (p === 1) style = { ...style, bold: true };
        else if (p === 2) style = { ...style, dim: true };
        else if (p === 22) style = { ...style, bold: false, dim: false };
        else if (p === 39) style = { ...style, fg: undefined };
        else if (COLOURS[p]) style = { ...style, fg: COLOURS[p] };
      }
    } else if (final === 'A') row = Math.max(0, row - Number(params || '1'));
    else if (final === 'J') {
      rows[row] = (rows[row] ?? []).slice(0, col);
      rows.length = row + 1;
    } else if (final === 'K') rows[row] = (rows[row] ?? []).slice(0, col);
    else if (final !== undefined)
      continue; // a mode the view does not draw with (none today)
    else (rows[row] ??= [])[col++] = { ch: token, style };
  }
  while (rows.length > 1 && rows.at(-1).length === 0) rows.pop();
  return rows;
}

const escape = (text) =>
  text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);

function html(rows, title) {
  const line = (cells) =>
    Array.from(cells, (cell) => cell ?? { ch: ' ', style: {} })
      .map(({ ch, style }) => {
        const css = [
          style.fg ? `color:${style.fg}` : '',
          style.bold ? 'font-weight:bold' : '',
          style.dim ? 'opacity:.6' : '',
        ].filter(Boolean);
        return css.length ? `<span style="${css.join(';')}">${escape(ch)}</span>` : escape(ch);
      })
      .join('');
  return `<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#1b1d21}
#term{display:inline-block;margin:0;padding:0 0 14px;background:#1b1d21;color:#d8dade;font:14px/1.35 'DejaVu Sans Mono',monospace}
#bar{padding:6px 14px;background:#2c2f35;color:#9aa0a8;font:12px sans-serif}
pre{margin:10px 14px 0;font:inherit;white-space:pre}
</style><div id="term"><div id="bar">${escape(title)}</div><pre>${rows.map(line).join('\n')}</pre></div>`;
}

async function shoot(file, out, selector, viewport) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    // Nothing but the file itself may load: the pages are self-contained.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(file).href);
    if (selector) await page.locator(selector).screenshot({ path: out });
    else await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

const [mode, input, out, title, flag] = process.argv.slice(2);
if (mode === 'terminal') {
  const capture = readFileSync(input, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'oneroof-screens-'));
  try {
    const file = join(dir, 'screen.html');
    writeFileSync(file, html(emulate(flag === '--live' ? liveFrame(capture) : capture), title));
    await shoot(file, out, '#term', { width: 1200, height: 900 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else if (mode === 'page') await shoot(input, out, undefined, { width: 1200, height: 1400 });
else {
  console.error(
    'usage: node scripts/screens.mjs terminal CAPTURE OUT.png TITLE [--live] | page PAGE.html OUT.png',
  );
  process.exit(2);
}
