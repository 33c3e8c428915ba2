/**
 * The local transport: Docker on this machine (dockerode), no SSH — the replica target. The
 * same argv runs as `docker exec -i` would run it: stdin attached, no TTY, stdout and stderr
 * kept apart, the exit code from the exec's inspect.
 */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { OneroofError, reasonOf } from '../errors.js';
import { connectDocker, isNotFound, type DockerClient } from '../docker/client.js';
import { demuxOutput, exitCodeOf, startExec, type StartedExec } from '../docker/exec.js';
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
    let started: StartedExec;
    try {
      started = await startExec(this.docker, request.container, {
        cmd: request.argv,
        stdin: true, // as `docker exec -i`: no stdin given means EOF at once
        env: envList(request),
      });
    } catch (error) {
      stdout.end();
      stderr.end();
      return { kind: 'lost', reason: `docker exec did not start: ${reasonOf(error)}` };
    }
    const { exec, socket } = started;
    const broken = await demuxOutput(socket, stdout, stderr, () =>
      feedStdin(stdinSource(request.stdin), socket),
    );
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
