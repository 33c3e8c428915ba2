/**
 * The runner through each transport on the testbed: the same packet gives the same outcome,
 * the same events (mapped back to file:line), the same exit and the same log bytes, whether
 * it went ssh2 → sshd, system ssh → sshd, or straight to the local Docker engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadInventory, type Inventory } from '../../src/inventory/load.js';
import { connectDocker, type DockerClient } from '../../src/docker/client.js';
import { buildPsqlInvocation, CommandLineError } from '../../src/remote/psql-command.js';
import { runSql, type RunResult } from '../../src/runner/run.js';
import { summarize } from '../../src/model/findings.js';
import { trackTiers } from '../helpers/recording.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import { createTransport } from '../../src/transport/index.js';
import type { TransportKind } from '../../src/transport/types.js';
import { HOSTILE_VALUES } from '../helpers/hostile.js';
import { testbedPsql } from '../helpers/testbed-psql.js';
import { tempDir } from '../helpers/tmp.js';
import { piecesOf } from '../../src/runlog/compact.js';
import { outputRecordSchema } from '../../src/runlog/output-records.js';

const testbed = inject('testbed');
const PACKET = join(import.meta.dirname, '..', 'fixtures', 'runner', 'sql');
const KINDS: TransportKind[] = ['ssh2', 'openssh', 'local'];

let docker: DockerClient;
let inventory: Inventory;
let logDir: string;

const psql = (sql: string): Promise<string> => testbedPsql(docker, testbed, sql);

async function run(kind: TransportKind, variables: Record<string, string>): Promise<RunResult> {
  const target = inventory.targets.get(kind === 'local' ? 'replica' : testbed.ssh.alias)!;
  return runSql({
    kind: 'run',
    target,
    source: { kind: 'packet', root: PACKET, entry: 'prod/run_all.sql' },
    transport: await createTransport(target, { transportOverride: kind }),
    logDir,
    variables,
  });
}

/**
 * What must not depend on the transport: each stream's events in order. (How stdout and
 * stderr interleave is up to the far side's scheduling, not ours.)
 */
function comparable(events: PsqlEvent[]): Record<'stdout' | 'stderr', PsqlEvent[]> {
  const kept = events.filter((e) => e.kind !== 'sentinel');
  return {
    stdout: kept.filter((e) => e.stream === 'stdout'),
    stderr: kept.filter((e) => e.stream === 'stderr'),
  };
}

/** The .log split back into its streams through the records' offsets. */
function streamsOf(result: RunResult): { stdout: string; stderr: string } {
  const bytes = readFileSync(result.log.output);
  const out = { stdout: '', stderr: '' };
  for (const line of readFileSync(result.log.records, 'utf8').trimEnd().split('\n')) {
    const json = JSON.parse(line) as Record<string, unknown>;
    if (json.record !== 'output') continue;
    // As replay reads it (format 4: the stream may be only in the pieces).
    const r = outputRecordSchema.parse(json);
    // Format 3: one record may cover pieces of both streams, in the order they arrived.
    let at = r.offset;
    for (const piece of piecesOf(r, undefined)) {
      out[piece.stream] += bytes.subarray(at, at + piece.length).toString('utf8');
      at += piece.length;
    }
  }
  // Each run has its own random sentinel; everything else must be the same bytes.
  out.stdout = out.stdout.replace(/ONEROOF SENTINEL [0-9a-f]{32}/, 'ONEROOF SENTINEL <nonce>');
  return out;
}

beforeAll(async () => {
  docker = await connectDocker();
  inventory = await loadInventory(testbed.inventory);
  logDir = join(await tempDir('oneroof-runner-'), 'logs');
});

const reset = () =>
  psql('DROP SCHEMA IF EXISTS runner_fixture CASCADE; CREATE SCHEMA runner_fixture;');

describe('runSql through every transport', () => {
  // Each run is made once, by whichever test needs it first (tests run in a random order), with
  // the fixture's rows read right after it: the comparison below needs all six runs.
  const made = new Map<string, Promise<{ result: RunResult; applied: string }>>();
  const once = (kind: TransportKind, fail: 'yes' | 'no') => {
    const key = `${kind}/${fail}`;
    let running = made.get(key);
    if (running === undefined) {
      const previous = Promise.all(made.values());
      running = previous.then(async () => {
        await reset();
        const result = await run(kind, { apr: 'APR-1', fail });
        const applied = await psql(
          "SELECT string_agg(tier || apr, ',' ORDER BY tier) FROM runner_fixture.applied",
        );
        return { result, applied };
      });
      made.set(key, running);
    }
    return running;
  };

  it.each(KINDS)('%s: a whole packet runs, every tier committed, sentinel seen', async (kind) => {
    const { result, applied } = await once(kind, 'no');
    expect(result.outcome).toBe('ok');
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
    expect(result.sentinelSeen).toBe(true);
    expect(result.peer.transport).toBe(kind);
    const summary = summarize(result.events);
    expect(trackTiers(result.events, 'tier').map((s) => [s.tier, s.status])).toEqual([
      [10, 'ok'],
      [20, 'ok'],
    ]);
    expect(summary.endedScripts).toContain('run_all');
    expect(applied).toBe('10APR-1,20APR-1');
    const tier = result.events.find(
      (e) => e.kind === 'tier' && e.tier === 20 && e.phase === 'BEGIN',
    );
    expect(tier && 'at' in tier ? tier.at : undefined).toMatchObject({
      file: 'lib/tier_20.sql',
      line: 2,
    });
    expect(result.commandLine).toContain('oneroof-stage');
  });

  it.each(KINDS)('%s: a failed assertion stops the run; the tier before stays', async (kind) => {
    const { result, applied } = await once(kind, 'yes');
    expect(result.outcome).toBe('sql-error');
    expect(result.end).toEqual({ kind: 'exit', code: 3 });
    const assertion = result.events.find((e) => e.kind === 'assertion');
    expect(assertion).toMatchObject({
      kind: 'assertion',
      scope: 'tier20',
      check: 'rows',
      expected: '3',
      got: '2',
      at: { file: 'lib/tier_20.sql', line: 13 },
    });
    const tiers = trackTiers(result.events, 'tier');
    expect(tiers.find((s) => s.tier === 10)?.status).toBe('ok');
    expect(tiers.find((s) => s.tier === 20)?.status).toBe('failed');
    expect(applied).toBe('10APR-1');
  });

  it('gives the same events and the same log bytes per stream through all three', async () => {
    const [first, ...rest] = KINDS;
    for (const fail of ['no', 'yes'] as const) {
      const base = (await once(first!, fail)).result;
      for (const kind of rest) {
        const other = (await once(kind, fail)).result;
        expect(comparable(other.events)).toEqual(comparable(base.events));
        expect(streamsOf(other)).toEqual(streamsOf(base));
      }
    }
  });

  it.each(KINDS)(
    '%s: hostile values reach SQL only as quoted literals, byte for byte',
    async (kind) => {
      const accepted = HOSTILE_VALUES.filter((v) => {
        try {
          buildPsqlInvocation({ container: 'c', database: 'd', user: 'u', variables: { v } });
          return true;
        } catch (error) {
          expect(error).toBeInstanceOf(CommandLineError);
          return false;
        }
      });
      expect(accepted.length).toBeGreaterThanOrEqual(30);
      const variables = Object.fromEntries(accepted.map((v, i) => [`v${i}`, v]));
      const sql = accepted
        .map((_, i) => `SELECT encode(convert_to(:'v${i}', 'UTF8'), 'hex');`)
        .join('\n');
      const target = inventory.targets.get(kind === 'local' ? 'replica' : testbed.ssh.alias)!;
      const stdout: Buffer[] = [];
      const result = await runSql({
        kind: 'run',
        target,
        source: { kind: 'text', label: 'hostile', text: sql },
        transport: await createTransport(target, { transportOverride: kind }),
        logDir,
        variables,
        flags: ['--no-align', '--tuples-only'],
        onOutput: (stream, chunk) => stream === 'stdout' && stdout.push(chunk),
      });
      expect(result.outcome).toBe('ok');
      const lines = Buffer.concat(stdout).toString('utf8').split('\n').slice(0, accepted.length);
      expect(lines.map((hex) => Buffer.from(hex, 'hex').toString('utf8'))).toEqual(accepted);
    },
  );
});

describe('run logs never hold a secret', () => {
  it('an encrypted key unlocked by its passphrase: the run works, no log file contains it', async () => {
    const dir = await tempDir('oneroof-secret-');
    const { writeFile, readdir, readFile } = await import('node:fs/promises');
    await writeFile(
      join(dir, 'targets.yml'),
      `targets:
  locked:
    ssh: { host: 127.0.0.1, port: ${testbed.ssh.port}, user: ${testbed.ssh.user}, identity: ${testbed.ssh.encryptedUserKey} }
    known_hosts: ${testbed.ssh.knownHosts}
    container: ${testbed.container}
    database: ${testbed.database}
    user: ${testbed.user}
`,
    );
    const target = (await loadInventory(dir)).targets.get('locked')!;
    let asked = 0;
    const logs = join(dir, 'logs');
    const result = await runSql({
      kind: 'run',
      target,
      source: { kind: 'text', label: 'secret', text: 'SELECT 1;' },
      transport: await createTransport(target, {
        env: { ...process.env, SSH_AUTH_SOCK: '' },
        askPassphrase: () => {
          asked++;
          return Promise.resolve(testbed.ssh.passphrase);
        },
      }),
      logDir: logs,
    });
    expect(result.outcome).toBe('ok');
    expect(asked).toBe(1);
    const files = await readdir(logs);
    expect(files).toHaveLength(2);
    for (const file of files)
      expect(await readFile(join(logs, file), 'utf8')).not.toContain(testbed.ssh.passphrase);
  });
});
