/**
 * Replay for the auditor (issue 15, item 8) through the real bin/oneroof: a real, signed
 * preflight log of the testbed replays with the verdict and the outcome first — in the text
 * and on the page — the remote shell command folded away, and no "hand-made" wording.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SSH_TARGET, expectOneLog, oneroof } from '../helpers/e2e.js';
import { runCli } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let log: string;

beforeAll(async () => {
  await (await PacketBench.open(testbed)).reset();
  const run = await oneroof(testbed, ['preflight', '--target', SSH_TARGET]);
  expect(run.code, run.stderr).toBe(3);
  ({ log } = await expectOneLog(run, 'preflight'));
});

describe('replay: the verdict first', () => {
  it('text: the first line is the banner, SIGNED and the outcome', async () => {
    const run = await runCli(['replay', log]);
    expect(run.code, run.stderr).toBe(0);
    // the report is on stderr on this branch (issue 15 item 3 moves it to stdout): either way
    const report = run.stdout || run.stderr;
    expect(report.split('\n')[0]).toBe('SIGNED · NO-GO (exit 3)');
    expect(report).not.toMatch(/hand-made/);
  });

  it('HTML: the banner before the title, the remote command in <details>, no hand-made wording', async () => {
    const page = join(await tempDir('oneroof-replay-banner-'), 'run.html');
    const run = await runCli(['replay', log, '--html', page]);
    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(page, 'utf8');
    const bannerAt = html.indexOf(
      '<p id="banner" class="verdict verdict-signed" role="status"><b>SIGNED</b> · NO-GO (exit 3)</p>',
    );
    expect(bannerAt).toBeGreaterThan(0);
    expect(bannerAt).toBeLessThan(html.indexOf('<h1'));
    expect(html).toMatch(
      /<details id="remote-command"><summary>the remote shell command \(\d+ characters\)<\/summary><code>/,
    );
    expect(html).not.toMatch(/hand-made/);
    expect(html).not.toMatch(/<script/i);
  });
});
