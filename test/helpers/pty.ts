/**
 * The real bin/oneroof under a real pseudo-terminal: util-linux `script` runs it on a pty of a
 * fixed size (stty, so the view's width and height are the same on every machine), and the
 * answer, if any, typed on the terminal once the question is on it (so its echo lands where an
 * operator's would, not at a racy place). Returns the exit code and every byte the
 * terminal received (stdout and stderr, as a terminal shows them: LF as CRLF).
 */
import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

export interface PtyRun {
  code: number | null;
  transcript: string;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

export function onPty(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  answer?: { when: RegExp; text: string },
  size = { columns: 100, rows: 40 },
  timeoutMs = 120_000,
): Promise<PtyRun> {
  const command = `exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return onPtyShell(command, env, answer, { size, timeoutMs });
}

/** A shell command line (sh -c, after the stty) on the same pseudo-terminal as onPty. */
export function onPtyShell(
  shellCommand: string,
  env: NodeJS.ProcessEnv = {},
  answer?: { when: RegExp; text: string },
  options: { size?: { columns: number; rows: number }; timeoutMs?: number; cwd?: string } = {},
): Promise<PtyRun> {
  const { size = { columns: 100, rows: 40 }, timeoutMs = 120_000, cwd } = options;
  const command = [`stty cols ${size.columns} rows ${size.rows}`, shellCommand].join('; ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-f', '-e', '-E', 'always', '-c', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
      ...(cwd ? { cwd } : {}),
    });
    let transcript = '';
    let asked = false;
    const take = (chunk: Buffer): void => {
      transcript += chunk.toString();
      if (answer && !asked && answer.when.test(transcript)) {
        asked = true;
        child.stdin.end(`${answer.text}\n`);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, transcript }));
    if (!answer) child.stdin.end();
  });
}
