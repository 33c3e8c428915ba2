/**
 * Drives a bash completion script as bash itself would: sources it in `bash --norc`, checks
 * `complete -p oneroof`, then for each line of words sets COMP_WORDS / COMP_CWORD (the last
 * word is the one being completed), calls the function and prints COMPREPLY.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function bashComplete(
  script: string,
  words: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ registered: string; replies: string[] }> {
  const driver = `source "$1" || exit 9
complete -p oneroof
printf '%s\\n' '--'
shift
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
COMPREPLY=()
_oneroof
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run(
    'bash',
    ['--norc', '--noprofile', '-c', driver, 'bash', script, ...words],
    { env, timeout: 60_000, ...(cwd ? { cwd } : {}) },
  );
  const [registered = '', rest = ''] = stdout.split('--\n');
  return { registered: registered.trim(), replies: rest.split('\n').filter((l) => l !== '') };
}
