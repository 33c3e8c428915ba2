/**
 * The openssh transport: the system `ssh`, for what ssh2 cannot reproduce (ControlMaster,
 * hardware keys, ProxyCommand). `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes|accept-new
 * -T [-F FILE] [-o UserKnownHostsFile=…] -- HOST LINE`, LINE from the same pure builder.
 *
 * node:child_process.spawn, not zx: zx 8 reads the child's stdout with a 'data' listener
 * (flowing: no backpressure, and bytes emitted before a consumer attaches are gone for it)
 * and keeps every byte in its store as strings; a 32 MiB script would be held twice.
 *
 * What ssh's exit tells: 0–254 is the remote command's code; 255 is ssh's own failure — or
 * a remote command that itself exited 255, or died of a signal (OpenSSH does not pass the
 * signal on). Neither `docker exec` nor psql nor the staging script exits 255, so 255 is
 * reported as `lost`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { OneroofError, reasonOf } from '../errors.js';
import { runLocal } from '../local/run.js';
import type { ResolvedEndpoint } from '../inventory/endpoint.js';
import { fingerprintSha256, loadKnownHosts } from '../ssh/known-hosts.js';
import { buildOpensshArgs, opensshDestination, type OpensshArgsOptions } from './openssh-args.js';
import type { HostKeyPolicy } from './ssh2-hostkey.js';
import { remoteCommandLine } from './remote-line.js';
import { feedStdin, settleAfterOutputs, stdinSource } from './streams.js';
import type {
  Connection,
  ExecEnd,
  ExecRequest,
  Peer,
  RunningCommand,
  Transport,
  TransportKind,
} from './types.js';

export interface OpensshTransportOptions extends OpensshArgsOptions {
  /** `ssh -G`'s resolution of the ssh endpoint, for the peer's name. */
  endpoint: ResolvedEndpoint;
  env?: NodeJS.ProcessEnv;
  sshBinary?: string;
  /**
   * connect() runs `ssh … true` once (default): host key and login problems then surface as
   * a clear error before any payload is sent, and the host key's fingerprint is learnt from
   * `ssh -v`. It costs one round trip (none to speak of behind a ControlMaster).
   */
  checkOnConnect?: boolean;
}

export class OpensshTransport implements Transport {
  readonly kind: TransportKind = 'openssh';

  constructor(private readonly options: OpensshTransportOptions) {}

  async connect(): Promise<Connection> {
    const { options } = this;
    const args = buildOpensshArgs(options);
    const destination = opensshDestination(options.ssh);
    const { endpoint } = options;
    const peer: Peer = {
      transport: 'openssh',
      host: endpoint.hostname,
      port: endpoint.port,
      user: endpoint.user,
    };
    if (options.checkOnConnect !== false) {
      const fingerprint = await this.check(args, destination);
      if (fingerprint !== undefined) peer.hostKeyFingerprint = fingerprint;
    }
    return new OpensshConnection(peer, options.sshBinary ?? 'ssh', args, destination, options.env);
  }

  /** `ssh -v … -- HOST true`: the verdict on host key and login, and the key's fingerprint. */
  private async check(args: string[], destination: string): Promise<string | undefined> {
    const ssh = this.options.sshBinary ?? 'ssh';
    const outcome = await runLocal(ssh, ['-v', ...args, '--', destination, 'true'], {
      env: this.options.env ?? process.env,
    }).then(
      (result) => ({ code: result.exitCode, text: result.stderr }),
      (error: Error) => ({ code: null, text: '', error }),
    );
    const where = `${destination} (${this.options.endpoint.user}@${this.options.endpoint.hostname}:${this.options.endpoint.port})`;
    if ('error' in outcome)
      throw new OneroofError('config', `cannot run ${ssh}: ${outcome.error.message}`, {
        cause: outcome.error,
        hint: 'install the OpenSSH client, or use --transport ssh2',
      });
    const text = outcome.text;
    if (outcome.code === 0) {
      const keys = [
        ...text.matchAll(/^debug1: Server host key: \S+ (SHA256:[A-Za-z0-9+/]+)\s*$/gm),
      ];
      return keys[keys.length - 1]?.[1]; // the last one is the target's (hops print first)
    }
    const said = text
      .split(/\r?\n/)
      .filter(
        (l) => l.trim() !== '' && !/^(debug\d|OpenSSH_|Authenticated to|Transferred:)/.test(l),
      )
      .join('\n');
    throw new OneroofError(
      'runtime',
      `ssh ${where} failed (exit ${String(outcome.code)}): ${said || 'no message'}${await knownFingerprints(text)}`,
      { hint: hintFor(said, this.options.hostKeyPolicy) },
    );
  }
}

/** For a changed key OpenSSH names the offending known_hosts line; add that key's fingerprint. */
async function knownFingerprints(text: string): Promise<string> {
  const out: string[] = [];
  for (const [, file, line] of text.matchAll(/Offending \S+ key in (\S+):(\d+)/g)) {
    if (file === undefined || line === undefined) continue;
    try {
      const { entries } = await loadKnownHosts([file]);
      const entry = entries.find((e) => e.line === Number(line));
      if (entry) out.push(`${entry.type} ${fingerprintSha256(entry.blob)} (${file}:${line})`);
    } catch {
      // the message above already names the file
    }
  }
  return out.length > 0 ? `\nknown_hosts has: ${out.join('; ')}` : '';
}

function hintFor(said: string, policy: HostKeyPolicy): string {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|REVOKED/i.test(said))
    return 'this may be an attack (or a reinstalled server): verify the new key out of band before you change known_hosts';
  if (/Host key verification failed|No .* host key is known/i.test(said))
    return policy === 'strict'
      ? 'verify the fingerprint out of band and add it to known_hosts, or set host_key: accept-new for this target'
      : 'the host key was refused';
  if (/Permission denied/i.test(said))
    return 'BatchMode is on: ssh cannot ask for a passphrase; load the key into ssh-agent (ssh-add)';
  return 'run the same ssh command by hand with -v to see more';
}

class OpensshConnection implements Connection {
  private readonly running = new Set<ChildProcessWithoutNullStreams>();

  constructor(
    readonly peer: Peer,
    private readonly ssh: string,
    private readonly args: readonly string[],
    private readonly destination: string,
    private readonly env: NodeJS.ProcessEnv | undefined,
  ) {}

  exec(request: ExecRequest): RunningCommand {
    const commandLine = remoteCommandLine(request);
    // LogLevel=ERROR: ssh's own warnings would otherwise land among the command's stderr bytes.
    const child = spawn(
      this.ssh,
      ['-o', 'LogLevel=ERROR', ...this.args, '--', this.destination, commandLine],
      { stdio: ['pipe', 'pipe', 'pipe'], env: this.env ?? process.env },
    );
    this.running.add(child);
    const end = new Promise<ExecEnd>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (error) => (spawnError = error));
      child.once('close', (code, signal) => {
        this.running.delete(child);
        if (spawnError !== undefined)
          resolve({ kind: 'lost', reason: `ssh could not run: ${reasonOf(spawnError)}` });
        else if (signal !== null)
          resolve({
            kind: 'lost',
            reason: `ssh was killed by ${signal}; the remote command may still be running`,
          });
        else if (code === 255 || code === null)
          resolve({
            kind: 'lost',
            reason:
              'ssh exited 255: the connection failed or was lost (or the remote command itself exited 255 or died of a signal)',
          });
        else resolve({ kind: 'exit', code });
      });
    });
    feedStdin(stdinSource(request.stdin), child.stdin);
    return {
      commandLine,
      stdout: child.stdout,
      stderr: child.stderr,
      done: settleAfterOutputs(child.stdout, child.stderr, end),
    };
  }

  async close(): Promise<void> {
    // Like closing an ssh2 connection: a command still running is cut off (its end: lost).
    for (const child of this.running) child.kill('SIGTERM');
    await Promise.resolve();
  }
}
