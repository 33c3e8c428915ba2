/** createTransport: the right transport, and refusals that contact nothing. */
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import type { Target } from '../../src/inventory/load.js';
import { createTransport } from '../../src/transport/index.js';

const base: Omit<Target, 'name' | 'transport' | 'ssh'> = {
  source: '/inventory/targets.yml',
  description: undefined,
  knownHosts: undefined,
  hostKeyPolicy: 'strict',
  container: 'postgres',
  database: 'directus',
  user: 'workflow_admin',
  reader: {
    mode: 'role',
    user: 'oneroof_reader',
    timeouts: { statement: 300_000, lock: 10_000, idleInTransaction: 60_000 },
  },
  replica: { image: 'postgres:15', pull: 'never' },
};
const replica: Target = { ...base, name: 'replica', transport: 'local', ssh: undefined };
const contabo: Target = {
  ...base,
  name: 'contabo',
  transport: 'ssh2',
  ssh: { kind: 'alias', alias: 'contabo', configFile: undefined },
};

describe('createTransport', () => {
  it('a local target is the local transport (nothing contacted yet)', async () => {
    expect((await createTransport(replica)).kind).toBe('local');
  });

  it.each(['ssh2', 'openssh'] as const)(
    'a local target with --transport %s is a usage error',
    async (kind) => {
      const error = await createTransport(replica, { transportOverride: kind }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OneroofError);
      expect((error as OneroofError).kind).toBe('usage');
      expect((error as OneroofError).message).toMatch(/replica.*local/);
    },
  );

  it('an ssh target with --transport local is a usage error, never a silent swap', async () => {
    const error = await createTransport(contabo, { transportOverride: 'local' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as OneroofError).kind).toBe('usage');
    expect((error as OneroofError).message).toMatch(/contabo is reached over ssh/);
  });
});
