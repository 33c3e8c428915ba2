/**
 * Output plumbing (docs/usage.md, "Output"): every command writes its result on stdout and
 * nothing else there; diagnostics and progress go to stderr. Each command that writes a result
 * runs here through the real bin on the testbed (ssh2 to the loopback sshd, docker exec into the
 * replica), as text and as --json, three ways: stdout redirected to a file (the file holds the
 * result, no escape code, the --json one fits its schema/ file), stdout into `head -c 1` (the
 * first byte of the same result, the command's own exit code, no stack trace), and stdout
 * closed before the command writes a byte (its own exit code, no stack trace).
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { SSH_TARGET, expectOneLog, oneroof } from '../helpers/e2e.js';
import { checkJsonDocument } from '../helpers/json-contract.js';
import { tempDir } from '../helpers/tmp.js';

const exec = promisify(execFile);
const testbed = inject('testbed');
const APR = 'APR-2026-0142';
const ESC = '\u001b';
const STACK = /EPIPE|Unhandled|\n\s+at /;

/** Colour would be on if anything decided it by TERM alone: NO_COLOR is not set here. */
function colourEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.NO_COLOR;
  return env;
}

let logDir: string;
let replayLog: string;
let evidenceSet: string;

/** The commands that write a result, as argv after the global options. */
const COMMANDS: [string, () => string[]][] = [
  ['targets', () => ['targets']],
  ['preflight', () => ['preflight', '--target', SSH_TARGET, '--apr', APR]],
  ['status', () => ['status', '--target', SSH_TARGET]],
  ['verify', () => ['verify', '--target', SSH_TARGET]],
  ['replay', () => ['replay', replayLog]],
  ['evidence verify', () => ['evidence', 'verify', evidenceSet]],
  ['manifest check', () => ['manifest', 'check']],
];

const CASES = COMMANDS.flatMap(([name, args]) => [
  [name, args] as const,
  [`${name} --json`, () => [...args(), '--json']] as const,
]);

const argv = (args: string[]) => ['--inventory', testbed.inventory, '--log-dir', logDir, ...args];

/** bash: oneroof with stdout to `sink` (a redirection or a pipe), its own exit code, stderr. */
async function shell(args: string[], sink: string): Promise<{ code: number; stderr: string }> {
  const dir = await tempDir('oneroof-plumbing-');
  const { stdout } = await exec(
    'bash',
    [
      '-c',
      `node "$BIN" "$@" 2>"$DIR/err" ${sink}; echo "\${PIPESTATUS[0]}"; cat "$DIR/err"`,
      'oneroof',
      ...args,
    ],
    { env: { ...colourEnv(), BIN, DIR: dir, OUT: join(dir, 'out') }, maxBuffer: 1 << 24 },
  );
  const [code, ...stderr] = stdout.split('\n');
  return { code: Number(code), stderr: stderr.join('\n') };
}

beforeAll(async () => {
  logDir = join(await tempDir('oneroof-plumbing-logs-'), 'logs');
  const preflight = await oneroof(testbed, ['preflight', '--target', SSH_TARGET, '--apr', APR]);
  expect([0, 3], preflight.stderr).toContain(preflight.code);
  replayLog = (await expectOneLog(preflight, 'preflight')).log;
  evidenceSet = join(await tempDir('oneroof-plumbing-evidence-'), 'set');
  const made = await oneroof(testbed, ['evidence', '--target', SSH_TARGET, '--out', evidenceSet]);
  expect(made.code, made.stderr).toBe(0);
});

describe('results on stdout, diagnostics on stderr, through the real bin', () => {
  it.each(CASES)(
    '%s: stdout redirected to a file holds the result, no escape code',
    async (name, args) => {
      const baseline: CliResult = await runCli(argv(args()));
      const dir = await tempDir('oneroof-plumbing-file-');
      const r = await shell(argv(args()), `>"${join(dir, 'stdout')}"`);
      expect(r.code, r.stderr).toBe(baseline.code);
      expect(r.stderr).not.toMatch(STACK);
      const file = await readFile(join(dir, 'stdout'), 'utf8');
      expect(file).not.toContain(ESC);
      expect(file.length).toBeGreaterThan(0);
      if (name.endsWith('--json')) {
        checkJsonDocument(file, args());
        // One document and nothing else: diagnostics went to stderr.
        expect(file.trimEnd().endsWith('}')).toBe(true);
      } else expect(file.trimStart()[0]).not.toBe('{');
      expect(r.stderr).not.toContain(ESC);
    },
  );

  it('replay writes its report on stdout (replay LOG | less), nothing of it on stderr', async () => {
    const r = await runCli(argv(['replay', replayLog]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^integrity {2}/m);
    expect(r.stderr).not.toMatch(/integrity {2}/);
  });
});

describe('hostile closed-pipe: a reader that goes away is not an error', () => {
  it.each(CASES)('hostile closed-pipe: %s | head -c 1 keeps its exit code', async (_name, args) => {
    const baseline = await runCli(argv(args()));
    const dir = await tempDir('oneroof-plumbing-head-');
    const r = await shell(argv(args()), `| head -c 1 >"${join(dir, 'first')}"`);
    expect(r.code, r.stderr).toBe(baseline.code);
    expect(r.stderr).not.toMatch(STACK);
    expect(await readFile(join(dir, 'first'), 'utf8')).toBe(baseline.stdout.slice(0, 1));
  });

  it.each(CASES)(
    'hostile closed-pipe: %s with stdout closed before its first byte keeps its exit code',
    async (_name, args) => {
      const baseline = await runCli(argv(args()));
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...argv(args())], {
          env: colourEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        // Our end of the pipe goes at once: every write of the command meets a closed pipe.
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r.code, r.stderr).toBe(baseline.code);
      expect(r.stderr).not.toMatch(STACK);
    },
  );
});

describe('fault output-disk-full: a result that cannot be written is never exit 0', () => {
  it.each(CASES)(
    'fault output-disk-full: %s with stdout on a full disk (/dev/full): not exit 0, said on stderr',
    async (_name, args) => {
      const baseline = await runCli(argv(args()));
      const r = await shell(argv(args()), '>/dev/full');
      // Its own failure stands; a success whose result was lost is exit 1.
      expect(r.code, r.stderr).toBe(baseline.code === 0 ? 1 : baseline.code);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).toContain(
        'oneroof: error: stdout could not be written (ENOSPC: no space left on device, write)',
      );
    },
  );

  it.each(CASES)(
    'fault output-disk-full: %s with stderr on a full disk: its own exit code, its whole result',
    async (name, args) => {
      const baseline = await runCli(argv(args()));
      const dir = await tempDir('oneroof-plumbing-full-');
      const { stdout } = await exec(
        'bash',
        ['-c', 'node "$BIN" "$@" 2>/dev/full >"$OUT"; echo "$?"', 'oneroof', ...argv(args())],
        { env: { ...colourEnv(), BIN, OUT: join(dir, 'out') } },
      );
      // Progress and diagnostics are lost; the run is not stopped half-way, nor its exit code.
      expect(Number(stdout.trim())).toBe(baseline.code);
      const file = await readFile(join(dir, 'out'), 'utf8');
      if (name.endsWith('--json')) checkJsonDocument(file, args());
      else expect(file.length).toBeGreaterThan(0);
    },
  );
});
