/**
 * The real bin/oneroof as a child process the test can watch and kill: for concurrent runs and
 * for a client lost halfway (test/helpers/cli.ts runs one to its end). No TTY, no stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, type CliResult } from './cli.js';
import { jsonProblem } from './json-contract.js';
import { registerRun } from './live-runs.js';

export interface RunningCli {
  child: ChildProcess;
  /** The node process's pid: oneroof puts it in its application_name (`… pid N`). */
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed) and the whole output. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** Resolves once stderr matches; rejects if the process ends first. */
  waitForStderr(pattern: RegExp): Promise<void>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${BIN}`);
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of watchers.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else watchers.push(w);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      registerRun(args, code, stdout);
      for (const w of watchers.splice(0))
        w.reject(
          new Error(
            `oneroof ended (${code ?? signal}) before stderr matched ${w.pattern}:\n${stderr}`,
          ),
        );
      // Every --json document a test sees must fit the shipped schema/ (docs/json.md).
      const problem = jsonProblem(args, { code, stdout });
      if (problem) {
        reject(problem);
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    pid: child.pid,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitForStderr: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) resolve();
        else if (child.exitCode !== null || child.signalCode !== null)
          reject(new Error(`oneroof already ended before stderr matched ${pattern}`));
        else watchers.push({ pattern, resolve, reject });
      }),
  };
}
