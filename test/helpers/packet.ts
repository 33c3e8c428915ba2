/**
 * The packet on the testbed replica, run exactly as the seed documents: the sql/ folder copied
 * into the container at /sql, and plain psql started there through `docker exec` from /, so the
 * invocation is `psql -X -v ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod/…` and
 * psql's messages carry `psql:sql/prod/…:<line>:` like the operator's log.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { loadInventory } from '../../src/inventory/load.js';
import { dockerExec, type ExecResult } from '../../src/docker/exec.js';
import { Replica, type ResetResult } from '../../src/replica/replica.js';
import type { Testbed } from '../testbed/global-setup.js';
import { tempDir } from './tmp.js';

const run = promisify(execFile);

export class PacketBench {
  private constructor(
    readonly docker: Docker,
    readonly testbed: Testbed,
    readonly replica: Replica,
  ) {}

  static async open(testbed: Testbed): Promise<PacketBench> {
    const docker = new Docker();
    const target = (await loadInventory(testbed.inventory)).targets.get('replica');
    if (!target) throw new Error(`${testbed.inventory}: no target "replica"`);
    return new PacketBench(docker, testbed, new Replica(docker, target));
  }

  get container(): string {
    return this.testbed.container;
  }

  /** Copies this checkout's sql/ into the container as /sql (replacing an older copy). */
  async install(): Promise<void> {
    const { stdout } = await run('tar', ['-c', '-C', PACKAGE_ROOT, 'sql'], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    const cleared = await this.exec(['rm', '-rf', '/sql']);
    if (cleared.exitCode !== 0) throw new Error(`rm -rf /sql: ${cleared.stderr}`);
    await this.docker.getContainer(this.container).putArchive(stdout, { path: '/' });
  }

  async uninstall(): Promise<void> {
    await this.exec(['rm', '-rf', '/sql']);
  }

  /** The golden clone (and with a code, the rehearsal approval): Replica.reset, as the CLI. */
  reset(approve?: string): Promise<ResetResult> {
    return this.replica.reset(approve === undefined ? {} : { approve });
  }

  /** Leaves the testbed's database as other test files expect it: empty. */
  async emptyDatabase(): Promise<void> {
    const result = await this.replica.psql(
      'postgres',
      { db: this.testbed.database, owner: this.testbed.user },
      'DROP DATABASE IF EXISTS :"db" WITH (FORCE);\nCREATE DATABASE :"db" OWNER :"owner";\n',
    );
    if (result.exitCode !== 0) throw new Error(`could not empty the database: ${result.stderr}`);
  }

  /** `psql -X -v ON_ERROR_STOP=1 -U … -d … [-v name=value …] -f sql/<file>`, from /. */
  runFile(file: string, vars: Record<string, string> = {}): Promise<ExecResult> {
    const variables = Object.entries(vars).flatMap(([name, value]) => ['-v', `${name}=${value}`]);
    return this.exec(this.psql(...variables, '-f', `sql/${file}`));
  }

  /**
   * A probe from sql/prod_verify/, `psql -X -At`, in a session where every transaction is read
   * only (PGOPTIONS): a probe that tried to write would fail. Returns stdout; stderr must be empty.
   */
  async probe(name: string): Promise<string> {
    const result = await this.exec(this.psql('-At', '-f', `sql/prod_verify/${name}.sql`), [
      'PGOPTIONS=-c default_transaction_read_only=on',
    ]);
    if (result.exitCode !== 0 || result.stderr !== '')
      throw new Error(`probe ${name}: exit ${result.exitCode}: ${result.stderr}`);
    return result.stdout.replace(/\n$/, '');
  }

  /** One SQL statement, `psql -At -c`; throws on failure. */
  async query(sql: string): Promise<string> {
    const result = await this.exec(this.psql('-At', '-c', sql));
    if (result.exitCode !== 0) throw new Error(`psql -c ${sql}: ${result.stderr}`);
    return result.stdout.replace(/\n$/, '');
  }

  /**
   * Another session, left idle in transaction (psql runs BEGIN, then waits in `\! sleep`), until
   * released: its backend is terminated. Resolves once pg_stat_activity shows it.
   */
  async holdIdleInTransaction(
    application: string,
  ): Promise<{ pid: number; release(): Promise<void> }> {
    const exec = await this.docker.getContainer(this.container).exec({
      Cmd: [
        'psql',
        '-X',
        '-U',
        this.testbed.user,
        '-d',
        this.testbed.database,
        '-c',
        'BEGIN',
        '-c',
        'SELECT 1',
        '-c',
        '\\! sleep 60',
      ],
      Env: [`PGAPPNAME=${application}`],
      AttachStdout: false,
      AttachStderr: false,
    });
    await exec.start({ Detach: true });
    const lookup = `SELECT pid FROM pg_stat_activity WHERE application_name = '${application}' AND state = 'idle in transaction'`;
    for (let attempt = 0; attempt < 100; attempt++) {
      const pid = await this.query(lookup);
      if (/^\d+$/.test(pid)) {
        return {
          pid: Number(pid),
          release: async () => {
            await this.query(`SELECT pg_terminate_backend(${Number(pid)})`);
          },
        };
      }
      await sleep(100);
    }
    throw new Error(`no session ${application} idle in transaction after 10 s`);
  }

  /** psql as the seed runs it: no psqlrc, ON_ERROR_STOP, the testbed's role and database. */
  private psql(...args: string[]): string[] {
    const { user, database } = this.testbed;
    return ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-U', user, '-d', database, ...args];
  }

  private exec(cmd: string[], env?: string[]): Promise<ExecResult> {
    return dockerExec(this.docker, this.container, cmd, env === undefined ? {} : { env });
  }
}

/** The NOTICE/ERROR message texts psql printed (location prefix and severity stripped). */
function messages(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const match = /^(?:psql:[^:]+:\d+: )?(?:NOTICE|ERROR|WARNING):\s+(.*)$/.exec(line);
    if (match) out.push(match[1]!);
  }
  return out;
}

/** Only the packet's markers (ONEROOF …, ASSERT …), in order. */
export function markers(stderr: string): string[] {
  return messages(stderr).filter((m) => m.startsWith('ONEROOF ') || m.startsWith('ASSERT '));
}

/**
 * A copy of this checkout's sql/ with `edit` applied to one file (relative to sql/), its
 * manifest regenerated by `oneroof manifest write --packet DIR`: a packet someone edited and
 * re-manifested, so only the checks after the integrity check stand between it and the server.
 */
export async function editedPacket(
  file: string,
  edit: (text: string) => string,
  writeManifest: (dir: string) => Promise<{ code: number | null; stderr: string }>,
): Promise<string> {
  const dir = join(await tempDir('oneroof-e2e-packet-'), 'sql');
  await mkdir(dir, { recursive: true });
  await cp(join(PACKAGE_ROOT, 'sql'), dir, { recursive: true });
  const path = join(dir, file);
  const before = await readFile(path, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`editedPacket: the edit did not change ${file}`);
  await writeFile(path, after);
  const written = await writeManifest(dir);
  if (written.code !== 0) throw new Error(`manifest write --packet ${dir}: ${written.stderr}`);
  return dir;
}
