// Resolve an ssh_config alias exactly as `ssh ALIAS` would. ssh2 does not read ssh_config, and
// re-implementing it (Include, Match, defaults, token rules) would drift from OpenSSH, so we ask
// OpenSSH itself: `ssh -G` prints the fully resolved configuration without connecting.
import { hostname as osHostname, userInfo } from 'node:os';
import { runLocal, type LocalResult } from '../local/run.js';
import {
  buildSshGArgs,
  type ExpandContext,
  parseSshG,
  type ResolvedSsh,
  type ResolveOptions,
  SshResolveError,
} from './ssh-g.js';

export { SshResolveError, type ResolvedSsh, type ResolveOptions } from './ssh-g.js';

const TIMEOUT_MS = 10_000;

function localFacts(): { home: string; ctx: ExpandContext } {
  // ssh takes the home directory from the password database, not $HOME: do the same.
  const info = userInfo();
  return {
    home: info.homedir,
    ctx: { localUser: info.username, uid: info.uid, localHostname: osHostname() },
  };
}

export async function resolveSshTarget(
  alias: string,
  opts: ResolveOptions = {},
): Promise<ResolvedSsh> {
  const args = buildSshGArgs(alias, opts); // validates before anything runs
  const ssh = opts.sshBinary ?? 'ssh';
  let result: LocalResult;
  try {
    result = await runLocal(ssh, args, { timeoutMs: TIMEOUT_MS, env: opts.env ?? process.env });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SshResolveError(
      code === 'ENOENT' ? 'ssh-missing' : 'ssh-failed',
      code === 'ENOENT'
        ? `cannot run ${ssh}: not installed or not on PATH; OpenSSH's client (ssh) is needed to resolve ssh_config aliases`
        : `cannot run ${ssh}: ${(e as Error).message}`,
      undefined,
      { cause: e },
    );
  }
  const stderr = result.stderr.trim();
  if (result.timedOut)
    throw new SshResolveError(
      'timeout',
      `${ssh} -G ${alias} did not finish within ${TIMEOUT_MS / 1000} s (a Match exec in ssh_config?)`,
      stderr,
    );
  if (result.exitCode !== 0)
    throw new SshResolveError(
      'ssh-failed',
      `${ssh} -G ${alias} failed${stderr ? `: ${stderr}` : ` (${result.exitCode === null ? `signal ${String(result.signal)}` : `exit ${result.exitCode}`})`}`,
      stderr,
    );
  const stdout = result.stdout;
  const { home, ctx } = localFacts();
  return parseSshG(stdout, home, ctx);
}
