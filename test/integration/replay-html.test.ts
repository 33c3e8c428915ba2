/**
 * `oneroof replay --html`: the page opened in a real headless Chromium (Debian's, driven by
 * playwright-core), offline, and read the way an auditor reads it — what the browser renders,
 * not a string match on the file: the verdict, the tiers in the table and in the timeline
 * picture, the findings, the output — and proof that the page asks for nothing over a network.
 */
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadInventory, type Target } from '../../src/inventory/load.js';
import { createTransport } from '../../src/transport/index.js';
import { auditedRun, type AuditedRun } from '../helpers/audited-run.js';
import { runCli } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { deleteLine } from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';
import { readFileSync, writeFileSync } from 'node:fs';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';
/** The flags this machine's Chromium needs (the workplace's node.md): no sandbox as root, no calls home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let bench: PacketBench;
let local: Target;
let dir: string;
let allowedSigners: string;
let browser: Browser;
let ok: AuditedRun;
let failed: AuditedRun;

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  local = (await loadInventory(testbed.inventory)).targets.get('replica')!;
  dir = await tempDir('oneroof-html-');
  allowedSigners = join(dir, 'allowed_signers');
  const pub = readFileSync(`${testbed.ssh.userKey}.pub`, 'utf8').trim().split(' ');
  writeFileSync(allowedSigners, `operator@testbed ${pub[0]} ${pub[1]}\n`);
  const run = async () =>
    auditedRun({
      target: local,
      transport: await createTransport(local),
      logDir: join(dir, 'logs'),
      signWith: testbed.ssh.userKey,
    });
  await bench.reset(APR);
  ok = await run();
  await bench.reset(APR);
  await bench.query(
    "INSERT INTO directus_users (id, email, status) VALUES ('00000000-0000-0000-0000-0000000000aa', 'intruder@oneroof.example', 'active')",
  );
  failed = await run();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await bench.emptyDatabase();
});

/** Writes the page with the real bin, opens it, and records every request the page makes. */
async function open(
  log: string,
  name: string,
  expectedCode = 0,
): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const file = join(dir, `${name}.html`);
  const cli = await runCli(['replay', log, '--html', file, '--allowed-signers', allowedSigners]);
  expect(cli.code).toBe(expectedCode);
  expect(cli.stdout).toBe('');
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests, errors };
}

/** The text of each cell of the rows, as rendered (innerText). Runs in the page. */
const cells = (page: Page, selector: string) =>
  page
    .locator(selector)
    .evaluateAll((rows) =>
      rows.map((row) =>
        Array.from(
          (
            row as unknown as { querySelectorAll(s: string): ArrayLike<{ innerText: string }> }
          ).querySelectorAll('td'),
          (td) => td.innerText.trim(),
        ),
      ),
    );

/** The colour the browser paints an SVG shape with. Runs in the page. */
const fillOf = (element: unknown): string =>
  (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(
    element,
  ).fill;

describe('the replay page in headless Chromium', () => {
  it('a successful run: VERIFIED, six committed tiers drawn on the timeline, the output, nothing fetched', async () => {
    const { page, requests, errors } = await open(ok.seal.paths.output, 'ok');
    try {
      expect(requests).toEqual([pathToFileURL(join(dir, 'ok.html')).href]);
      expect(errors).toEqual([]);
      expect(await page.title()).toMatch(/^oneroof replay: apply on replica, 20\d\d-/);
      await expect.poll(() => page.locator('#verdict').innerText()).toBe('VERIFIED');
      expect(await page.locator('#integrity').isVisible()).toBe(true);
      expect(await page.locator('#integrity-summary').innerText()).toMatch(
        /^VERIFIED: \d+ records chained intact, every output byte matches; signed by operator@testbed \(ED25519 SHA256:/,
      );
      expect(await page.locator('#signature td').innerText()).toMatch(
        /^valid — signed by operator@testbed/,
      );
      expect(await page.locator('#gate').innerText()).toBe('GO');
      expect(await page.locator('#apr td').innerText()).toBe(APR);
      expect(await page.locator('#state-entry td').innerText()).toMatch(/^1\|0\|210\|0\|0\|0/);
      expect(await page.locator('#state-exit td').innerText()).toMatch(/^1\|210\|0\|0\|5\|0/);
      expect(await page.locator('#outcome').innerText()).toMatch(
        /^ok \(exit 0, implied\): applied on \S+: 6 tier\(s\) committed; verify passed$/,
      );

      const rows = await cells(page, '#tiers tr[data-tier]');
      expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
        ['10', 'structure', 'ok'],
        ['20', 'responsibility_axis', 'ok'],
        ['30', 'sovereign_ownership', 'ok'],
        ['40', 'containment', 'ok'],
        ['50', 'topic_finalization', 'ok'],
        ['60', 'scanner_baseline', 'ok'],
      ]);
      for (const r of rows) expect(r[3]).toMatch(/^\d+ ms$|^\d+\.\d\d s$/);

      // The picture: one drawn bar per tier, left to right in time, each visibly wide.
      const bars = page.locator('#timeline g.bar rect');
      expect(await bars.count()).toBe(6);
      const boxes = await Promise.all((await bars.all()).map((bar) => bar.boundingBox()));
      for (const box of boxes) expect(box!.width).toBeGreaterThan(2);
      for (let i = 1; i < boxes.length; i++) {
        expect(boxes[i]!.x).toBeGreaterThanOrEqual(boxes[i - 1]!.x);
        expect(boxes[i]!.y).toBeGreaterThan(boxes[i - 1]!.y);
      }
      const colours = await Promise.all((await bars.all()).map((bar) => bar.evaluate(fillOf)));
      expect(new Set(colours)).toEqual(new Set(['rgb(45, 164, 78)']));

      const output = await page.locator('#output').innerText();
      expect(output).toContain('ONEROOF TIER 60 COMMIT scanner_baseline');
      expect(output).toContain('ONEROOF END 99_run_all');
      await page.screenshot({ path: join(dir, 'ok.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('a failed assertion: tier 60 failed in red, the ASSERT with its file and line', async () => {
    const { page, errors } = await open(failed.seal.paths.output, 'failed');
    try {
      expect(errors).toEqual([]);
      expect(await page.locator('#verdict').innerText()).toBe('VERIFIED');
      const rows = await cells(page, '#tiers tr[data-tier]');
      expect(rows.map((r) => r[2])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'failed']);
      const bar = page.locator('#timeline g.bar[data-tier="60"] rect');
      expect(await bar.evaluate(fillOf)).toBe('rgb(207, 34, 46)');
      expect(await page.locator('#timeline g.bar[data-tier="60"]').textContent()).toMatch(
        /^tier 60 scanner_baseline.*failed \d/,
      );
      const assertions = await cells(page, '#assertions tr');
      expect(assertions).toEqual([
        [
          'ASSERT tier60.scanner_count: expected 38, got 39',
          expect.stringMatching(/^prod\/60_scanner_baseline\.sql:\d+$/) as string,
        ],
      ]);
      expect(await page.locator('#outcome').innerText()).toMatch(
        /^sql-error \(exit 4, implied\): ASSERT tier60\.scanner_count/,
      );
    } finally {
      await page.close();
    }
  });

  it('an edited log: the page says TAMPERED and names the first bad record, and shows nothing else', async () => {
    const copy = await tempDir('oneroof-html-tamper-');
    const log = join(copy, basename(ok.seal.paths.output));
    const records = join(copy, basename(ok.seal.paths.records));
    copyFileSync(ok.seal.paths.output, log);
    copyFileSync(ok.seal.paths.records, records);
    copyFileSync(`${ok.seal.paths.records}.sig`, `${records}.sig`);
    deleteLine(records, 20);
    const { page } = await open(log, 'tampered', 5);
    try {
      expect(await page.locator('#verdict').innerText()).toBe('TAMPERED');
      expect(await page.locator('#first-bad td').innerText()).toBe(
        'records line 20, record #19: record #19 is missing before line 20 (which holds #20): deleted',
      );
      expect(await page.locator('#tiers').count()).toBe(0);
      expect(await page.locator('#output').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
