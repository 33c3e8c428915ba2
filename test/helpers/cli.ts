import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsonProblem } from './json-contract.js';
import { registerRun } from './live-runs.js';

export const BIN = fileURLToPath(new URL('../../bin/oneroof', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real, built bin/oneroof (npm test builds first), with no TTY and no stdin. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      registerRun(args, code, stdout);
      // Every --json document a test sees must fit the shipped schema/ (docs/json.md).
      const problem = jsonProblem(args, { code, stdout });
      if (problem) {
        reject(problem);
        return;
      }
      resolve({ code, stdout, stderr });
    });
  });
}
