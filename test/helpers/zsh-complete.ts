/**
 * Drives a zsh completion script as zsh itself does, through zsh's own pseudo-terminal module
 * (zsh/zpty): an interactive `zsh -f` on a pty, compinit, the script loaded (sourced after
 * compinit, or autoloaded from a folder on $fpath as `_oneroof`), then the words typed and a
 * real Tab pressed. compadd is wrapped to print each match the completion system kept (after
 * its own prefix matching), and the completion's pre/post hooks print a NUL around the attempt
 * and end the shell, so one call is one completion. Anything else printed during the attempt
 * (an error of the script or of a function it called) is returned as `noise`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const DRIVER = fileURLToPath(new URL('./zsh-complete.zsh', import.meta.url));

export interface ZshCompletion {
  /** What compinit registered for oneroof ($_comps[oneroof]). */
  registered: string;
  /** The matches offered, in the order they were added. */
  matches: string[];
  /** Anything else the attempt printed (empty when all went well). */
  noise: string[];
}

export async function zshComplete(
  script: string,
  line: string,
  env: NodeJS.ProcessEnv,
  options: { mode?: 'source' | 'fpath'; cwd?: string } = {},
): Promise<ZshCompletion> {
  const { stdout } = await run('zsh', ['-f', DRIVER, options.mode ?? 'source', script, line], {
    env,
    timeout: 60_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const text = stdout.replace(/\r/g, '');
  const registered = /^REGISTERED:(.*)$/m.exec(text)?.[1] ?? '';
  const start = text.indexOf('\0');
  const end = text.indexOf('\0', start + 1);
  if (start < 0 || end < 0) throw new Error(`zsh: no completion attempt was seen:\n${text}`);
  const lines = text
    .slice(start + 1, end)
    .split('\n')
    .filter((l) => l.trim() !== '');
  return {
    registered,
    matches: lines.filter((l) => l.startsWith('HIT:')).map((l) => l.slice(4)),
    noise: lines.filter((l) => !l.startsWith('HIT:')),
  };
}
