/**
 * The program run in this process (src/cli/main.ts) with captured output: for unit tests of
 * what the CLI parses, refuses and prints before it would contact anything.
 */
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/commands/io.js';

export async function runMain(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env: { PATH: process.env.PATH, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
