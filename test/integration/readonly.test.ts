/**
 * Read-only by privilege (issue 11), end to end through ssh2: preflight, verify and status log in
 * as the target's read role (a NOSUPERUSER role with pg_read_all_data + pg_read_all_stats and
 * default_transaction_read_only on the role, made by `replica reset` / `reader setup` from
 * sql/reader/00_reader_role.sql), so the *server* refuses a write or a superuser-only function
 * slipped into their path — however it is spelled. Each packet is a copy with one statement
 * added and its manifest regenerated (`oneroof manifest write --packet DIR`), so the integrity
 * check passes and the statement reaches the server.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { lockKeyValue, RUN_LOCK } from '../../src/engine/lock.js';
import { dockerExec } from '../../src/docker/exec.js';
import { APR, SSH_TARGET, STATE, expectOneLog, logFiles, oneroof } from '../helpers/e2e.js';
import { holdSession, terminateByName, type HeldSession } from '../helpers/held-session.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;
const T = ['--target', SSH_TARGET];
const HEADER_END = 'SET client_min_messages = notice;\n';
const VICTIM = 'oneroof-test-victim';
/** Roles these tests make; dropped at the end. */
const ROLES = ['oneroof_rdr_setup', 'oneroof_rdr_super'];

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
  await bench.reset(APR);
});

afterAll(async () => {
  await terminateByName(bench, VICTIM);
  for (const role of ROLES) await bench.query(`DROP ROLE IF EXISTS ${role}`);
  await bench.emptyDatabase();
  await bench.uninstall();
});

/**
 * A copy of sql/ with `statement` added to `file`: in prod/00_preflight.sql right after its
 * header, anywhere else as its first line.
 */
async function packetWith(statement: string, file = 'prod/00_preflight.sql'): Promise<string> {
  const dir = join(await tempDir('oneroof-e2e-packet-'), 'sql');
  await mkdir(dir, { recursive: true });
  await cp(join(PACKAGE_ROOT, 'sql'), dir, { recursive: true });
  const path = join(dir, file);
  const text = await readFile(path, 'utf8');
  if (file === 'prod/00_preflight.sql') {
    expect(text.indexOf(HEADER_END)).toBeGreaterThan(0);
    await writeFile(path, text.replace(HEADER_END, `${HEADER_END}${statement}\n`));
  } else await writeFile(path, `${statement}\n${text}`);
  const write = await oneroof(testbed, ['manifest', 'write', '--packet', dir]);
  expect(write.code, write.stderr).toBe(0);
  return dir;
}

/** The testbed inventory with `lines` added to the ssh target (the last one in the file). */
async function inventoryWith(lines: string[]): Promise<string> {
  const text = await readFile(join(testbed.inventory, 'targets.yml'), 'utf8');
  expect(text.trimEnd().split('\n').at(-1)).toMatch(/^ {4}user: /);
  const dir = await tempDir('oneroof-e2e-inventory-');
  await writeFile(
    join(dir, 'targets.yml'),
    `${text.trimEnd()}\n${lines.map((l) => `    ${l}`).join('\n')}\n`,
  );
  return dir;
}

async function inContainer(...cmd: string[]): Promise<number> {
  return (await dockerExec(bench.docker, bench.container, cmd)).exitCode;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The run stopped on the server's refusal: exit 1, the command says so, the log has it. */
async function expectRefused(
  run: Awaited<ReturnType<typeof oneroof>>,
  command: 'preflight' | 'verify' | 'status',
  refusal: string,
): Promise<void> {
  expect(run.code, run.stderr + run.stdout).toBe(1);
  expect(run.stdout).toMatch(
    new RegExp(
      `^${command} on ${SSH_TARGET} stopped on an error: ${escapeRe(refusal)}(?: \\(|$)`,
      'm',
    ),
  );
  expect(run.stdout).toContain(
    '  read-only       role oneroof_reader  (the server refuses writes)\n',
  );
  const { log } = await expectOneLog(run, command);
  expect(await readFile(log, 'utf8')).toContain(`ERROR:  ${refusal}`);
}

const state = () => bench.probe('state_vector');
const SEQUENCE = 'public.fin_ledger_items_id_seq';
const sequenceState = () => bench.query(`SELECT last_value || '/' || is_called FROM ${SEQUENCE}`);
const noLargeObjects = async () =>
  expect(await bench.query('SELECT count(*) FROM pg_largeobject_metadata')).toBe('0');
const noWorkMemInAutoConf = async () =>
  expect(
    await bench.query(
      "SELECT count(*) FROM pg_file_settings WHERE name = 'work_mem' AND sourcefile LIKE '%postgresql.auto.conf'",
    ),
  ).toBe('0');
const noProbeTable = async () =>
  expect(await bench.query("SELECT to_regclass('public.oneroof_probe_write') IS NULL")).toBe('t');

interface Case {
  name: string;
  sql: string;
  refusal: string;
  /** After the run: the effect did not happen. */
  after?: () => Promise<void>;
}

const PROGRAM_PROOF = '/tmp/oneroof-readonly-program-proof';
const FILE_PROOF = '/tmp/oneroof-readonly-file-proof';

/** Superuser-only functions and statements, as they would be slipped into the preflight. */
const SUPERUSER_ONLY: Case[] = [
  {
    name: 'COPY … TO PROGRAM',
    sql: `COPY (SELECT 1) TO PROGRAM 'touch ${PROGRAM_PROOF}';`,
    refusal:
      'must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program',
    after: async () => expect(await inContainer('test', '-e', PROGRAM_PROOF)).toBe(1),
  },
  {
    name: 'COPY … TO a server file',
    sql: `COPY (SELECT 1) TO '${FILE_PROOF}';`,
    refusal:
      'must be superuser or have privileges of the pg_write_server_files role to COPY to a file',
    after: async () => expect(await inContainer('test', '-e', FILE_PROOF)).toBe(1),
  },
  {
    name: 'COPY … FROM a server file',
    sql: "COPY public.directus_roles FROM '/etc/hostname';",
    refusal:
      'must be superuser or have privileges of the pg_read_server_files role to COPY from a file',
  },
  {
    name: 'ALTER SYSTEM',
    sql: "ALTER SYSTEM SET work_mem = '64MB';",
    refusal: 'permission denied to set parameter "work_mem"',
    after: noWorkMemInAutoConf,
  },
  {
    name: 'lo_import',
    sql: "SELECT lo_import('/etc/hostname');",
    refusal: 'permission denied for function lo_import',
    after: noLargeObjects,
  },
  {
    name: 'lo_export',
    sql: `SELECT lo_export(0, '${FILE_PROOF}');`,
    refusal: 'permission denied for function lo_export',
    after: async () => expect(await inContainer('test', '-e', FILE_PROOF)).toBe(1),
  },
  {
    name: 'pg_read_file',
    sql: "SELECT pg_read_file('/etc/hostname');",
    refusal: 'permission denied for function pg_read_file',
  },
  {
    name: 'pg_read_binary_file',
    sql: "SELECT pg_read_binary_file('/etc/hostname');",
    refusal: 'permission denied for function pg_read_binary_file',
  },
  {
    name: 'pg_ls_dir',
    sql: "SELECT pg_ls_dir('.');",
    refusal: 'permission denied for function pg_ls_dir',
  },
  {
    name: 'pg_reload_conf',
    sql: 'SELECT pg_reload_conf();',
    refusal: 'permission denied for function pg_reload_conf',
  },
  {
    name: 'set_config of a superuser-only setting (session_replication_role)',
    sql: "SELECT set_config('session_replication_role', 'replica', false);",
    refusal: 'permission denied to set parameter "session_replication_role"',
  },
  {
    name: 'SET ROLE to the apply role',
    sql: 'SET ROLE workflow_admin;',
    refusal: 'permission denied to set role "workflow_admin"',
  },
  {
    name: 'SET SESSION AUTHORIZATION to the apply role',
    sql: 'SET SESSION AUTHORIZATION workflow_admin;',
    refusal: 'permission denied to set session authorization "workflow_admin"',
  },
  {
    name: 'nextval',
    sql: `SELECT nextval('${SEQUENCE}');`,
    refusal: 'permission denied for sequence fin_ledger_items_id_seq',
  },
  {
    name: 'setval',
    sql: `SELECT setval('${SEQUENCE}', 42);`,
    refusal: 'permission denied for sequence fin_ledger_items_id_seq',
  },
];

/** Ways to turn read-only off, spelled so that no pattern catches them; then a write. */
const ESCAPES: [string, string][] = [
  ['SET default_transaction_read_only = off', 'SET default_transaction_read_only = off;'],
  [
    "SET default_transaction_read_only = U&'…' (off in Unicode escapes)",
    "SET default_transaction_read_only = U&'\\006f\\0066\\0066';",
  ],
  [
    "set_config(U&'…') (the setting's name in Unicode escapes)",
    "SELECT set_config(U&'default\\005ftransaction\\005fread\\005fonly', 'off', false);",
  ],
  [
    'SET SESSION CHARACTERISTICS … READ WRITE',
    'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE;',
  ],
  ['BEGIN READ/**/WRITE', 'BEGIN READ/**/WRITE;'],
  ['START TRANSACTION READ -- comment, newline, WRITE', 'START TRANSACTION READ -- x\n  WRITE;'],
  [
    'EXECUTE of a computed SET in a DO block',
    "DO $x$ BEGIN EXECUTE 'SET default_transaction_' || 'read_only = off'; END $x$;",
  ],
];

/** Writes, each after `BEGIN READ/**\/WRITE` (so read-only is off: only privilege is left). */
const WRITES: Case[] = [
  {
    name: 'CREATE TABLE',
    sql: 'CREATE TABLE public.oneroof_probe_write (x int);',
    refusal: 'permission denied for schema public',
    after: noProbeTable,
  },
  {
    name: 'INSERT',
    sql: 'INSERT INTO public.directus_roles SELECT * FROM public.directus_roles LIMIT 1;',
    refusal: 'permission denied for table directus_roles',
  },
  {
    name: 'UPDATE',
    sql: 'UPDATE public.directus_roles SET name = name;',
    refusal: 'permission denied for table directus_roles',
  },
  {
    name: 'DELETE',
    sql: 'DELETE FROM public.directus_roles;',
    refusal: 'permission denied for table directus_roles',
  },
  {
    name: 'TRUNCATE',
    sql: 'TRUNCATE public.directus_roles;',
    refusal: 'permission denied for table directus_roles',
  },
  {
    name: 'CREATE SCHEMA',
    sql: 'CREATE SCHEMA oneroof_probe;',
    refusal: 'permission denied for database directus',
  },
  {
    name: 'CREATE FUNCTION',
    sql: "CREATE FUNCTION public.oneroof_probe() RETURNS int LANGUAGE sql AS 'SELECT 1';",
    refusal: 'permission denied for schema public',
  },
  {
    name: 'CREATE EXTENSION dblink',
    sql: 'CREATE EXTENSION dblink;',
    refusal: 'permission denied to create extension "dblink"',
  },
  {
    name: 'nextval',
    sql: `SELECT nextval('${SEQUENCE}');`,
    refusal: 'permission denied for sequence fin_ledger_items_id_seq',
  },
  {
    name: 'ALTER TABLE',
    sql: 'ALTER TABLE public.directus_roles ADD COLUMN oneroof_probe int;',
    refusal: 'must be owner of table directus_roles',
  },
  {
    name: 'LOCK TABLE … ACCESS EXCLUSIVE',
    sql: 'LOCK TABLE public.directus_roles IN ACCESS EXCLUSIVE MODE;',
    refusal: 'permission denied for table directus_roles',
  },
  {
    name: 'GRANT pg_write_all_data to itself',
    sql: 'GRANT pg_write_all_data TO CURRENT_USER;',
    refusal: 'must have admin option on role "pg_write_all_data"',
  },
];

describe('hostile readonly-sql: the preflight runs as the read role', () => {
  let sequenceBefore: string;
  beforeAll(async () => {
    sequenceBefore = await sequenceState();
  });
  afterEach(async () => {
    expect(await state()).toBe(STATE.approved);
    expect(await sequenceState()).toBe(sequenceBefore);
  });

  it.each(SUPERUSER_ONLY)('$name is refused by the server', async (c) => {
    const dir = await packetWith(c.sql);
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
    await expectRefused(run, 'preflight', c.refusal);
    await c.after?.();
  });

  it.each(ESCAPES)(
    'read-only turned off with %s, then CREATE TABLE: refused by privilege',
    async (_name, escape) => {
      const dir = await packetWith(`${escape}\nCREATE TABLE public.oneroof_probe_write (x int);`);
      const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
      await expectRefused(run, 'preflight', 'permission denied for schema public');
      await noProbeTable();
    },
  );

  it.each(WRITES)('BEGIN READ/**/WRITE, then $name: refused by privilege', async (c) => {
    const dir = await packetWith(`BEGIN READ/**/WRITE;\n${c.sql}`);
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
    await expectRefused(run, 'preflight', c.refusal);
    await c.after?.();
  });

  describe('another session (the apply role)', () => {
    let victim: HeldSession;
    beforeAll(async () => {
      victim = await holdSession(bench, VICTIM, []);
    });
    afterAll(async () => {
      await victim.release();
    });

    it.each([
      ['pg_terminate_backend', 'must be a superuser to terminate superuser process'],
      ['pg_cancel_backend', 'must be a superuser to cancel superuser query'],
    ])('%s of it is refused, and it lives on', async (fn, refusal) => {
      const dir = await packetWith(
        `SELECT ${fn}(pid) FROM pg_stat_activity WHERE application_name = '${VICTIM}';`,
      );
      const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
      await expectRefused(run, 'preflight', refusal);
      expect(
        await bench.query(
          `SELECT state || ' ' || wait_event FROM pg_stat_activity WHERE pid = ${victim.pid}`,
        ),
      ).toBe('active PgSleep');
    });
  });
});

describe('hostile readonly-sql: verify and status run as the read role too', () => {
  let victim: HeldSession;
  beforeAll(async () => {
    victim = await holdSession(bench, VICTIM, []);
  });
  afterAll(async () => {
    await victim.release();
  });

  const EXAMPLES: Case[] = [
    ...SUPERUSER_ONLY.filter((c) =>
      ['COPY … TO PROGRAM', 'ALTER SYSTEM', 'lo_import'].includes(c.name),
    ),
    {
      name: 'pg_terminate_backend of an apply-role session',
      sql: `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${VICTIM}';`,
      refusal: 'must be a superuser to terminate superuser process',
    },
  ];
  it.each(
    (['verify', 'status'] as const).flatMap((command) => EXAMPLES.map((c) => ({ command, ...c }))),
  )('$command: $name is refused by the server', async (c) => {
    const file = c.command === 'verify' ? 'prod/90_verify.sql' : 'prod_verify/tier_status.sql';
    const dir = await packetWith(c.sql, file);
    const run = await oneroof(testbed, [c.command, ...T, '--packet', dir]);
    await expectRefused(run, c.command, c.refusal);
    await c.after?.();
    expect(await state()).toBe(STATE.approved);
    expect(
      await bench.query(`SELECT count(*) FROM pg_stat_activity WHERE pid = ${victim.pid}`),
    ).toBe('1');
  });
});

/** The record names of a run's .jsonl, in order. */
async function recordsOf(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The testbed inventory with the ssh target's text changed by `edit`. */
async function inventoryEdited(edit: (text: string) => string): Promise<string> {
  const text = await readFile(join(testbed.inventory, 'targets.yml'), 'utf8');
  const at = text.indexOf(`  ${SSH_TARGET}:\n`);
  expect(at).toBeGreaterThan(0);
  const dir = await tempDir('oneroof-e2e-inventory-');
  await writeFile(join(dir, 'targets.yml'), text.slice(0, at) + edit(text.slice(at)));
  return dir;
}

describe('the read role is missing', () => {
  it.each(['preflight', 'verify', 'status'] as const)(
    '%s stops before running anything, names the setup command, exit 1',
    async (command) => {
      const inventory = await inventoryWith(['read_user: oneroof_absent']);
      const run = await oneroof(testbed, [command, ...T], { inventory });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(
        `oneroof: error: ${command} on ${SSH_TARGET}: the read role oneroof_absent does not exist on the server; nothing was run. Create it with \`oneroof reader setup --target ${SSH_TARGET}\``,
      );
      expect(run.stdout).toBe('');
      const { records } = await expectOneLog(run, command);
      const names = (await recordsOf(records)).map((r) => r.record);
      expect(names).toContain('reader-missing');
      // One session only (the one that could not log in), and no state probe after it.
      expect(names.filter((n) => n === 'exec')).toHaveLength(1);
    },
  );

  it('another login failure is not reported as a missing role', async () => {
    const inventory = await inventoryEdited((t) =>
      t.replace('database: directus', 'database: oneroof_nodb'),
    );
    const run = await oneroof(testbed, ['status', ...T], { inventory });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/database "oneroof_nodb" does not exist/);
    expect(run.stdout + run.stderr).not.toContain('reader setup');
  });
});

describe('read_only: session', () => {
  it('runs as the apply role, warns on stderr on every run, and records it in the log', async () => {
    const inventory = await inventoryWith(['read_only: session']);
    const run = await oneroof(testbed, ['--quiet', 'preflight', ...T, '--apr', APR], { inventory });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `oneroof: warning: target ${SSH_TARGET} is read_only: session: preflight, verify and status run as workflow_admin (the apply role) with default_transaction_read_only=on set by the client only`,
    );
    expect(run.stdout).toContain(
      '  read-only       session setting only, as workflow_admin  (WEAKER: read_only: session)\n',
    );
    const { records } = await expectOneLog(run, 'preflight');
    const all = await recordsOf(records);
    expect(all.find((r) => r.record === 'read-only-weak')?.warning).toMatch(/read_only: session/);
    expect(all.find((r) => r.record === 'release')).toMatchObject({
      readOnly: true,
      readOnlyMode: 'session',
      readUser: 'workflow_admin',
    });
  });
});

describe('hostile readonly-sql: read_only: session, the control case', () => {
  it('lets COPY … TO PROGRAM through (why role is the default)', async () => {
    const proof = '/tmp/oneroof-readonly-session-proof';
    const inventory = await inventoryWith(['read_only: session']);
    const dir = await packetWith(`COPY (SELECT 1) TO PROGRAM 'touch ${proof}';`);
    try {
      const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir], {
        inventory,
      });
      expect(run.code, run.stdout).toBe(0);
      expect(await inContainer('test', '-e', proof)).toBe(0);
    } finally {
      await inContainer('rm', '-f', proof);
    }
  });
});

describe('the read sessions', () => {
  it('log in as the read role with the read timeouts and read-only on', async () => {
    const dir = await packetWith(
      "SELECT concat_ws('|', 'oneroof-settings', current_user, current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'), current_setting('default_transaction_read_only')) AS s;",
    );
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
    expect(run.code, run.stdout).toBe(0);
    const { log } = await expectOneLog(run, 'preflight');
    expect(await readFile(log, 'utf8')).toContain(
      ' oneroof-settings|oneroof_reader|5min|10s|1min|on\n',
    );
    // The apply role's fitness is still judged (from pg_roles), not the read role's.
    expect(run.stdout).toContain(
      '  PASS role                 workflow_admin (superuser yes, CREATE yes, sees every session yes)\n',
    );
  });
});

describe('fault stuck-query: a read session under the read timeouts', () => {
  it('a table locked by another session: the read lock_timeout ends the preflight, and it holds nothing after', async () => {
    const inventory = await inventoryWith(['read_timeouts: { statement: 5s, lock: 1s }']);
    const blocker = await holdSession(bench, 'oneroof-test-table-lock', [
      'BEGIN',
      'LOCK TABLE public.directus_roles IN ACCESS EXCLUSIVE MODE',
    ]);
    let run;
    try {
      run = await oneroof(testbed, ['preflight', ...T, '--apr', APR], { inventory });
    } finally {
      await blocker.release();
    }
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^preflight on ${SSH_TARGET} stopped on an error: canceling statement due to lock timeout`,
        'm',
      ),
    );
    const again = await oneroof(testbed, ['preflight', ...T, '--apr', APR], { inventory });
    expect(again.code, again.stdout).toBe(0);
  });

  it('a statement that runs on: the read statement_timeout ends it', async () => {
    const inventory = await inventoryWith(['read_timeouts: { statement: 1s, lock: 1s }']);
    const dir = await packetWith('SELECT pg_sleep(60);');
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir], {
      inventory,
    });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^preflight on ${SSH_TARGET} stopped on an error: canceling statement due to statement timeout`,
        'm',
      ),
    );
    expect(
      await bench.query(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'",
      ),
    ).toBe('0');
  });

  it('--wait outlasts the read statement_timeout: the lock refusal, exit 6', async () => {
    const inventory = await inventoryWith(['read_timeouts: { statement: 1s, lock: 1s }']);
    const holder = await holdSession(bench, 'oneroof apply test-host pid 1', [
      `SELECT pg_advisory_lock(${lockKeyValue(RUN_LOCK)})`,
    ]);
    try {
      const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--wait', '3'], {
        inventory,
      });
      expect(run.code, run.stdout).toBe(6);
      expect(run.stdout).toMatch(
        new RegExp(
          `^${SSH_TARGET} is locked: oneroof apply test-host pid 1 \\(server pid ${holder.pid}, exclusive lock`,
          'm',
        ),
      );
    } finally {
      await holder.release();
    }
  });
});

describe('the read role sees what status needs', () => {
  it('status, as the read role, sees other sessions, their state and the run lock holder', async () => {
    const holder = await holdSession(bench, 'oneroof apply test-host pid 2', [
      `SELECT pg_advisory_lock(${lockKeyValue(RUN_LOCK)})`,
    ]);
    try {
      const run = await oneroof(testbed, ['status', ...T]);
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `^ {2}runs {12}ALIVE: oneroof apply test-host pid 2 \\(server pid ${holder.pid}, active, in a transaction since \\S+, holds the run lock\\)$`,
          'm',
        ),
      );
    } finally {
      await holder.release();
    }
  });
});

describe('oneroof reader setup', () => {
  const ROLE = 'oneroof_rdr_setup';
  const attributes = () =>
    bench.query(
      `SELECT concat_ws('|', r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
              (SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid),
              (SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0))
         FROM pg_roles r WHERE r.rolname = '${ROLE}'`,
    );

  it('creates the role, then finds it in place; the read-only commands run as it', async () => {
    const inventory = await inventoryWith([`read_user: ${ROLE}`]);
    await bench.query(`DROP ROLE IF EXISTS ${ROLE}`);
    const first = await oneroof(testbed, ['reader', 'setup', ...T, '--yes'], { inventory });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain(`  role ${ROLE}: created (LOGIN NOSUPERUSER`);
    expect(first.stdout).toContain(`  role ${ROLE}: granted pg_read_all_data, pg_read_all_stats\n`);
    expect(first.stdout).toContain(`read role ${ROLE} ready on ${SSH_TARGET}\n`);
    expect(await attributes()).toBe(
      't|f|f|f|f|f|pg_read_all_data,pg_read_all_stats|default_transaction_read_only=on',
    );
    const { records } = await expectOneLog(first, 'reader');
    expect((await recordsOf(records)).find((r) => r.record === 'reader-setup')).toMatchObject({
      role: ROLE,
      file: 'reader/00_reader_role.sql',
    });

    const second = await oneroof(testbed, ['reader', 'setup', ...T, '--yes'], { inventory });
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain(`  role ${ROLE}: already present, a plain NOSUPERUSER role\n`);
    expect(second.stdout).toContain(
      `  role ${ROLE}: already a member of pg_read_all_data, pg_read_all_stats\n`,
    );
    expect(second.stdout).not.toMatch(/created|granted|set to on|reset/);

    const preflight = await oneroof(testbed, ['preflight', ...T, '--apr', APR], { inventory });
    expect(preflight.code, preflight.stdout).toBe(0);
    expect(preflight.stdout).toContain(
      `  read-only       role ${ROLE}  (the server refuses writes)\n`,
    );
  });
});

describe('hostile readonly-sql: a read role that gave itself a setting', () => {
  const ROLE = 'oneroof_rdr_setup';
  it('is refused by the run and the next one, and reader setup restores it', async () => {
    const inventory = await inventoryWith([`read_user: ${ROLE}`]);
    // The role this test tampers with, made here: no other test may have to run first.
    const made = await oneroof(testbed, ['reader', 'setup', ...T, '--yes'], { inventory });
    expect(made.code, made.stdout).toBe(0);
    // What a read session may do to its own role once read-only is off (ALTER ROLE itself).
    const dir = await packetWith(
      'BEGIN READ/**/WRITE;\nALTER ROLE CURRENT_USER SET search_path = public;\nCOMMIT;',
    );
    const tamper = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir], {
      inventory,
    });
    // The run's own last check sees it.
    expect(tamper.code, tamper.stdout).toBe(1);
    expect(tamper.stdout).toContain(
      `stopped on an error: ONEROOF READER UNSAFE: ${ROLE} is not a plain read role: role settings default_transaction_read_only=on, search_path=public`,
    );
    const next = await oneroof(testbed, ['status', ...T], { inventory });
    expect(next.code, next.stdout).toBe(1);
    expect(next.stdout).toContain('ONEROOF READER UNSAFE');
    const setup = await oneroof(testbed, ['reader', 'setup', ...T, '--yes'], { inventory });
    expect(setup.code, setup.stdout).toBe(0);
    expect(setup.stdout).toContain(
      `  role ${ROLE}: role settings reset (were: default_transaction_read_only=on, search_path=public)\n`,
    );
    const status = await oneroof(testbed, ['status', ...T], { inventory });
    expect(status.code, status.stdout).toBe(0);
  });
});

describe('oneroof reader setup, without a terminal', () => {
  it('needs --yes: exit 2, nothing contacted', async () => {
    const run = await oneroof(testbed, ['reader', 'setup', ...T]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/reader setup on contabo-replica needs a confirmation/);
    expect(await logFiles(run.logDir)).toEqual([]);
  });
});

describe('hostile readonly-sql: a superuser named as read_user', () => {
  it('is refused by reader setup, and by every read-only run', async () => {
    const SUPER = 'oneroof_rdr_super';
    await bench.query(`DROP ROLE IF EXISTS ${SUPER}`);
    await bench.query(`CREATE ROLE ${SUPER} LOGIN SUPERUSER`);
    await bench.query(`ALTER ROLE ${SUPER} SET default_transaction_read_only = on`);
    const inventory = await inventoryWith([`read_user: ${SUPER}`]);
    const setup = await oneroof(testbed, ['reader', 'setup', ...T, '--yes'], { inventory });
    expect(setup.code, setup.stdout).toBe(3);
    expect(setup.stdout).toContain(
      `refused on ${SSH_TARGET}: role ${SUPER} exists and is not a plain reader: SUPERUSER; nothing was mutated`,
    );
    expect(await bench.query(`SELECT rolsuper FROM pg_roles WHERE rolname = '${SUPER}'`)).toBe('t');
    const dir = await packetWith(`COPY (SELECT 1) TO PROGRAM 'touch ${PROGRAM_PROOF}';`);
    const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir], {
      inventory,
    });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toContain(
      `stopped on an error: ONEROOF READER UNSAFE: ${SUPER} is not a plain read role: SUPERUSER`,
    );
    expect(await inContainer('test', '-e', PROGRAM_PROOF)).toBe(1);
  });
});

describe('hostile readonly-sql: psql reconnecting as the apply role', () => {
  it.each(['\\c - workflow_admin', '\\connect directus workflow_admin'])(
    '%s (trust on the local socket would make it a superuser session) is refused before anything is contacted',
    async (meta) => {
      const dir = await packetWith(`${meta}\nCOPY (SELECT 1) TO PROGRAM 'touch ${PROGRAM_PROOF}';`);
      const run = await oneroof(testbed, ['preflight', ...T, '--apr', APR, '--packet', dir]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(
        /\\c(onnect)?: connects again, to another database or as another user: the read role and the run lock would not hold/,
      );
      expect(await logFiles(run.logDir)).toEqual([]);
      expect(await inContainer('test', '-e', PROGRAM_PROOF)).toBe(1);
    },
  );
});
