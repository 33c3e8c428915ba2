/**
 * `oneroof replica …` through the real bin/oneroof against the real Docker engine, on a
 * scratch target of the testbed inventory (its container is removed by the testbed if a run
 * is killed halfway).
 */
import Docker from 'dockerode';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const testbed = inject('testbed');
const docker = new Docker();
const env = { ONEROOF_INVENTORY: testbed.inventory };
const SCRATCH = testbed.scratchContainer;

afterAll(async () => {
  await docker
    .getContainer(SCRATCH)
    .remove({ force: true, v: true })
    .catch(() => undefined);
});

// A lifecycle, in order: up, up again, ps, reset, down — each step acts on the container the one
// before left, so its steps are never shuffled (the describe starts from no container).
describe('oneroof replica', { shuffle: false }, () => {
  it('up creates a production-shaped container: its name, no network, our label, ready', async () => {
    const up = await runCli(['replica', 'up', '--target', 'scratch'], env);
    expect(up.stderr).toMatch(new RegExp(`replica ${SCRATCH} created; ready in [0-9.]+ s`));
    expect(up.code).toBe(0);
    const info = await docker.getContainer(SCRATCH).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Config.Labels).toMatchObject({
      'dev.oneroof.managed': 'true',
      'dev.oneroof.target': 'scratch',
    });
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['none']);
  });

  it('up again finds it running', async () => {
    const up = await runCli(['replica', 'up', '--target', 'scratch'], env);
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/running; ready/);
  });

  it('ps --json prints one document listing it', async () => {
    const ps = await runCli(['replica', 'ps', '--json', '--target', 'scratch'], env);
    expect(ps.code).toBe(0);
    const doc = JSON.parse(ps.stdout) as { replicas: { container: string; state: string }[] };
    expect(doc.replicas).toEqual([
      expect.objectContaining({ container: SCRATCH, state: 'running' }),
    ]);
  });

  it('reset drops what was there and leaves the golden clone', async () => {
    const psql = (sql: string) =>
      docker
        .getContainer(SCRATCH)
        .exec({
          Cmd: ['psql', '-X', '-At', '-U', 'workflow_admin', '-d', 'directus', '-c', sql],
          AttachStdout: true,
          AttachStderr: true,
        })
        .then(async (exec) => {
          const stream = await exec.start({});
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          await new Promise((resolve) => stream.on('end', resolve));
          return Buffer.concat(chunks).toString();
        });
    await psql('create table leftover(id int)');
    expect(await psql("select count(*) from pg_tables where tablename = 'leftover'")).toContain(
      '1',
    );
    const reset = await runCli(['replica', 'reset', '--target', 'scratch'], env);
    expect(reset.code).toBe(0);
    expect(await psql("select count(*) from pg_tables where tablename = 'leftover'")).toContain(
      '0',
    );
    // The golden clone (sql/clone_revalidation/00_golden_clone.sql): Directus with its user
    // collections (210 of them governed), and no approval yet.
    expect(await psql('select count(*) from os_proposal_approvals')).toMatch(/(^|\D)0\n/);
    expect(
      await psql(
        "select count(*) from directus_collections where collection not like 'directus\\_%'",
      ),
    ).toMatch(/(^|\D)217\n/);
  });

  it('down removes it and leaves no container behind; down again is fine', async () => {
    const down = await runCli(['replica', 'down', '--target', 'scratch'], env);
    expect(down.code).toBe(0);
    expect(await docker.listContainers({ all: true, filters: { name: [SCRATCH] } })).toEqual([]);
    const again = await runCli(['replica', 'down', '--target', 'scratch'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/was not there/);
  });

  it('refuses to touch a container of the same name that is not ours', async () => {
    const image = (await docker.getContainer(testbed.container).inspect()).Config.Image;
    const foreign = await docker.createContainer({
      name: SCRATCH,
      Image: image,
      Cmd: ['sleep', '60'],
      Entrypoint: [],
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      for (const verb of ['up', 'down', 'reset']) {
        const r = await runCli(['replica', verb, '--target', 'scratch'], env);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/exists and is not a oneroof replica; refusing to touch it/);
      }
      expect((await foreign.inspect()).Name).toBe(`/${SCRATCH}`);
    } finally {
      await foreign.remove({ force: true });
    }
  });

  it('a bad inventory: exit 2, the file and key named, no stack trace, nothing contacted', async () => {
    const r = await runCli(['replica', 'up'], { ONEROOF_INVENTORY: `${testbed.dir}/nope.yml` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yml: cannot be read \(ENOENT\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('no Docker engine: exit 1 and a message that says so', async () => {
    const r = await runCli(['replica', 'ps'], {
      DOCKER_HOST: `unix://${testbed.dir}/no-docker.sock`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no Docker engine answers at unix:\/\/.*no-docker\.sock/);
  });
});
