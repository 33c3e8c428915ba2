/**
 * An Ansible inventory read the way Ansible itself reads it: `ansible-inventory -i PATH --list`
 * (so dynamic inventories, group_vars, host_vars and vault-encrypted vars files work), through
 * the one local-process runner: argv only, no shell, a time limit, a bound on its output. An
 * inventory source Ansible cannot parse is an error here, not the empty inventory Ansible would
 * warn about and go on with. What it prints is only parsed here; ansible-list.ts checks it.
 */
import { stat } from 'node:fs/promises';
import { OneroofError } from '../errors.js';
import { runLocal, type LocalResult } from '../local/run.js';
import { ANSIBLE_PREFIX } from './source.js';

export interface AnsibleReadOptions {
  /** The program (default `ansible-inventory` on PATH). */
  command?: string;
  timeoutMs?: number;
  /** Bytes of output read at most (stdout and stderr each). */
  maxBytes?: number;
  env?: NodeJS.ProcessEnv;
}

/** A dynamic inventory may ask a cloud API: a minute, then it is stopped. */
const TIMEOUT_MS = 60_000;
const MAX_BYTES = 32 * 1024 * 1024;
/** Ansible's settings that make an unparsable source an error instead of a warning. */
const STRICT_ENV = {
  ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True',
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'True',
  ANSIBLE_NOCOLOR: 'True',
  ANSIBLE_FORCE_COLOR: 'False',
};
const STDERR_LINES_SHOWN = 8;

/** The parsed JSON document `ansible-inventory -i path --list` printed (not yet checked). */
export async function ansibleInventoryList(
  path: string,
  shown: string,
  options: AnsibleReadOptions = {},
): Promise<unknown> {
  const where = `inventory ${ANSIBLE_PREFIX}${shown}`;
  try {
    await stat(path);
  } catch (error) {
    throw new OneroofError(
      'config',
      `${where}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        hint: 'ansible:PATH names an Ansible inventory file, script or folder',
        cause: error,
      },
    );
  }
  const command = options.command ?? 'ansible-inventory';
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  const line = `${command} -i ${shown} --list`;
  let result: LocalResult;
  try {
    result = await runLocal(command, ['-i', path, '--list'], {
      env: { ...(options.env ?? process.env), ...STRICT_ENV },
      timeoutMs,
      maxBuffer: maxBytes,
    });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new OneroofError(
      'config',
      missing
        ? `${where}: cannot run ${command}: not installed or not on PATH`
        : `${where}: cannot run ${command}: ${(error as Error).message}`,
      {
        ...(missing ? { hint: 'install ansible-core (Debian: apt-get install ansible-core)' } : {}),
        cause: error,
      },
    );
  }
  if (result.timedOut)
    throw new OneroofError(
      'config',
      `${where}: \`${line}\` did not finish within ${timeoutMs / 1000} s and was stopped`,
      { hint: 'a dynamic inventory that waits for something? run the same command by hand' },
    );
  if (result.overflowed)
    throw new OneroofError(
      'config',
      `${where}: \`${line}\` printed more than ${maxBytes} bytes; nothing of it was used`,
    );
  if (result.exitCode !== 0) {
    const stderr = lastLines(result.stderr);
    throw new OneroofError(
      'config',
      `${where}: \`${line}\` failed (${result.exitCode === null ? `signal ${String(result.signal)}` : `exit ${result.exitCode}`})${stderr === '' ? '' : `:\n${stderr}`}`,
      /vault/i.test(result.stderr)
        ? {
            hint: 'vault-encrypted vars need their password: set ANSIBLE_VAULT_PASSWORD_FILE (oneroof asks nothing on a terminal for Ansible)',
          }
        : {},
    );
  }
  try {
    return JSON.parse(result.stdout) as unknown;
  } catch (error) {
    throw new OneroofError('config', `${where}: \`${line}\` printed no JSON document`, {
      cause: error,
    });
  }
}

/** The end of ansible's stderr, where its ERROR! line is; cut to a few lines of some length. */
function lastLines(stderr: string): string {
  return stderr
    .trimEnd()
    .split('\n')
    .slice(-STDERR_LINES_SHOWN)
    .map((l) => `  ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`)
    .join('\n')
    .replace(/^\s+$/, '');
}
