/**
 * Local replicas of production: a PostgreSQL container with the target's container name, role
 * and database, no network at all, and labels that mark it as ours. We only ever stop or
 * remove containers that carry our label.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../package-root.js';
import { OneroofError } from '../errors.js';
import { buildPsqlInvocation, CommandLineError, type PsqlFlag } from '../remote/psql-command.js';
import type { Target } from '../inventory/load.js';
import { isNotFound, type DockerClient } from '../docker/client.js';
import { demuxedText } from '../docker/demux.js';
import { dockerExec, type ExecResult } from '../docker/exec.js';
import { ensureImage, type ImageChoice } from './image.js';
import { loadPacket } from '../contract/load.js';

export const LABEL_MANAGED = 'dev.oneroof.managed';
export const LABEL_TARGET = 'dev.oneroof.target';
const READY_TIMEOUT_MS = 60_000;

export interface ReplicaOptions {
  onProgress?: (line: string) => void;
  /** Extra labels (the test harness marks its own containers). */
  labels?: Record<string, string>;
  /** The packet's sql/ folder (default: the one shipped with oneroof). */
  packetDir?: string;
}

export interface ResetOptions {
  /**
   * An approval code to record as ratified (the packet's `replica.approve` file, a
   * rehearsal-only fake ratification, given the code in its gate variable), so that the gate is
   * open. The caller validates it.
   */
  approve?: string;
}

export interface ResetResult {
  /** Seconds spent recreating the database and seeding the golden clone. */
  seedSeconds: number;
  approved: string | undefined;
}

export interface ReplicaInfo {
  target: string;
  container: string;
  image: string;
  state: string;
  status: string;
  created: string;
}

export interface UpResult {
  container: string;
  image: ImageChoice | undefined;
  /** 'created': new container; 'started': existed, was stopped; 'running': already up. */
  action: 'created' | 'started' | 'running';
  readySeconds: number;
}

export class Replica {
  constructor(
    private readonly docker: DockerClient,
    readonly target: Target,
    private readonly options: ReplicaOptions = {},
  ) {
    assertLocal(target);
  }

  get container(): string {
    return this.target.container;
  }

  async up(): Promise<UpResult> {
    const existing = await this.inspect();
    let action: UpResult['action'];
    let image: ImageChoice | undefined;
    if (existing) {
      this.assertOurs(existing.Config.Labels);
      action = existing.State.Running ? 'running' : 'started';
      if (!existing.State.Running) await this.docker.getContainer(this.container).start();
    } else {
      image = await ensureImage(this.docker, {
        ...this.target.replica,
        ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}),
      });
      await this.create(image.image);
      action = 'created';
    }
    const started = Date.now();
    await this.waitReady();
    await this.ensureReader((await loadPacket(this.packetDir)).entries.reader);
    return {
      container: this.container,
      image,
      action,
      readySeconds: (Date.now() - started) / 1000,
    };
  }

  /** Stops and removes the container and its anonymous volume. Absent is fine. */
  async down(): Promise<'removed' | 'absent'> {
    const existing = await this.inspect();
    if (!existing) return 'absent';
    this.assertOurs(existing.Config.Labels);
    await this.docker.getContainer(this.container).remove({ force: true, v: true });
    return 'removed';
  }

  /**
   * Back to production's baseline: the database is dropped and recreated, then seeded with the
   * golden clone (packet.yml `replica.golden_clone`: the state vector's `baseline`); with
   * `approve`, a ratified approval for that code is recorded too, so a rehearsal is one command.
   */
  async reset(options: ResetOptions = {}): Promise<ResetResult> {
    const started = Date.now();
    const existing = await this.inspect();
    if (existing) this.assertOurs(existing.Config.Labels);
    if (!existing?.State.Running) {
      throw new OneroofError('runtime', `replica ${this.container} is not running`, {
        hint: `oneroof replica up --target ${this.target.name}`,
      });
    }
    // Identifiers travel as psql variables and are quoted by psql (:"name"), never spliced.
    const result = await this.psql(
      'postgres',
      { db: this.target.database, owner: this.target.user },
      'DROP DATABASE IF EXISTS :"db" WITH (FORCE);\nCREATE DATABASE :"db" OWNER :"owner";\n',
    );
    if (result.exitCode !== 0) {
      throw new OneroofError(
        'runtime',
        `could not reset database ${this.target.database} in ${this.container}: ${result.stderr.trim()}`,
      );
    }
    const packet = await loadPacket(this.packetDir);
    await this.runPacketFile(packet.replica.golden_clone, {});
    await this.ensureReader(packet.entries.reader);
    const seedSeconds = (Date.now() - started) / 1000;
    if (options.approve !== undefined)
      await this.runPacketFile(packet.replica.approve, {
        [packet.gate.variable]: options.approve,
      });
    return { seedSeconds, approved: options.approve };
  }

  /** The target's read role (read_user), as `oneroof reader setup` makes it on a real target. */
  private async ensureReader(file: string): Promise<void> {
    await this.runPacketFile(file, { reader: this.target.reader.user });
  }

  private get packetDir(): string {
    return this.options.packetDir ?? join(PACKAGE_ROOT, 'sql');
  }

  /**
   * A self-contained packet file on psql's stdin. Success is exit 0 and the file's own last
   * line, ONEROOF END <script>, the file's name without .sql (psql exits 0 on a stream cut
   * short, too).
   */
  private async runPacketFile(file: string, variables: Record<string, string>): Promise<void> {
    const script = basename(file, '.sql');
    const path = join(this.packetDir, file);
    let sql: Buffer;
    try {
      sql = await readFile(path);
    } catch (error) {
      throw new OneroofError('runtime', `cannot read the packet file ${path}`, { cause: error });
    }
    const result = await this.psql(this.target.database, variables, sql.toString('utf8'));
    if (result.exitCode !== 0 || !result.stderr.includes(`ONEROOF END ${script}`)) {
      throw new OneroofError(
        'runtime',
        `${file} failed on ${this.container} (psql exit ${result.exitCode}): ${lastLines(result.stderr)}`,
      );
    }
  }

  /**
   * psql inside the replica, the SQL on stdin: the runner's invocation (src/remote/psql-command.ts:
   * -X, ON_ERROR_STOP, `-f -`, checked names and values), quiet.
   */
  async psql(
    database: string,
    variables: Record<string, string>,
    sql: string,
    flags: readonly PsqlFlag[] = [],
  ): Promise<ExecResult> {
    let argv: string[];
    try {
      argv = buildPsqlInvocation({
        container: this.container,
        database,
        user: this.target.user,
        variables,
        flags: ['--quiet', ...flags],
      });
    } catch (error) {
      if (error instanceof CommandLineError)
        throw new OneroofError(
          'config',
          `cannot build the replica's psql command: ${error.message}`,
          {
            cause: error,
          },
        );
      throw error;
    }
    return dockerExec(this.docker, this.container, argv, { stdin: sql });
  }

  private async create(image: string): Promise<void> {
    await this.docker.createContainer({
      name: this.container,
      Image: image,
      Cmd: ['postgres', '-c', 'listen_addresses='],
      Env: [
        'POSTGRES_USER=' + this.target.user,
        'POSTGRES_DB=' + this.target.database,
        'POSTGRES_HOST_AUTH_METHOD=trust',
      ],
      Labels: { ...this.options.labels, [LABEL_MANAGED]: 'true', [LABEL_TARGET]: this.target.name },
      StopSignal: 'SIGINT',
      HostConfig: { NetworkMode: 'none', AutoRemove: false, RestartPolicy: { Name: 'no' } },
    });
    await this.docker.getContainer(this.container).start();
  }

  /**
   * Ready means: pg_isready answers, and the server answering is PID 1. The official image
   * first runs a temporary server (a child of its entrypoint) that pg_isready would also accept.
   */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last: ExecResult | undefined;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const info = await this.inspect();
      if (!info?.State.Running) {
        const logs = await this.tail();
        throw new OneroofError(
          'runtime',
          `replica ${this.container} stopped while starting (exit ${info?.State.ExitCode ?? '?'})`,
          { hint: logs },
        );
      }
      last = await dockerExec(this.docker, this.container, [
        'sh',
        '-c',
        'pg_isready -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" && [ "$(head -n 1 "$PGDATA/postmaster.pid")" = 1 ]',
      ]);
      if (last.exitCode === 0) return;
      await sleep(Math.min(100 * (attempt + 1), 500));
    }
    throw new OneroofError(
      'runtime',
      `replica ${this.container} not ready after ${READY_TIMEOUT_MS / 1000} s`,
      { hint: await this.tail() },
    );
  }

  private async tail(): Promise<string> {
    const buffer = await this.docker
      .getContainer(this.container)
      .logs({ stdout: true, stderr: true, tail: 20 });
    return demuxedText(buffer);
  }

  private async inspect() {
    try {
      return await this.docker.getContainer(this.container).inspect();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private assertOurs(labels: Record<string, string> | undefined): void {
    if (labels?.[LABEL_MANAGED] !== 'true') {
      throw new OneroofError(
        'runtime',
        `a container named ${this.container} exists and is not a oneroof replica; refusing to touch it`,
        {
          hint: 'remove or rename it yourself, or give the target another container name',
        },
      );
    }
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

function lastLines(text: string, count = 5): string {
  const lines = text.trim().split('\n');
  return lines.slice(-count).join('\n') || '(no output)';
}
