/**
 * Helpers for the transport tests: read a running command to its end, resolve a test
 * ssh_config alias, and find (only) the processes of the testbed's own sshd.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { ResolvedEndpoint } from '../../src/inventory/endpoint.js';
import { dockerExec } from '../../src/docker/exec.js';
import { resolveSshTarget } from '../../src/ssh/resolve.js';
import type { ExecEnd, RunningCommand } from '../../src/transport/types.js';

export interface Collected {
  stdout: Buffer;
  stderr: Buffer;
  end: ExecEnd;
}

/** Reads stdout and stderr to their ends and waits for `done`. */
export async function collect(running: RunningCommand): Promise<Collected> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  running.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  running.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const end = await running.done;
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), end };
}

/** Resolves once `text` has appeared on the stream (which keeps flowing into `sink`). */
export function waitFor(
  stream: NodeJS.ReadableStream,
  text: string,
  sink: Buffer[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${text}" did not appear`)), 30_000);
    stream.on('data', (chunk: Buffer) => {
      sink.push(chunk);
      if (Buffer.concat(sink).includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export interface TestHost {
  port: number;
  user: string;
  /** IdentityFile lines, in order. */
  keys: string[];
  knownHosts: string;
  /** IdentityAgent (default none: the environment's agent stays out of the tests). */
  agent?: string;
  identitiesOnly?: boolean;
}

/** An ssh_config block for the testbed sshd, with `extra` lines (ProxyJump, HostKeyAlias…). */
export function hostBlock(alias: string, host: TestHost, extra: string[] = []): string {
  return [
    `Host ${alias}`,
    ...extra.map((line) => `  ${line}`),
    '  HostName 127.0.0.1',
    `  Port ${host.port}`,
    `  User ${host.user}`,
    ...host.keys.map((key) => `  IdentityFile ${key}`),
    `  IdentitiesOnly ${host.identitiesOnly === false ? 'no' : 'yes'}`,
    `  IdentityAgent ${host.agent ?? 'none'}`,
    `  UserKnownHostsFile ${host.knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  BatchMode yes',
    '',
  ].join('\n');
}

/** Writes `config` and resolves `alias` with `ssh -G -F`, as createTransport would. */
export async function endpointFrom(
  dir: string,
  config: string,
  alias: string,
): Promise<{ endpoint: ResolvedEndpoint; configFile: string }> {
  const configFile = join(dir, `ssh_config.${alias}`);
  await writeFile(configFile, config);
  const resolved = await resolveSshTarget(alias, { configFile });
  return {
    endpoint: {
      ...resolved,
      knownHostsFiles: [...resolved.userKnownHostsFiles, ...resolved.globalKnownHostsFiles],
    },
    configFile,
  };
}

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      out.push({ pid: Number(name), ppid, comm, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendants(root: number, all: ProcInfo[]): ProcInfo[] {
  const found: ProcInfo[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = all.filter((p) => frontier.includes(p.ppid));
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}

/** The per-connection processes the testbed sshd forked (its direct children). */
export function sshdSessions(sshdPid: number): number[] {
  return processes()
    .filter((p) => p.ppid === sshdPid && p.comm === 'sshd')
    .map((p) => p.pid);
}

/** SIGKILLs the sshd processes of these sessions — only descendants of the testbed's sshd. */
export function killSessions(
  sshdPid: number,
  sessions: number[],
  signal: NodeJS.Signals = 'SIGKILL',
): number {
  const all = processes();
  const ours = new Set(descendants(sshdPid, all).map((p) => p.pid));
  let killed = 0;
  for (const session of sessions) {
    if (!ours.has(session)) continue;
    const tree = [all.find((p) => p.pid === session), ...descendants(session, all)];
    for (const proc of tree) {
      if (proc === undefined || proc.comm !== 'sshd') continue;
      try {
        process.kill(proc.pid, signal);
        killed++;
      } catch {
        // already gone
      }
    }
  }
  return killed;
}

/** Processes under the testbed sshd whose command line contains `marker` (e.g. docker CLI). */
export function sshdDescendantsMatching(sshdPid: number, comm: string, marker: string): number[] {
  return descendants(sshdPid, processes())
    .filter((p) => p.comm === comm && p.cmdline.includes(marker))
    .map((p) => p.pid);
}

const docker = new Docker();

/** Runs argv in the container directly (dockerode), for checks beside the transport under test. */
export function inContainer(container: string, argv: string[]) {
  return dockerExec(docker, container, argv);
}

/** Pids of processes in the container whose command line contains `marker`. */
export async function containerProcesses(container: string, marker: string): Promise<string[]> {
  // The marker travels in the environment: on the command line the scan would find itself.
  const { stdout } = await dockerExec(
    docker,
    container,
    [
      'sh',
      '-c',
      'for p in /proc/[0-9]*; do c=$(tr "\\0" " " < "$p/cmdline" 2>/dev/null) || continue; case "$c" in *"$M"*) echo "${p#/proc/}";; esac; done',
    ],
    { env: [`M=${marker}`] },
  );
  return stdout.split('\n').filter((l) => l !== '');
}
