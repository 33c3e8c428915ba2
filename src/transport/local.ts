/**
 * The local transport: Docker on this machine (dockerode), no SSH — the replica target. The
 * same argv runs as `docker exec -i` would run it: stdin attached, no TTY, stdout and stderr
 * kept apart, the exit code from the exec's inspect.
 */
import { PassThrough, type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { OneroofError } from '../errors.js';
import { connectDocker, isNotFound, type DockerClient } from '../docker/client.js';
import { DockerStreamDemuxer } from '../docker/demux.js';
import { remoteCommandLine } from './remote-line.js';
import { feedStdin, reasonOf, settleAfterOutputs, stdinSource } from './streams.js';
import type {
  Connection,
  ExecEnd,
  ExecRequest,
  Peer,
  RunningCommand,
  Transport,
  TransportKind,
} from './types.js';

export interface LocalTransportOptions {
  /** The target's container: connect() checks that it exists and runs. */
  container: string;
  /** The inventory target, for the hint (`oneroof replica up --target NAME`). */
  targetName?: string;
  env?: NodeJS.ProcessEnv;
  /** A Docker client (default: the engine at DOCKER_HOST or the local socket). */
  docker?: DockerClient;
}

export class LocalTransport implements Transport {
  readonly kind: TransportKind = 'local';

  constructor(private readonly options: LocalTransportOptions) {}

  async connect(): Promise<Connection> {
    const { container } = this.options;
    const docker = this.options.docker ?? (await connectDocker(this.options.env));
    const hint = `start it with \`oneroof replica up${this.options.targetName === undefined ? '' : ` --target ${this.options.targetName}`}\``;
    let state: Docker.ContainerInspectInfo['State'];
    try {
      state = (await docker.getContainer(container).inspect()).State;
    } catch (error) {
      if (isNotFound(error))
        throw new OneroofError(
          'runtime',
          `container ${container} does not exist on the local Docker engine`,
          { hint, cause: error },
        );
      throw new OneroofError(
        'runtime',
        `cannot inspect container ${container}: ${reasonOf(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!state.Running)
      throw new OneroofError(
        'runtime',
        `container ${container} exists but is not running (${state.Status})`,
        { hint },
      );
    return new LocalConnection(docker);
  }
}

class LocalConnection implements Connection {
  readonly peer: Peer = { transport: 'local', host: 'docker' };

  constructor(private readonly docker: DockerClient) {}

  exec(request: ExecRequest): RunningCommand {
    const commandLine = remoteCommandLine(request); // validates container, argv and env names
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const end = this.run(request, stdout, stderr);
    return { commandLine, stdout, stderr, done: settleAfterOutputs(stdout, stderr, end) };
  }

  async close(): Promise<void> {
    // dockerode keeps no connection open between requests.
  }

  private async run(
    request: ExecRequest,
    stdout: PassThrough,
    stderr: PassThrough,
  ): Promise<ExecEnd> {
    let exec: Docker.Exec;
    let socket: Duplex;
    try {
      exec = await this.docker.getContainer(request.container).exec({
        Cmd: [...request.argv],
        AttachStdin: true, // as `docker exec -i`: no stdin given means EOF at once
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Env: envList(request),
      });
      // hijack: end() half-closes the socket, which is EOF on the process's stdin and keeps
      // the output flowing (without it, end() tears the output down too: apocas/docker-modem#48).
      socket = await exec.start({ hijack: true, stdin: true });
    } catch (error) {
      stdout.end();
      stderr.end();
      return { kind: 'lost', reason: `docker exec did not start: ${reasonOf(error)}` };
    }

    const demuxer = new DockerStreamDemuxer(stdout, stderr);
    const broken = await new Promise<string | undefined>((resolve) => {
      let failure: string | undefined;
      let ended = false;
      socket.on('error', (error) => (failure ??= reasonOf(error)));
      socket.on('end', () => (ended = true));
      socket.on('close', () => {
        if (!ended) resolve(failure ?? 'the docker exec stream closed before its end');
      });
      demuxer.on('finish', () => resolve(undefined));
      demuxer.on('error', (error) => {
        socket.destroy();
        resolve(reasonOf(error));
      });
      socket.pipe(demuxer);
      feedStdin(stdinSource(request.stdin), socket);
    });
    if (broken !== undefined) {
      socket.unpipe(demuxer);
      demuxer.destroy();
    }
    stdout.end();
    stderr.end();
    const code = await exitCodeOf(exec, broken === undefined ? 50 : 1);
    if (broken !== undefined)
      return {
        kind: 'lost',
        reason: `${broken}${code === undefined ? '' : ` (docker reports exit code ${code}, but output may be missing)`}`,
      };
    if (code === undefined)
      return { kind: 'lost', reason: 'docker reported no exit code after the output ended' };
    return { kind: 'exit', code };
  }
}

/** -e NAME=VALUE pairs; the names were checked against the fixed list by remoteCommandLine. */
function envList(request: ExecRequest): string[] {
  return Object.entries(request.env ?? {}).map(([name, value]) => `${name}=${value}`);
}

/** ExitCode can still be null just after the output ended: ask again, a bounded number of times. */
async function exitCodeOf(exec: Docker.Exec, attempts: number): Promise<number | undefined> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const info = await exec.inspect();
      if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
    } catch {
      // the engine may be restarting: try again
    }
    await sleep(20 * Math.min(attempt + 1, 10));
  }
  return undefined;
}
