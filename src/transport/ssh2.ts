/**
 * The ssh2 leg of the production path: connect as `ssh ALIAS` would (endpoint resolved by
 * `ssh -G`), with the host key checked against known_hosts — ssh2 itself accepts any key
 * unless told otherwise (mscdex/ssh2#1421) — then run one command with bytes on its stdin.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client as Ssh2Client } from 'ssh2';
import { OneroofError } from '../errors.js';
import type { ResolvedEndpoint } from '../inventory/endpoint.js';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  keyTypeOfBlob,
  knownKeyTypesFor,
  loadKnownHosts,
} from '../ssh/known-hosts.js';

export interface ExecOutcome {
  /** The remote command's exit code; null when it died of a signal or the link was lost. */
  exitCode: number | null;
  signal: string | null;
  /** The channel closed without an exit status: the connection was lost. */
  connectionLost: boolean;
  stdout: Buffer;
  stderr: Buffer;
}

export interface Ssh2Session {
  /** SHA256:… of the host key that was verified. */
  readonly hostKeyFingerprint: string;
  exec(commandLine: string, stdin: Buffer | string): Promise<ExecOutcome>;
  close(): void;
}

export interface ConnectOptions {
  hostKeyPolicy: 'strict' | 'accept-new';
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

export async function connectSsh2(
  endpoint: ResolvedEndpoint,
  options: ConnectOptions,
): Promise<Ssh2Session> {
  if (endpoint.proxyJump !== undefined || endpoint.proxyCommand !== undefined) {
    throw new OneroofError(
      'config',
      `${endpoint.alias}: ProxyJump/ProxyCommand is not supported by the ssh2 transport yet`,
      {
        hint: 'use --transport openssh for this target',
      },
    );
  }
  // Fail closed: an unreadable known_hosts file throws here, before any connection.
  const known = await loadKnownHosts(endpoint.knownHostsFiles);
  const lookupHost = endpoint.hostKeyAlias ?? endpoint.hostname;
  const lookupPort = endpoint.hostKeyAlias === undefined ? endpoint.port : 22;
  const hostKeyTypes = knownKeyTypesFor(known.entries, lookupHost, lookupPort);
  const auth = await authMethods(endpoint, options.env ?? process.env);

  let refusal: OneroofError | undefined;
  let accepted: { line: string } | undefined;
  let fingerprint = '';
  const client = new ssh2.Client();
  const ready = new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', (error) => reject(refusal ?? error));
  });
  client.connect({
    host: endpoint.hostname,
    port: endpoint.port,
    username: endpoint.user,
    authHandler: auth,
    readyTimeout: options.readyTimeoutMs ?? (endpoint.connectTimeout ?? 20) * 1000,
    keepaliveInterval:
      (endpoint.serverAliveInterval > 0 ? endpoint.serverAliveInterval : 15) * 1000,
    keepaliveCountMax: endpoint.serverAliveCountMax > 0 ? endpoint.serverAliveCountMax : 3,
    // Offer only the key types known_hosts has for this host, or a known host looks unknown.
    ...(hostKeyTypes.length > 0
      ? { algorithms: { serverHostKey: hostKeyTypes as ssh2.ServerHostKeyAlgorithm[] } }
      : {}),
    hostVerifier: (blob: Buffer) => {
      fingerprint = fingerprintSha256(blob);
      const type = keyTypeOfBlob(blob);
      const verdict = checkHostKey(known.entries, lookupHost, lookupPort, { type, blob });
      const name = lookupPort === 22 ? lookupHost : `[${lookupHost}]:${lookupPort}`;
      switch (verdict.kind) {
        case 'match':
          return true;
        case 'revoked':
          refusal = new OneroofError(
            'runtime',
            `host key of ${name} is REVOKED (${fingerprint}, ${verdict.entry.source}:${verdict.entry.line}); refusing to connect`,
          );
          return false;
        case 'mismatch': {
          const knownPrints = verdict.known
            .map((e) => `${e.type} ${fingerprintSha256(e.blob)} (${e.source}:${e.line})`)
            .join('; ');
          refusal = new OneroofError(
            'runtime',
            `host key of ${name} does not match known_hosts: the server offered ${type} ${fingerprint}, known: ${knownPrints}`,
            {
              hint: 'this may be an attack (or a reinstalled server); verify the new key out of band before you change known_hosts',
            },
          );
          return false;
        }
        case 'unknown':
          if (options.hostKeyPolicy === 'accept-new' && endpoint.knownHostsFiles[0] !== undefined) {
            accepted = { line: formatKnownHostsLine(lookupHost, lookupPort, type, blob) };
            return true;
          }
          refusal = new OneroofError(
            'runtime',
            `host ${name} is not in known_hosts (${endpoint.knownHostsFiles.join(', ') || 'none configured'}); it offered ${type} ${fingerprint}`,
            {
              hint: 'verify the fingerprint out of band, then add it (ssh-keyscan, or connect once with ssh), or set host_key: accept-new for this target',
            },
          );
          return false;
      }
    },
  });
  try {
    await ready;
  } catch (error) {
    client.end();
    if (error instanceof OneroofError) throw error;
    throw new OneroofError(
      'runtime',
      `cannot connect to ${endpoint.user}@${endpoint.hostname}:${endpoint.port} (${endpoint.alias}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (accepted && endpoint.knownHostsFiles[0] !== undefined)
    await appendFile(endpoint.knownHostsFiles[0], `${accepted.line}\n`);
  return new Session(client, fingerprint);
}

class Session implements Ssh2Session {
  private lost: Error | undefined;

  constructor(
    private readonly client: Ssh2Client,
    readonly hostKeyFingerprint: string,
  ) {
    client.on('error', (error) => (this.lost = error));
  }

  exec(commandLine: string, stdin: Buffer | string): Promise<ExecOutcome> {
    return new Promise((resolve, reject) => {
      this.client.exec(commandLine, (error, channel) => {
        if (error) {
          reject(
            new OneroofError('runtime', `could not start the remote command: ${error.message}`, {
              cause: error,
            }),
          );
          return;
        }
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let exit: { code: number | null; signal: string | null } | undefined;
        channel.on('data', (chunk: Buffer) => out.push(chunk));
        channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
        channel.on(
          'exit',
          (code: number | null, signal?: string) =>
            (exit = { code: code ?? null, signal: signal ?? null }),
        );
        // 'close' is the verdict: with an exit status, the command ended; without, the link died.
        channel.on('close', () =>
          resolve({
            exitCode: exit?.code ?? null,
            signal: exit?.signal ?? null,
            connectionLost: exit === undefined,
            stdout: Buffer.concat(out),
            stderr: Buffer.concat(err),
          }),
        );
        // pipeline, not write(): a write into a closing channel never calls back (mscdex/ssh2#1508).
        pipeline(Readable.from([Buffer.from(stdin)]), channel).catch(() => undefined);
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

/** OpenSSH's order: the agent's keys (unless IdentitiesOnly), then the identity files that exist. */
async function authMethods(
  endpoint: ResolvedEndpoint,
  env: NodeJS.ProcessEnv,
): Promise<AnyAuthMethod[]> {
  const methods: AnyAuthMethod[] = [];
  const agent =
    endpoint.identityAgent === undefined || endpoint.identityAgent === 'SSH_AUTH_SOCK'
      ? env.SSH_AUTH_SOCK
      : endpoint.identityAgent === 'none'
        ? undefined
        : endpoint.identityAgent;
  if (agent && !endpoint.identitiesOnly)
    methods.push({ type: 'agent', username: endpoint.user, agent });
  for (const file of endpoint.identityFiles) {
    let key: Buffer;
    try {
      key = await readFile(file);
    } catch {
      continue; // ssh -G lists the default identity files whether or not they exist
    }
    const parsed = ssh2.utils.parseKey(key);
    if (parsed instanceof Error) continue; // encrypted without a passphrase: the agent may still hold it
    methods.push({ type: 'publickey', username: endpoint.user, key });
  }
  if (methods.length === 0) {
    throw new OneroofError(
      'config',
      `${endpoint.alias}: no usable identity (no agent, and none of ${endpoint.identityFiles.join(', ') || 'no identity files'} is readable and unencrypted)`,
    );
  }
  return methods;
}
