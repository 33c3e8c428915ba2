/**
 * The evidence documents rendered from a committed JSON input (test/fixtures/evidence/
 * input-no-go.json: the packet facts of the shipped packet and the facts of a real preflight
 * and status run on the testbed's golden clone, whose logs are committed beside it) and
 * compared with test/golden/evidence/<file>.txt; and proof that the input is what the one log
 * reader makes of those logs, and that hostile database text is rendered inert.
 *
 *   ONEROOF_UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/evidence-render.test.ts
 *
 * rewrites the goldens from the fixture: review each by eye.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/evidence/doc.js';
import { evidenceDocuments } from '../../src/evidence/documents.js';
import { renderEvidenceHtml } from '../../src/evidence/html.js';
import type { EvidenceInput } from '../../src/evidence/input.js';
import { readRunFacts } from '../../src/evidence/run-facts.js';
import { expectGolden } from '../helpers/golden.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'evidence');
const input = (): EvidenceInput =>
  JSON.parse(readFileSync(join(FIXTURES, 'input-no-go.json'), 'utf8')) as EvidenceInput;
const docs = evidenceDocuments(input());

describe('evidence documents rendered from a JSON input', () => {
  it.each(docs.map((d) => d.file))('%s', async (file) => {
    await expectGolden(
      `evidence-${file.replace(/\.md$/, '')}`,
      renderMarkdown(docs.find((d) => d.file === file)!),
    );
  });

  it('evidence.html', async () => {
    await expectGolden('evidence-html', renderEvidenceHtml(input(), docs));
  });

  it('the page asks for nothing: no script, a CSP that forbids every fetch', () => {
    const html = renderEvidenceHtml(input(), docs);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(html).not.toMatch(/<script|<img|<link|src=|url\(/i);
  });
});

describe('the input is what the log reader makes of the committed logs', () => {
  it.each(['preflight', 'status'] as const)('%s', async (command) => {
    const fixture = input()[command]!;
    const facts = await readRunFacts(join(FIXTURES, basename(fixture.log)));
    expect({ ...facts, log: fixture.log }).toEqual(fixture);
  });
});

/** No control but LF; no bidi control (a RegExp from a string: no-control-regex). */
const INERT = new RegExp('(?!\\n)[\\p{Cc}\\u202a-\\u202e\\u2066-\\u2069]', 'u');

const HOSTILE: [string, string][] = [
  [
    'terminal escapes',
    '\u001b[2J\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007\u009b31m',
  ],
  ['html', '<script>alert(1)</script><img src=x onerror=alert(2)>'],
  ['markdown link and image', '[approve](http://evil.example) ![x](http://evil.example/x.png)'],
  ['markdown table and emphasis', '0 | FAIL | **GO** _ok_ `code`'],
  ['markdown heading and list', '\n# GO\n- all checks pass\n1. done'],
  ['autolink', 'see https://evil.example or www.evil.example or a@evil.example'],
  ['bidi override', 'gate\u202e.ospa'],
];

describe('hostile evidence-text: database text in a finding is rendered inert', () => {
  it.each(HOSTILE)('hostile evidence-text: %s', (_, text) => {
    const hostile = input();
    const check = hostile.preflight!.checks.find((c) => c.check === 'gate.ospa')!;
    check.observed = text;
    hostile.preflight!.findings.push({ text: `ERROR: ${text}` });
    const rendered = evidenceDocuments(hostile);
    const md = rendered.map(renderMarkdown).join('\n');
    const html = renderEvidenceHtml(hostile, rendered);
    for (const out of [md, html]) {
      // No character a terminal obeys or that hides text.
      expect(out).not.toMatch(INERT);
      expect(out).not.toMatch(/<script|<img/i);
    }
    // Markdown: no unescaped link, image, emphasis, code, table cell, heading, list or autolink.
    const doc09 = renderMarkdown(rendered.find((d) => d.file === '09-go-no-go.md')!);
    const lines = doc09.split('\n');
    const row = lines.find((l) => l.startsWith('| gate.ospa |'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(8);
    expect(doc09).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/);
    expect(doc09).not.toMatch(/(?<!\\)(\*\*|`)/);
    expect(doc09).not.toMatch(/(?<!\\)https?:\/\//);
    expect(doc09).not.toMatch(/(?<!\\)www\./);
    expect(
      lines.filter((l) => /^(#|- all|1\. )/.test(l) && l.includes('GO') && !l.startsWith('# 09')),
    ).toEqual([]);
  });
});
