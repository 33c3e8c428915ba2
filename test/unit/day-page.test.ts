/**
 * test/helpers/day-page.ts, which keeps docs/day.md true: the page's blocks read as commands and
 * quoted lines, the normalisation leaves what matters (a changed word, a changed state vector)
 * visible, and a log the page names is the one its quoted output showed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, pageSteps, withStamps } from '../helpers/day-page.js';
import { tempDir } from '../helpers/tmp.js';

const PAGE = [
  'text',
  '```console',
  '$ oneroof status -t contabo',
  '  state  1|210|0|0|5|0',
  '…',
  'log: logs/status_20261201T230520Z.log',
  '$ oneroof replay logs/status_20261201T230520Z.log',
  '```',
  '```yaml',
  '$ not a command',
  '```',
  '```crontab',
  '# a comment',
  '17 * * * *  oneroof preflight -t contabo -q > ~/p.json',
  '```',
].join('\n');

describe('docs/day.md as data', () => {
  it('reads console and crontab blocks, nothing else', async () => {
    const file = join(await tempDir(), 'day.md');
    writeFileSync(file, PAGE);
    expect(pageSteps(file)).toEqual([
      {
        command: 'oneroof status -t contabo',
        line: 3,
        excerpt: ['  state  1|210|0|0|5|0', 'log: logs/status_20261201T230520Z.log'],
      },
      { command: 'oneroof replay logs/status_20261201T230520Z.log', line: 7, excerpt: [] },
      { command: 'oneroof preflight -t contabo -q > ~/p.json', line: 14, excerpt: [] },
    ]);
  });

  it.each([
    ['tier 60 scanner_baseline  ok  0.64 s', 'tier 60 scanner_baseline      ok   12.03 s', true],
    ['connect root@127.0.0.1:34301', 'connect root@127.0.0.1:41000', true],
    ['at 2026-12-01T23:05:17.147785Z', 'at 2027-01-02T01:00:00Z', true],
    ['head c0986a25c1df4e5b', 'head 98c200c2c12d82d9', true],
    ['tier 60 scanner_baseline  ok', 'tier 60 scanner_baseline  failed', false],
    ['state 1|210|0|0|5|0', 'state 1|210|0|0|4|0', false],
    ['GO on contabo', 'NO-GO on contabo', false],
  ])('%j against %j matches: %s', (quoted, real, matches) => {
    expect(compare([quoted], `other\n${real}\n`).missing).toEqual(matches ? [] : [quoted]);
  });

  it('a log the page quoted is named by its real stamp in a later command', () => {
    const { stamps } = compare(
      ['log: logs/status_20261201T230520Z.log'],
      'log: logs/status_20270101T000000Z.log',
    );
    expect(withStamps('oneroof replay logs/status_20261201T230520Z.log', stamps)).toBe(
      'oneroof replay logs/status_20270101T000000Z.log',
    );
    expect(() => withStamps('oneroof replay logs/x_20261201T000000Z.log', stamps)).toThrow(
      /no output the page quotes before it showed/,
    );
  });
});
