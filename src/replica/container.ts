/**
 * A replica's container as Docker sees it: created with the target's names, no network at all
 * and our labels; waited for until its real server (PID 1) answers; inspected, listed, and
 * refused when a container of that name is not ours. We only ever stop or remove containers
 * that carry our label, and only for local targets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OneroofError } from '../errors.js';
import type { Target } from '../inventory/load.js';
import { isNotFound, type DockerClient } from '../docker/client.js';
import { demuxedText } from '../docker/demux.js';
import { dockerExec, type ExecResult } from '../docker/exec.js';

const LABEL_MANAGED = 'dev.oneroof.managed';
const LABEL_TARGET = 'dev.oneroof.target';
const READY_TIMEOUT_MS = 60_000;

export interface ReplicaInfo {
  target: string;
  container: string;
  image: string;
  state: string;
  status: string;
  created: string;
}

export async function createContainer(
  docker: DockerClient,
  target: Target,
  image: string,
  labels: Record<string, string> | undefined,
): Promise<void> {
  await docker.createContainer({
    name: target.container,
    Image: image,
    Cmd: ['postgres', '-c', 'listen_addresses='],
    Env: [
      'POSTGRES_USER=' + target.user,
      'POSTGRES_DB=' + target.database,
      'POSTGRES_HOST_AUTH_METHOD=trust',
    ],
    Labels: { ...labels, [LABEL_MANAGED]: 'true', [LABEL_TARGET]: target.name },
    StopSignal: 'SIGINT',
    HostConfig: { NetworkMode: 'none', AutoRemove: false, RestartPolicy: { Name: 'no' } },
  });
  await docker.getContainer(target.container).start();
}

/**
 * Ready means: pg_isready answers, and the server answering is PID 1. The official image
 * first runs a temporary server (a child of its entrypoint) that pg_isready would also accept.
 */
export async function waitReady(docker: DockerClient, container: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: ExecResult | undefined;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const info = await inspectContainer(docker, container);
    if (!info?.State.Running) {
      const logs = await tail(docker, container);
      throw new OneroofError(
        'runtime',
        `replica ${container} stopped while starting (exit ${info?.State.ExitCode ?? '?'})`,
        { hint: logs },
      );
    }
    last = await dockerExec(docker, container, [
      'sh',
      '-c',
      'pg_isready -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" && [ "$(head -n 1 "$PGDATA/postmaster.pid")" = 1 ]',
    ]);
    if (last.exitCode === 0) return;
    await sleep(Math.min(100 * (attempt + 1), 500));
  }
  throw new OneroofError(
    'runtime',
    `replica ${container} not ready after ${READY_TIMEOUT_MS / 1000} s`,
    { hint: await tail(docker, container) },
  );
}

async function tail(docker: DockerClient, container: string): Promise<string> {
  const buffer = await docker
    .getContainer(container)
    .logs({ stdout: true, stderr: true, tail: 20 });
  return demuxedText(buffer);
}

export async function inspectContainer(docker: DockerClient, container: string) {
  try {
    return await docker.getContainer(container).inspect();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function assertOurs(container: string, labels: Record<string, string> | undefined): void {
  if (labels?.[LABEL_MANAGED] !== 'true') {
    throw new OneroofError(
      'runtime',
      `a container named ${container} exists and is not a oneroof replica; refusing to touch it`,
      {
        hint: 'remove or rename it yourself, or give the target another container name',
      },
    );
  }
}

/** Replica commands never act on a remote target: production is not theirs to touch. */
export function assertLocal(target: Target): void {
  if (target.transport !== 'local') {
    throw new OneroofError(
      'usage',
      `target ${target.name} is not a local replica (transport ${target.transport})`,
      {
        hint: 'replica commands act only on targets with transport: local; production is never touched by them',
      },
    );
  }
}

export async function listReplicas(docker: DockerClient, target?: string): Promise<ReplicaInfo[]> {
  const filters = {
    label: [
      `${LABEL_MANAGED}=true`,
      ...(target === undefined ? [] : [`${LABEL_TARGET}=${target}`]),
    ],
  };
  const containers = await docker.listContainers({ all: true, filters });
  return containers.map((c) => ({
    target: c.Labels[LABEL_TARGET] ?? '?',
    container: (c.Names[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    status: c.Status,
    created: new Date(c.Created * 1000).toISOString(),
  }));
}
