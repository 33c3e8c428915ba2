/**
 * The wrong database is a NO-GO, not a crash (issue 15, item 2): preflight, verify and status,
 * the real bin/oneroof through ssh2 on the testbed, against a database that is not the packet's
 * baseline or result — empty, another application's, a schema, table, column, view or function
 * gone, a schema governance made partly by hand, a release whose scanner was dropped. Each says
 * NO-GO (exit 3) naming every missing object (the packet's own catalogue check,
 * sql/prod_verify/_requires.sql), never the server's `relation … does not exist` with exit 1 and
 * never a stack trace. The right database whose read role lacks a grant is not guessed to be the
 * wrong one: it stays the server's own error (exit 1, permission denied).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, SSH_TARGET, oneJsonDocument, oneroof } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
const T = ['--target', SSH_TARGET];
const COMMANDS = ['preflight', 'verify', 'status'] as const;
type Command = (typeof COMMANDS)[number];

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
});

afterAll(async () => {
  await bench.query('GRANT pg_read_all_data TO oneroof_reader');
  await bench.emptyDatabase();
});

interface Case {
  name: string;
  /** Makes the wrong database (as the apply role, a superuser on the replica). */
  setup: () => Promise<void>;
  /** Per command: the probe that refuses and what it names missing, in the packet's order. */
  missing: Record<Command, { probe: string; objects: string }>;
}

const PUBLIC_TABLES =
  'table public.directus_collections, table public.directus_roles, table public.directus_users, table public.os_proposals, table public.os_proposal_approvals';

const sameForAll = (probe: string, objects: string): Case['missing'] => ({
  preflight: { probe, objects },
  verify: { probe, objects },
  status: { probe, objects },
});

const CASES: Case[] = [
  {
    name: 'an empty directus',
    setup: () => bench.emptyDatabase(),
    missing: sameForAll('state_vector', PUBLIC_TABLES),
  },
  {
    name: "another application's database",
    setup: async () => {
      await bench.emptyDatabase();
      await bench.query(
        'CREATE TABLE public.customers (id int PRIMARY KEY, name text); CREATE TABLE public.orders (id int PRIMARY KEY, customer int REFERENCES public.customers, total numeric)',
      );
    },
    missing: sameForAll('state_vector', PUBLIC_TABLES),
  },
  {
    name: 'no schema public',
    setup: async () => {
      await bench.reset(APR);
      await bench.query('DROP SCHEMA public CASCADE');
    },
    missing: sameForAll('state_vector', 'schema public'),
  },
  {
    name: 'a missing table (directus_users)',
    setup: async () => {
      await bench.reset(APR);
      await bench.query('DROP TABLE public.directus_users CASCADE');
    },
    missing: sameForAll('state_vector', 'table public.directus_users'),
  },
  {
    name: 'a missing column (directus_roles.name renamed, os_proposal_approvals.level dropped)',
    setup: async () => {
      await bench.reset(APR);
      await bench.query(
        'ALTER TABLE public.directus_roles RENAME COLUMN name TO label; ALTER TABLE public.os_proposal_approvals DROP COLUMN level',
      );
    },
    missing: sameForAll(
      'state_vector',
      'column public.directus_roles.name, column public.os_proposal_approvals.level',
    ),
  },
  {
    name: 'a schema governance made partly by hand (a ledger, no views)',
    setup: async () => {
      await bench.reset(APR);
      await bench.query(
        'CREATE SCHEMA governance; CREATE TABLE governance.ledger (tier int, file text, file_sha256 text, rolled_back_at timestamptz)',
      );
    },
    missing: sameForAll('state_vector', 'view governance.v_release_state'),
  },
  {
    name: 'the release, then its scanner function dropped (and the views on it)',
    setup: async () => {
      await bench.reset(APR);
      const apply = await oneroof(testbed, ['apply', ...T, '--apr', APR, '--yes']);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      await bench.query('DROP FUNCTION governance.scan() CASCADE');
    },
    missing: {
      // The state vector still reads (v_release_state is there): the preflight's own check
      // names the damaged structure (FAIL state), verify's scanner probe and status's ledger
      // probe refuse for what they read.
      preflight: {
        probe: '',
        objects: 'view governance.v_scanner_new, function governance.scan()',
      },
      verify: { probe: 'scanner_count', objects: 'function governance.scan()' },
      status: {
        probe: 'tier_status',
        objects: 'view governance.v_scanner_new, function governance.scan()',
      },
    },
  },
];

/** What no answer of these commands may show: the server's raw error, a stack trace. */
function expectNoCrash(out: string): void {
  expect(out).not.toMatch(/does not exist/);
  expect(out).not.toMatch(/stopped on an error/);
  expect(out).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  expect(out).not.toMatch(/\b(?:TypeError|ReferenceError|Error):/);
}

describe('hostile wrong-database: preflight, verify and status say NO-GO naming what is missing', () => {
  it.each(CASES)('$name', async (c) => {
    await c.setup();
    for (const command of COMMANDS) {
      const apr = command === 'preflight' ? ['--apr', APR] : [];
      const run = await oneroof(testbed, [command, ...T, ...apr]);
      const out = run.stdout + run.stderr;
      expect(run.code, `${command}:\n${out}`).toBe(3);
      expectNoCrash(out);
      const { probe, objects } = c.missing[command];
      if (probe === '') {
        // The preflight's own check, one FAIL line per unmet precondition.
        expect(run.stdout).toContain(
          `  FAIL state                expected baseline (no schema governance) or tiers applied in order by this packet, got schema governance present, not this packet's structure: missing ${objects}\n`,
        );
        expect(run.stdout).toContain(`NO-GO on ${SSH_TARGET}: state; nothing was mutated\n`);
      } else
        expect(run.stdout, command).toContain(
          `NO-GO on ${SSH_TARGET}: prerequisites (expected what the probe ${probe} reads (prod_verify/_prerequisites.sql), got missing ${objects}); nothing was mutated\n`,
        );
      // The same judgement for a script: --json says NO-GO with exit 3.
      const json = await oneroof(testbed, [command, ...T, ...apr, '--json']);
      expect(json.code, json.stdout + json.stderr).toBe(3);
      const doc = oneJsonDocument(json.stdout);
      expect(doc.exitCode).toBe(3);
      expect(doc.outcome).toBe('NO-GO');
      expect(doc.noGo).toEqual([probe === '' ? 'state' : 'prerequisites']);
    }
  });

  it('the right database whose read role lacks a grant is not called the wrong one: the server says permission denied (exit 1)', async () => {
    await bench.reset(APR);
    await bench.query('REVOKE pg_read_all_data FROM oneroof_reader');
    try {
      for (const command of COMMANDS) {
        const apr = command === 'preflight' ? ['--apr', APR] : [];
        const run = await oneroof(testbed, [command, ...T, ...apr]);
        expect(run.code, `${command}:\n${run.stdout}${run.stderr}`).toBe(1);
        expect(run.stdout).not.toContain('NO-GO');
        expect(run.stdout).toMatch(
          new RegExp(
            `^${command} on ${SSH_TARGET} stopped on an error: permission denied for table os_proposal_approvals \\(prod_verify/state_vector\\.sql:\\d+\\)$`,
            'm',
          ),
        );
      }
    } finally {
      await bench.query('GRANT pg_read_all_data TO oneroof_reader');
    }
  });
});

describe('hostile wrong-database: the init scaffold refuses the same way', () => {
  it.each([
    { name: 'an empty database', setup: () => bench.emptyDatabase() },
    {
      name: "another application's database (the shipped packet's golden clone)",
      setup: () => bench.reset(APR).then(() => undefined),
    },
  ])('$name: NO-GO naming schema app', async (c) => {
    const dir = join(await tempDir('oneroof-wrongdb-init-'), 'starter');
    const init = await oneroof(testbed, ['init', dir]);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    await c.setup();
    for (const command of COMMANDS) {
      const apr = command === 'preflight' ? ['--apr', APR] : [];
      const run = await oneroof(testbed, [command, ...T, '--packet', dir, ...apr]);
      const out = run.stdout + run.stderr;
      expect(run.code, `${command}:\n${out}`).toBe(3);
      expectNoCrash(out);
      expect(run.stdout).toContain(
        `NO-GO on ${SSH_TARGET}: prerequisites (expected what this packet reads (prod_verify/_prerequisites.sql), got missing schema app); nothing was mutated\n`,
      );
    }
  });
});
