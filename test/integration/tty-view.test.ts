/**
 * The operator's terminal, through the real bin/oneroof under a real pseudo-terminal (util-linux
 * `script`, test/helpers/pty.ts) on the testbed's chain (ssh2 to the loopback sshd, docker exec,
 * psql): the live view walks every phase and is erased at the end, so the final screen holds
 * the report's tier table once (golden screens in test/golden/tty-*.txt, colour codes kept);
 * a FAIL is red; NO_COLOR, --color=never and a redirected stderr give no colour code, and a
 * redirected stderr gets one plain line per phase; --color=always writes the codes into files.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectGolden } from '../helpers/golden.js';
import { PacketBench } from '../helpers/packet.js';
import { onPty } from '../helpers/pty.js';
import { screen } from '../helpers/screen.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';
const ESC = String.fromCharCode(27);
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const CURSOR = new RegExp(`${ESC}\\[[0-9]*[AJK]`);

/** The golden clone with a governed collection on no axis point: the preflight says NO-GO. */
async function noGoState(bench: PacketBench): Promise<void> {
  await bench.reset();
  await bench.query('CREATE TABLE public.tty_orphan (id int)');
  await bench.query("INSERT INTO public.directus_collections (collection) VALUES ('tty_orphan')");
}

/** The golden screens hold nothing of this worktree or this testbed id. */
function local(shown: string): string {
  return shown.replaceAll(process.cwd(), '<REPO>').replaceAll(testbed.container, '<CONTAINER>');
}

/** An apply's phases, in the order the view must show them. */
const APPLY_PHASES = [
  'resolve',
  'connect',
  'stage',
  'PASS',
  'tier 10',
  'tier 60',
  'verify',
  'seal',
];

/** The labels of the view's rows, in the order they first appeared in a transcript. */
function phasesSeen(transcript: string): string[] {
  const seen: string[] = [];
  for (const label of APPLY_PHASES) if (transcript.includes(`  ${label} `)) seen.push(label);
  return seen.sort((a, b) => transcript.indexOf(`  ${a} `) - transcript.indexOf(`  ${b} `));
}

describe('the live view on a terminal', () => {
  let bench: PacketBench;
  let logDir: string;
  const args = (...rest: string[]) => [
    '--inventory',
    testbed.inventory,
    '--log-dir',
    logDir,
    ...rest,
    '--target',
    testbed.ssh.alias,
  ];
  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.install();
    logDir = await tempDir('oneroof-tty-');
  });
  afterAll(async () => {
    await bench.uninstall();
    await bench.emptyDatabase();
  });

  it('apply: every phase live, then the report with its tier table once', async () => {
    await bench.reset(APR);
    const run = await onPty(
      args('apply', '--apr', APR),
      {},
      {
        when: /Type the target name \([^)]+\) to go on, anything else stops: $/,
        text: testbed.ssh.alias,
      },
    );
    const shown = screen(run.transcript);
    expect(run.code, shown).toBe(0);
    expect(phasesSeen(run.transcript)).toEqual(APPLY_PHASES);
    // The elapsed time of the running phase ticks in the redraws; the final screen has none.
    expect(shown.match(/tier 60 scanner_baseline/g)).toHaveLength(1);
    expect(shown).not.toMatch(/ {2}(stage|seal) /);
    expect(run.transcript).toMatch(SGR);
    await expectGolden('tty-apply', local(shown));
  });

  it('preflight NO-GO: the FAIL row and the verdict stand out in red', async () => {
    await noGoState(bench);
    const run = await onPty(args('preflight'));
    const shown = screen(run.transcript);
    expect(run.code, shown).toBe(3);
    // Live, the FAIL row was red before the report was printed.
    expect(run.transcript).toContain('\u001b[31m\u001b[1m  FAIL');
    await expectGolden('tty-preflight-no-go', local(shown));
  });

  it.each([
    ['NO_COLOR=1', { NO_COLOR: '1' }, []],
    ['--color=never', {}, ['--color=never']],
  ])('%s on a terminal: the view redraws, and no colour code is written', async (_, env, flags) => {
    await noGoState(bench);
    const run = await onPty([...flags, ...args('preflight')], env);
    expect(run.code, run.transcript).toBe(3);
    expect(run.transcript).toContain('\u001b[J');
    expect(run.transcript).not.toMatch(SGR);
  });

  it('stderr and stdout redirected: one plain line per phase, no escape code at all', async () => {
    await noGoState(bench);
    const run = await runCli(args('preflight'), { NO_COLOR: '' });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout + run.stderr).not.toContain(ESC);
    expect(run.stderr).not.toContain('\r');
    const lines = run.stderr.split('\n');
    for (const start of ['  resolve ', '  connect ', '  stage ', '  FAIL ', '  NO-GO ', '  seal '])
      expect(
        lines.filter((l) => l.startsWith(start)).length,
        `${start}\n${run.stderr}`,
      ).toBeGreaterThan(0);
    // A phase's start and its end are one line each, never a redraw of the same line.
    expect(lines.filter((l) => l.startsWith('  connect ')).length).toBeLessThanOrEqual(2);
  });

  it('--color=always writes colour codes into files, and no cursor control', async () => {
    await noGoState(bench);
    const run = await runCli(['--color=always', ...args('preflight')], { NO_COLOR: '' });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(SGR);
    expect(run.stderr).toContain('\u001b[31m');
    expect(run.stderr).not.toMatch(CURSOR);
  });
});
