/**
 * The Docker engine, reached through dockerode (the socket, or DOCKER_HOST). A missing engine
 * is a clear runtime error, not a stack trace.
 */
import Docker from 'dockerode';
import { OneroofError } from '../errors.js';

export type DockerClient = Docker;

function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** A client whose engine has answered a ping (bounded: 5 s). */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<DockerClient> {
  const docker = new Docker();
  try {
    await withTimeout(docker.ping(), 5000, 'no answer within 5 s');
  } catch (error) {
    throw new OneroofError('runtime', `no Docker engine answers at ${dockerEndpoint(env)}`, {
      hint: 'start one (on this machine: `npm run testbed`, or `dockerd --bridge=none &` as root), or set DOCKER_HOST',
      cause: error,
    });
  }
  return docker;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}
