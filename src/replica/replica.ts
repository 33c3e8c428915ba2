/**
 * Local replicas of production: a PostgreSQL container with the target's container name, role
 * and database (its container: container.ts), brought up, reset to production's baseline from
 * the packet's golden clone, and run psql in, as the runner's own invocation.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';
import { OneroofError } from '../errors.js';
import { buildPsqlInvocation, CommandLineError, type PsqlFlag } from '../remote/psql-command.js';
import type { Target } from '../inventory/load.js';
import type { DockerClient } from '../docker/client.js';
import { dockerExec, type ExecResult } from '../docker/exec.js';
import {
  assertLocal,
  assertOurs,
  createContainer,
  inspectContainer,
  waitReady,
} from './container.js';
import { ensureImage, type ImageChoice } from './image.js';
import { loadPacket } from '../contract/load.js';

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
    const existing = await inspectContainer(this.docker, this.container);
    let action: UpResult['action'];
    let image: ImageChoice | undefined;
    if (existing) {
      assertOurs(this.container, existing.Config.Labels);
      action = existing.State.Running ? 'running' : 'started';
      if (!existing.State.Running) await this.docker.getContainer(this.container).start();
    } else {
      image = await ensureImage(this.docker, {
        ...this.target.replica,
        ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}),
      });
      await createContainer(this.docker, this.target, image.image, this.options.labels);
      action = 'created';
    }
    const started = Date.now();
    await waitReady(this.docker, this.container);
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
    const existing = await inspectContainer(this.docker, this.container);
    if (!existing) return 'absent';
    assertOurs(this.container, existing.Config.Labels);
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
    const existing = await inspectContainer(this.docker, this.container);
    if (existing) assertOurs(this.container, existing.Config.Labels);
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
}

function lastLines(text: string, count = 5): string {
  const lines = text.trim().split('\n');
  return lines.slice(-count).join('\n') || '(no output)';
}
