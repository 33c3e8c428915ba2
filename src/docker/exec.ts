/**
 * `docker exec` through dockerode: the one way oneroof starts a process in a container, for
 * the local transport (streamed, src/transport/local.ts) and the replica (collected, below).
 * stdout and stderr come apart through the one demuxer (./demux.ts), with backpressure; the
 * exit code comes from the exec's inspect.
 */
import { PassThrough, type Duplex, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { reasonOf } from '../errors.js';
import type { DockerClient } from './client.js';
import { DockerStreamDemuxer } from './demux.js';

export interface ExecSpec {
  cmd: readonly string[];
  /** NAME=VALUE pairs. */
  env?: string[];
  user?: string;
  /** Attach stdin (as `docker exec -i`). */
  stdin: boolean;
}

export interface StartedExec {
  exec: Docker.Exec;
  /** The hijacked attach stream: write stdin to it, read the multiplexed output from it. */
  socket: Duplex;
}

export async function startExec(
  docker: DockerClient,
  container: string,
  spec: ExecSpec,
): Promise<StartedExec> {
  const exec = await docker.getContainer(container).exec({
    Cmd: [...spec.cmd],
    AttachStdin: spec.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(spec.env === undefined ? {} : { Env: spec.env }),
    ...(spec.user === undefined ? {} : { User: spec.user }),
  });
  // hijack: end() half-closes the socket, which is EOF on the process's stdin and keeps the
  // output flowing (without it, end() tears the output down too: apocas/docker-modem#48).
  const socket = await exec.start({ hijack: true, stdin: spec.stdin });
  return { exec, socket };
}

/**
 * Pipes the exec's output into stdout and stderr until the stream ends (undefined) or breaks
 * (the reason); `feed` writes stdin once the pipe is in place. The outputs are not ended.
 */
export async function demuxOutput(
  socket: Duplex,
  stdout: Writable,
  stderr: Writable,
  feed: () => void,
): Promise<string | undefined> {
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
    feed();
  });
  if (broken !== undefined) {
    socket.unpipe(demuxer);
    demuxer.destroy();
  }
  return broken;
}

/** ExitCode can still be null just after the output ended: ask again, a bounded number of times. */
export async function exitCodeOf(exec: Docker.Exec, attempts: number): Promise<number | undefined> {
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

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Bytes for the process's stdin; ended (EOF) after they are written. */
  stdin?: string | Buffer;
  user?: string;
  env?: string[];
}

/**
 * Runs `cmd` in `container` to its end and returns its exit code and output; a non-zero exit
 * is a result, not an error (the caller decides what it means).
 */
export async function dockerExec(
  docker: DockerClient,
  container: string,
  cmd: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const { exec, socket } = await startExec(docker, container, {
    cmd,
    stdin: options.stdin !== undefined,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const broken = await demuxOutput(socket, stdout, stderr, () => {
    if (options.stdin !== undefined) socket.end(options.stdin);
  });
  stdout.end();
  stderr.end();
  if (broken !== undefined) throw new Error(`docker exec ${cmd[0] ?? ''}: ${broken}`);
  const exitCode = await exitCodeOf(exec, 50);
  if (exitCode === undefined) throw new Error('docker exec: no exit code after the output ended');
  return {
    exitCode,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}
