/**
 * The ssh2 transport (the default): the target resolved as `ssh ALIAS` resolves it (`ssh -G`),
 * every host key — each ProxyJump hop's too — checked against known_hosts, then
 * `docker exec -i CONTAINER ARGV…` run through the host's login shell with stdin streamed in
 * and stdout/stderr streamed out, backpressure kept both ways.
 */
import { PassThrough } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { Client, ClientErrorExtensions } from 'ssh2';
import { OneroofError, reasonOf } from '../errors.js';
import type { ResolvedEndpoint } from '../inventory/endpoint.js';
import type { ResolvedSsh } from '../ssh/resolve.js';
import type { AskPassphrase } from './ssh2-auth.js';
import type { HostKeyAccepted, HostKeyPolicy } from './ssh2-hostkey.js';
import { resolveJumpChain, sshGHopResolver, type HopResolver } from './ssh2-jump.js';
import { remoteCommandLine } from './remote-line.js';
import { forwardTo, openLink, type Link, type LinkTarget } from './ssh2-link.js';
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

export interface Ssh2TransportOptions {
  hostKeyPolicy: HostKeyPolicy;
  env?: NodeJS.ProcessEnv;
  /** Asks for an encrypted key's passphrase (on a TTY). Without it such keys are skipped. */
  askPassphrase?: AskPassphrase;
  /** Handshake + login deadline (default: ConnectTimeout, else 20 s). */
  readyTimeoutMs?: number;
  /** accept-new recorded a host key (for the run log). */
  onHostKeyAccepted?: (event: HostKeyAccepted) => void;
  /** Things worth a line in the log that are not errors (a skipped key). Never a secret. */
  onNotice?: (message: string) => void;
  /** The -F file the endpoint was resolved with: ProxyJump hops are resolved with it too. */
  sshConfigFile?: string;
  /** The inventory's known_hosts: used for every hop too (else each hop's own files). */
  knownHostsOverride?: readonly string[];
  /** Resolves a ProxyJump hop (default: `ssh -G`, as OpenSSH's jump command would). */
  resolveHop?: HopResolver;
}

export class Ssh2Transport implements Transport {
  readonly kind: TransportKind = 'ssh2';

  constructor(
    private readonly endpoint: ResolvedEndpoint,
    private readonly options: Ssh2TransportOptions,
  ) {}

  async connect(): Promise<Connection> {
    const { endpoint, options } = this;
    if (endpoint.proxyCommand !== undefined) {
      throw new OneroofError(
        'config',
        `${endpoint.alias}: reached through a ProxyCommand, which the ssh2 transport does not run`,
        { hint: 'use --transport openssh for this target' },
      );
    }
    const env = options.env ?? process.env;
    const resolveHop =
      options.resolveHop ??
      sshGHopResolver({
        env,
        ...(options.sshConfigFile === undefined ? {} : { configFile: options.sshConfigFile }),
      });
    const hops =
      endpoint.proxyJump === undefined
        ? []
        : await resolveJumpChain(endpoint.proxyJump, resolveHop);
    const linkOptions = {
      hostKeyPolicy: options.hostKeyPolicy,
      env,
      ...(options.askPassphrase === undefined ? {} : { askPassphrase: options.askPassphrase }),
      ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
      ...(options.onHostKeyAccepted === undefined
        ? {}
        : { onHostKeyAccepted: options.onHostKeyAccepted }),
      ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    };

    const links: { link: Link; target: LinkTarget }[] = [];
    try {
      let sock: Duplex | undefined;
      for (const [index, hop] of hops.entries()) {
        const target = this.hopTarget(hop);
        const link = await openLink(target, sock, linkOptions);
        links.push({ link, target });
        const next = hops[index + 1] ?? endpoint;
        sock = await forwardTo(link.client, hop.alias, next.hostname, next.port);
      }
      const link = await openLink(endpoint, sock, linkOptions);
      links.push({ link, target: endpoint });
    } catch (error) {
      for (const { link } of links.reverse()) link.client.end();
      throw error;
    }
    const peer: Peer = {
      transport: 'ssh2',
      host: endpoint.hostname,
      port: endpoint.port,
      user: endpoint.user,
      hostKeyFingerprint: links[links.length - 1]?.link.hostKeyFingerprint ?? '',
    };
    if (hops.length > 0) {
      peer.jumps = links.slice(0, -1).map(({ link, target }) => ({
        host: target.hostname,
        port: target.port,
        hostKeyFingerprint: link.hostKeyFingerprint,
      }));
    }
    return new Ssh2Connection(
      peer,
      links.map(({ link, target }) => ({ link, name: target.alias })),
    );
  }

  private hopTarget(hop: ResolvedSsh): LinkTarget {
    const override = this.options.knownHostsOverride;
    return {
      ...hop,
      knownHostsFiles: override ?? [...hop.userKnownHostsFiles, ...hop.globalKnownHostsFiles],
    };
  }
}

class Ssh2Connection implements Connection {
  /** Why the connection went away, once it has (the 'lost' reason). */
  private failure: string | undefined;
  private readonly client: Client;
  private readonly closed = new Set<Client>();

  constructor(
    readonly peer: Peer,
    private readonly links: { link: Link; name: string }[],
  ) {
    const last = links[links.length - 1];
    if (last === undefined) throw new Error('no link');
    this.client = last.link.client;
    for (const [index, { link, name }] of links.entries()) {
      const role = index === links.length - 1 ? '' : `jump host ${name}: `;
      link.client.on('error', (error: Error & ClientErrorExtensions) => {
        this.failure ??= role + describeLinkError(error, link);
      });
      link.client.on('close', () => {
        this.closed.add(link.client);
        this.failure ??= `${role}the connection was closed`;
      });
    }
  }

  exec(request: ExecRequest): RunningCommand {
    const commandLine = remoteCommandLine(request);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const end = new Promise<ExecEnd>((resolve) => {
      const lost = (reason: string): void => {
        stdout.end();
        stderr.end();
        resolve({ kind: 'lost', reason });
      };
      if (this.failure !== undefined) {
        lost(`not connected (${this.failure}); the command was not sent`);
        return;
      }
      try {
        this.client.exec(commandLine, (error, channel) => {
          if (error) {
            lost(`the command was not started: ${this.failure ?? reasonOf(error)}`);
            return;
          }
          channel.pipe(stdout);
          channel.stderr.pipe(stderr);
          // 'close' is the verdict: (code), (null, signal), or nothing at all — the link died.
          channel.once('close', (code?: number | null, signal?: string) => {
            if (typeof code === 'number') resolve({ kind: 'exit', code });
            else if (typeof signal === 'string') resolve({ kind: 'signal', signal });
            else
              resolve({
                kind: 'lost',
                reason: this.failure ?? 'the channel closed without an exit status',
              });
          });
          feedStdin(stdinSource(request.stdin), channel);
        });
      } catch (error) {
        lost(`the command was not started: ${reasonOf(error)}`);
      }
    });
    return { commandLine, stdout, stderr, done: settleAfterOutputs(stdout, stderr, end) };
  }

  async close(): Promise<void> {
    this.failure ??= 'closed by oneroof';
    for (const { link } of [...this.links].reverse()) {
      if (this.closed.has(link.client)) continue;
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        link.client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      link.client.end();
      await closed;
    }
  }
}

function describeLinkError(error: Error & ClientErrorExtensions, link: Link): string {
  if (error.level === 'client-timeout' && /keepalive/i.test(error.message)) {
    const { intervalMs, countMax } = link.keepalive;
    return `no answer to ${countMax} keepalives sent ${intervalMs / 1000} s apart (ServerAliveInterval/CountMax)`;
  }
  return reasonOf(error);
}
