/**
 * The integration testbed, raised once per test run: the Docker engine (reused; `npm test`
 * runs test/testbed/provision.sh first), a replica container, and a loopback sshd with an
 * ssh_config alias and a pinned known_hosts. Leftovers of a killed run are removed first;
 * everything started here is stopped at teardown. Nothing is skipped when a part is missing:
 * the run fails and says what is missing.
 */
import { rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectDocker } from '../../src/docker/client.js';
import { loadInventory } from '../../src/inventory/load.js';
import { listReplicas } from '../../src/replica/container.js';
import { Replica } from '../../src/replica/replica.js';
import { SSH_ALIAS, startSshd, stopSshd } from './sshd.js';

export const TESTBED_LABEL = 'dev.oneroof.testbed';
/**
 * ONEROOF_TESTBED_ID lets several test runs share one Docker engine without touching each
 * other's containers, sshd or files (each run removes only its own leftovers).
 */
const ID = process.env.ONEROOF_TESTBED_ID ?? '';
if (!/^[a-z0-9]{0,12}$/.test(ID))
  throw new Error(`ONEROOF_TESTBED_ID=${JSON.stringify(ID)}: expected up to 12 of [a-z0-9]`);
const SUFFIX = ID === '' ? '' : `-${ID}`;
const LABEL_VALUE = ID === '' ? 'true' : ID;
const BASE = join(tmpdir(), `oneroof-testbed-${process.getuid?.() ?? 0}${SUFFIX}`);
const CONTAINER = `oneroof-testbed${SUFFIX}-replica`;
/** For tests that create and remove a replica of their own through the CLI. */
const SCRATCH = `oneroof-testbed${SUFFIX}-scratch`;

export interface Testbed {
  dir: string;
  inventory: string;
  container: string;
  scratchContainer: string;
  database: string;
  user: string;
  ssh: {
    alias: string;
    port: number;
    user: string;
    userKey: string;
    knownHosts: string;
    sshConfig: string;
    hostKeyPub: string;
    /** The loopback sshd's own pid: tests may end only its per-connection children. */
    pid: number;
    /** An encrypted user key (in authorized_keys) and its passphrase. */
    encryptedUserKey: string;
    passphrase: string;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: Testbed;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  stopSshd(join(BASE, 'sshd'));
  await rm(BASE, { recursive: true, force: true });
  await mkdir(BASE, { recursive: true, mode: 0o700 });

  const docker = await connectDocker();
  for (const leftover of await docker.listContainers({
    all: true,
    filters: { label: [`${TESTBED_LABEL}=${LABEL_VALUE}`] },
  })) {
    await docker.getContainer(leftover.Id).remove({ force: true, v: true });
  }
  // The scratch replica is made through the CLI, without the testbed label: remove it by name
  // among the replicas oneroof made (its own label filter).
  for (const leftover of await listReplicas(docker)) {
    if (leftover.container === SCRATCH)
      await docker.getContainer(SCRATCH).remove({ force: true, v: true });
  }

  const sshd = await startSshd(join(BASE, 'sshd'));
  const inventory = join(BASE, 'inventory');
  await mkdir(inventory);
  await writeFile(
    join(inventory, 'targets.yml'),
    `targets:
  replica:
    transport: local
    container: ${CONTAINER}
    database: directus
    user: workflow_admin
    replica:
      image: postgres:15
      pull: never
  scratch:
    transport: local
    container: ${SCRATCH}
    database: directus
    user: workflow_admin
    replica:
      image: postgres:15
      pull: never
  ${SSH_ALIAS}:
    ssh: ${SSH_ALIAS}
    ssh_config: ${sshd.sshConfig}
    container: ${CONTAINER}
    database: directus
    user: workflow_admin
`,
  );
  const target = (await loadInventory(inventory)).targets.get('replica')!;
  const replica = new Replica(docker, target, { labels: { [TESTBED_LABEL]: LABEL_VALUE } });
  const up = await replica.up();

  project.provide('testbed', {
    dir: BASE,
    inventory,
    container: CONTAINER,
    scratchContainer: SCRATCH,
    database: 'directus',
    user: 'workflow_admin',
    ssh: {
      alias: SSH_ALIAS,
      port: sshd.port,
      user: sshd.user,
      userKey: sshd.userKey,
      knownHosts: sshd.knownHosts,
      sshConfig: sshd.sshConfig,
      hostKeyPub: sshd.hostKeyPub,
      pid: sshd.pid,
      encryptedUserKey: sshd.encryptedUserKey,
      passphrase: sshd.passphrase,
    },
  });
  console.error(
    `testbed: sshd 127.0.0.1:${sshd.port} (pid ${sshd.pid}), replica ${CONTAINER} ${up.action} (image ${up.image?.source ?? 'present'}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  return async () => {
    await replica
      .down()
      .catch((error: unknown) =>
        console.error(`testbed: could not remove ${CONTAINER}: ${String(error)}`),
      );
    stopSshd(join(BASE, 'sshd'));
    await rm(BASE, { recursive: true, force: true });
  };
}
