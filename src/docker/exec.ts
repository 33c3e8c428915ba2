/**
 * `docker exec` through dockerode, with stdin: the local leg of the production path. Returns a
 * result object instead of throwing on a non-zero exit (the caller decides what it means).
 */
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from './client.js';

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

export async function dockerExec(
  docker: DockerClient,
  container: string,
  cmd: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const exec = await docker.getContainer(container).exec({
    Cmd: cmd,
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(options.user === undefined ? {} : { User: options.user }),
    ...(options.env === undefined ? {} : { Env: options.env }),
  });
  // hijack: end() half-closes the socket, which is EOF on the process's stdin and keeps the
  // output flowing (without it, end() tears the output down too: apocas/docker-modem#48).
  const socket = (await exec.start({
    hijack: true,
    stdin: options.stdin !== undefined,
  })) as unknown as NodeJS.ReadWriteStream & Readable;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  docker.modem.demuxStream(socket, stdout, stderr);
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('close', resolve);
    socket.on('error', reject);
  });
  if (options.stdin !== undefined) socket.end(options.stdin);
  await ended;
  // demuxStream never ends its outputs: end them ourselves.
  stdout.end();
  stderr.end();
  return {
    exitCode: await exitCodeOf(exec),
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** ExitCode can still be null just after the output ended: ask again, a bounded number of times. */
async function exitCodeOf(exec: {
  inspect(): Promise<{ ExitCode: number | null; Running: boolean }>;
}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await sleep(20 * Math.min(attempt + 1, 10));
  }
  throw new Error('docker exec: no exit code after the output ended');
}
