/**
 * The production path, end to end on the testbed: ssh2 through the ssh_config alias, host key
 * checked against known_hosts, to a real sshd, then `docker exec -i REPLICA psql … -v
 * ON_ERROR_STOP=1` with SQL on stdin, against real PostgreSQL.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { resolveEndpoint, type ResolvedEndpoint } from '../../src/inventory/endpoint.js';
import { loadInventory, type Target } from '../../src/inventory/load.js';
import { buildDockerExecLine, buildPsqlInvocation } from '../../src/remote/psql-command.js';
import { Ssh2Transport } from '../../src/transport/ssh2.js';
import type { Connection } from '../../src/transport/types.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';
import { collect } from '../helpers/transport.js';

const testbed = inject('testbed');

type Session = {
  target: Target;
  endpoint: ResolvedEndpoint;
  ssh: Connection;
  /** Runs psql in the target's container with `sql` on stdin. */
  psql: (
    sql: string,
    options?: Omit<Parameters<typeof buildPsqlInvocation>[0], 'container' | 'database' | 'user'>,
  ) => ReturnType<typeof collect>;
};

/** One verified ssh2 connection to the testbed's alias, closed whatever the test does. */
async function withSession(test: (session: Session) => Promise<void> | void): Promise<void> {
  const inventory = await loadInventory(testbed.inventory);
  const target = inventory.targets.get(testbed.ssh.alias)!;
  const endpoint = await resolveEndpoint(target);
  const ssh = await new Ssh2Transport(endpoint, { hostKeyPolicy: 'strict' }).connect();
  const psql: Session['psql'] = (sql, options = {}) =>
    collect(
      ssh.exec({
        container: target.container,
        argv: buildPsqlInvocation({
          container: target.container,
          database: target.database,
          user: target.user,
          ...options,
        }),
        stdin: sql,
      }),
    );
  try {
    await test({ target, endpoint, ssh, psql });
  } finally {
    await ssh.close();
  }
}

describe('ssh2 -> sshd -> docker exec -i -> psql', () => {
  it('resolves the alias as ssh would and pins the host key', () =>
    withSession(({ endpoint, ssh }) => {
      expect(endpoint.hostname).toBe('127.0.0.1');
      expect(endpoint.port).toBe(testbed.ssh.port);
      expect(endpoint.knownHostsFiles).toContain(testbed.ssh.knownHosts);
      const blob = Buffer.from(testbed.ssh.hostKeyPub.split(' ')[1]!, 'base64');
      expect(ssh.peer.hostKeyFingerprint).toBe(fingerprintSha256(blob));
    }));

  it('runs SQL from stdin and returns its result', () =>
    withSession(async ({ target, ssh }) => {
      const line = buildDockerExecLine(
        target.container,
        buildPsqlInvocation({
          container: target.container,
          database: target.database,
          user: target.user,
          flags: ['--no-align', '--tuples-only'],
        }),
      );
      expect(line).toBe(
        `docker exec -i ${testbed.container} psql -X -U workflow_admin -d directus -v ON_ERROR_STOP=1 -f - --no-align --tuples-only`,
      );
      const running = ssh.exec({
        container: target.container,
        argv: buildPsqlInvocation({
          container: target.container,
          database: target.database,
          user: target.user,
          flags: ['--no-align', '--tuples-only'],
        }),
        stdin: 'select current_database(), current_user, 6 * 7;\n',
      });
      expect(running.commandLine).toBe(line);
      const result = await collect(running);
      expect(result.stderr.toString()).toBe('');
      expect(result.end).toEqual({ kind: 'exit', code: 0 });
      expect(result.stdout.toString().trim()).toBe('directus|workflow_admin|42');
    }));

  it('a failing statement stops the script: psql exits 3 and nothing after it runs', () =>
    withSession(async ({ psql }) => {
      const result = await psql("select 'before';\nselect 1/0;\nselect 'after';\n");
      expect(result.end).toEqual({ kind: 'exit', code: 3 });
      expect(result.stdout.toString()).toContain('before');
      expect(result.stdout.toString()).not.toContain('after');
      expect(result.stderr.toString()).toMatch(/ERROR:\s+division by zero/);
    }));

  it('a psql variable reaches SQL only as a quoted literal', () =>
    withSession(async ({ psql }) => {
      const hostile = `x'; drop table if exists t; --$(touch /tmp/pwned)\`id\``;
      const result = await psql("select :'apr';\n", {
        variables: { apr: hostile },
        flags: ['--no-align', '--tuples-only'],
      });
      expect(result.end).toEqual({ kind: 'exit', code: 0 });
      expect(result.stdout.toString().trim()).toBe(hostile);
    }));

  it('refuses a changed host key before anything runs', async () => {
    const inventory = await loadInventory(testbed.inventory);
    const target = inventory.targets.get(testbed.ssh.alias)!;
    const endpoint = await resolveEndpoint(target);
    const forged = join(testbed.dir, 'known_hosts.forged');
    // A valid ed25519 key that is not the server's.
    await writeFile(
      forged,
      `[127.0.0.1]:${testbed.ssh.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
    );
    await expect(
      new Ssh2Transport(
        { ...endpoint, knownHostsFiles: [forged] },
        { hostKeyPolicy: 'strict' },
      ).connect(),
    ).rejects.toThrow(/has CHANGED/);
  });

  it('refuses an unknown host unless accept-new is asked for', async () => {
    const inventory = await loadInventory(testbed.inventory);
    const endpoint = await resolveEndpoint(inventory.targets.get(testbed.ssh.alias)!);
    const empty = join(testbed.dir, 'known_hosts.empty');
    await writeFile(empty, '');
    await expect(
      new Ssh2Transport(
        { ...endpoint, knownHostsFiles: [empty] },
        { hostKeyPolicy: 'strict' },
      ).connect(),
    ).rejects.toThrow(/not in known_hosts/);
  });
});
