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
import { buildPsqlCommandLine } from '../../src/remote/psql-command.js';
import { connectSsh2, type Ssh2Session } from '../../src/transport/ssh2.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';

const testbed = inject('testbed');

type Session = { target: Target; endpoint: ResolvedEndpoint; ssh: Ssh2Session };

/** One verified ssh2 session to the testbed's alias, closed whatever the test does. */
async function withSession(test: (session: Session) => Promise<void> | void): Promise<void> {
  const inventory = await loadInventory(testbed.inventory);
  const target = inventory.targets.get(testbed.ssh.alias)!;
  const endpoint = await resolveEndpoint(target);
  const ssh = await connectSsh2(endpoint, { hostKeyPolicy: 'strict' });
  try {
    await test({ target, endpoint, ssh });
  } finally {
    ssh.close();
  }
}

describe('ssh2 -> sshd -> docker exec -i -> psql', () => {
  it('resolves the alias as ssh would and pins the host key', () =>
    withSession(({ endpoint, ssh }) => {
      expect(endpoint.hostname).toBe('127.0.0.1');
      expect(endpoint.port).toBe(testbed.ssh.port);
      expect(endpoint.knownHostsFiles).toContain(testbed.ssh.knownHosts);
      const blob = Buffer.from(testbed.ssh.hostKeyPub.split(' ')[1]!, 'base64');
      expect(ssh.hostKeyFingerprint).toBe(fingerprintSha256(blob));
    }));

  it('runs SQL from stdin and returns its result', () =>
    withSession(async ({ target, ssh }) => {
      const line = buildPsqlCommandLine({
        container: target.container,
        database: target.database,
        user: target.user,
        flags: ['--no-align', '--tuples-only'],
      });
      expect(line).toBe(
        `docker exec -i ${testbed.container} psql -X -U workflow_admin -d directus -v ON_ERROR_STOP=1 --no-align --tuples-only`,
      );
      const result = await ssh.exec(line, 'select current_database(), current_user, 6 * 7;\n');
      expect(result.stderr.toString()).toBe('');
      expect(result).toMatchObject({ exitCode: 0, connectionLost: false });
      expect(result.stdout.toString().trim()).toBe('directus|workflow_admin|42');
    }));

  it('a failing statement stops the script: psql exits 3 and nothing after it runs', () =>
    withSession(async ({ target, ssh }) => {
      const line = buildPsqlCommandLine({
        container: target.container,
        database: target.database,
        user: target.user,
      });
      const result = await ssh.exec(line, "select 'before';\nselect 1/0;\nselect 'after';\n");
      expect(result.exitCode).toBe(3);
      expect(result.stdout.toString()).toContain('before');
      expect(result.stdout.toString()).not.toContain('after');
      expect(result.stderr.toString()).toMatch(/ERROR:\s+division by zero/);
    }));

  it('a psql variable reaches SQL only as a quoted literal', () =>
    withSession(async ({ target, ssh }) => {
      const hostile = `x'; drop table if exists t; --$(touch /tmp/pwned)\`id\``;
      const line = buildPsqlCommandLine({
        container: target.container,
        database: target.database,
        user: target.user,
        variables: { apr: hostile },
        flags: ['--no-align', '--tuples-only'],
      });
      const result = await ssh.exec(line, "select :'apr';\n");
      expect(result.exitCode).toBe(0);
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
      connectSsh2({ ...endpoint, knownHostsFiles: [forged] }, { hostKeyPolicy: 'strict' }),
    ).rejects.toThrow(/does not match known_hosts/);
  });

  it('refuses an unknown host unless accept-new is asked for', async () => {
    const inventory = await loadInventory(testbed.inventory);
    const endpoint = await resolveEndpoint(inventory.targets.get(testbed.ssh.alias)!);
    const empty = join(testbed.dir, 'known_hosts.empty');
    await writeFile(empty, '');
    await expect(
      connectSsh2({ ...endpoint, knownHostsFiles: [empty] }, { hostKeyPolicy: 'strict' }),
    ).rejects.toThrow(/not in known_hosts/);
  });
});
