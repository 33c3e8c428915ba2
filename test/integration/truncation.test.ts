/**
 * Truncation safety, proven: a loopback TCP proxy between ssh2 and the testbed's sshd cuts
 * the link at 60 byte offsets spread over a whole run (handshake, staging, output). After
 * every cut the replica must hold either nothing of the script or all of it — each tier is a
 * transaction, and psql never starts on a stream that did not arrive whole — never a partial
 * statement. A control case shows the hazard is real: the same cut without staging makes psql
 * run `DELETE FROM … ` without its WHERE clause.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveEndpoint, type ResolvedEndpoint } from '../../src/inventory/endpoint.js';
import { loadInventory, type Target } from '../../src/inventory/load.js';
import { connectDocker, type DockerClient } from '../../src/docker/client.js';
import { buildPsqlInvocation } from '../../src/remote/psql-command.js';
import { runSql, type RunResult } from '../../src/runner/run.js';
import { Ssh2Transport } from '../../src/transport/ssh2.js';
import { startCutProxy, type CutProxy } from '../helpers/cut-proxy.js';
import { testbedPsql } from '../helpers/testbed-psql.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const CUTS = Number(process.env.ONEROOF_CUTS ?? 60);
const VICTIMS = 100;

/** Three tiers, each a transaction, padded so cuts land inside statements. */
function script(): string {
  const pad = (tier: number) =>
    Array.from(
      { length: 400 },
      (_, i) => `INSERT INTO trunc.filler VALUES (${tier}, ${i}, '${'x'.repeat(80)}');`,
    ).join('\n');
  return [
    'BEGIN;',
    pad(1),
    'INSERT INTO trunc.applied VALUES (1);',
    'COMMIT;',
    'BEGIN;',
    pad(2),
    'DELETE FROM trunc.victim WHERE id = 5;',
    'INSERT INTO trunc.applied VALUES (2);',
    'COMMIT;',
    'BEGIN;',
    pad(3),
    'INSERT INTO trunc.applied VALUES (3);',
    'COMMIT;',
    '',
  ].join('\n');
}

const SETUP = `
DROP SCHEMA IF EXISTS trunc CASCADE;
CREATE SCHEMA trunc;
CREATE TABLE trunc.applied (tier int PRIMARY KEY);
CREATE TABLE trunc.filler (tier int, n int, pad text, PRIMARY KEY (tier, n));
CREATE TABLE trunc.victim (id int PRIMARY KEY);
INSERT INTO trunc.victim SELECT generate_series(1, ${VICTIMS});
`;

interface State {
  applied: number[];
  fillerPerTier: Record<number, number>;
  victims: number;
}

let docker: DockerClient;
let target: Target;
let endpoint: ResolvedEndpoint;
let proxy: CutProxy;
let logDir: string;

const psql = (sql: string): Promise<string> => testbedPsql(docker, testbed, sql);

/** Reads the state; with `reset`, restores the starting state in the same session. */
async function readState(reset = false): Promise<State> {
  const out = await psql(`
SELECT coalesce(string_agg(tier::text, ',' ORDER BY tier), '') FROM trunc.applied;
SELECT coalesce(string_agg(tier || ':' || c, ',' ORDER BY tier), '') FROM (SELECT tier, count(*) c FROM trunc.filler GROUP BY tier) f;
SELECT count(*) FROM trunc.victim;
${reset ? SETUP : ''}`);
  const [applied = '', filler = '', victims = '0'] = out.split('\n');
  return {
    applied: applied === '' ? [] : applied.split(',').map(Number),
    fillerPerTier: Object.fromEntries(
      filler === ''
        ? []
        : filler.split(',').map((p) => p.split(':').map(Number) as [number, number]),
    ),
    victims: Number(victims),
  };
}

/** A run may outlive the cut on the far side: wait (bounded) until nothing of ours runs there. */
async function settle(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const busy = (await processes()).some(
      (p) => p.includes('oneroof-stage') || /(^|\s|\/)psql\s/.test(p),
    );
    if (!busy) return;
    await sleep(200);
  }
  throw new Error('the far side did not settle within 30 s');
}

async function processes(): Promise<string[]> {
  const top = (await docker.getContainer(testbed.container).top({ ps_args: '-eo pid,args' })) as {
    Processes?: string[][];
  };
  return (top.Processes ?? []).map((row) => row.join(' '));
}

async function untilForwarded(bytes: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proxy.forwarded >= bytes) return;
    await sleep(50);
  }
  throw new Error(`the proxy forwarded ${proxy.forwarded} bytes, not ${bytes}, within 10 s`);
}

async function untilRunning(what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await processes()).some((p) => p.includes(what))) return;
    await sleep(100);
  }
  throw new Error(`${what} did not start within 10 s`);
}

function transport(): Ssh2Transport {
  return new Ssh2Transport(
    { ...endpoint, port: proxy.port, hostKeyAlias: 'oneroof-cut-proxy' },
    { hostKeyPolicy: 'strict', readyTimeoutMs: 5000 },
  );
}

beforeAll(async () => {
  docker = await connectDocker();
  const inventory = await loadInventory(testbed.inventory);
  target = inventory.targets.get(testbed.ssh.alias)!;
  const resolved = await resolveEndpoint(target);
  proxy = await startCutProxy(testbed.ssh.port);
  const dir = await tempDir('oneroof-trunc-');
  logDir = join(dir, 'logs');
  // The proxy listens on another port: pin the same host key under an explicit HostKeyAlias.
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `oneroof-cut-proxy ${testbed.ssh.hostKeyPub.trim()}\n`);
  endpoint = { ...resolved, knownHostsFiles: [knownHosts] };
});

afterAll(async () => {
  await proxy?.close();
  await psql('DROP SCHEMA IF EXISTS trunc CASCADE;').catch(() => undefined);
});

describe('a cut link never leaves a partial statement behind', () => {
  it(`holds at ${CUTS + 6} cut points across the whole run`, { timeout: 900_000 }, async () => {
    const sql = script();
    await psql(SETUP);
    proxy.cutAfter = undefined;
    const whole = await runSql({
      kind: 'run',
      target,
      source: { kind: 'text', label: 'truncation', text: sql },
      transport: transport(),
      logDir,
    });
    expect(whole.outcome).toBe('ok');
    const total = proxy.forwarded;
    expect(await readState()).toEqual({
      applied: [1, 2, 3],
      fillerPerTier: { 1: 400, 2: 400, 3: 400 },
      victims: VICTIMS - 1,
    });
    expect(total).toBeGreaterThan(Buffer.byteLength(sql));
    await psql(SETUP);

    const outcomes: Record<string, number> = {};
    const timings: [number, number, number][] = [];
    const partial: string[] = [];
    // Spread over the whole run (handshake, staging), with jitter so cuts fall at every
    // position inside SSH packets — plus the tail, where the payload is whole and only the
    // end of input, the exit status and the goodbye are still in flight.
    const cuts = [
      ...Array.from({ length: CUTS }, (_, i) =>
        Math.max(1, Math.floor((total * i) / CUTS) + ((i * 7919) % 997)),
      ),
      ...[600, 300, 150, 100, 60, 20].map((back) => total - back),
    ];
    for (const cut of cuts) {
      proxy.cutAfter = cut;
      let result: RunResult | undefined;
      let failure: string | undefined;
      const t0 = Date.now();
      try {
        result = await runSql({
          kind: 'run',
          target,
          source: { kind: 'text', label: 'truncation', text: sql },
          transport: transport(),
          logDir,
        });
      } catch (error) {
        failure = (error as Error).message;
      }
      const t1 = Date.now();
      await settle();
      const t2 = Date.now();
      const state = await readState(true);
      timings.push([t1 - t0, t2 - t1, Date.now() - t2]);
      const label = result?.outcome ?? `refused: ${failure?.split('\n')[0]?.slice(0, 60)}`;
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      const untouched = state.applied.length === 0 && state.victims === VICTIMS;
      const complete =
        state.applied.join() === '1,2,3' &&
        state.victims === VICTIMS - 1 &&
        Object.values(state.fillerPerTier).every((n) => n === 400);
      const wholeTiers =
        state.applied.every((t, k) => t === k + 1) &&
        Object.keys(state.fillerPerTier).map(Number).join() === state.applied.join() &&
        Object.values(state.fillerPerTier).every((n) => n === 400) &&
        state.victims === (state.applied.includes(2) ? VICTIMS - 1 : VICTIMS);
      const shape = untouched ? 'untouched' : complete ? 'complete' : 'whole tiers';
      outcomes[shape] = (outcomes[shape] ?? 0) + 1;
      if (!(untouched || complete || wholeTiers))
        partial.push(`cut at ${cut}: ${JSON.stringify(state)} (${label})`);
      // The runner never calls a cut run a success.
      if (result && result.outcome === 'ok') expect(complete).toBe(true);
    }
    const median = (k: number) =>
      timings.map((t) => t[k]!).sort((a, b) => a - b)[timings.length >> 1];
    console.error(
      `truncation: ${cuts.length} cuts over ${total} bytes: ${JSON.stringify(outcomes)}; median ms run ${median(0)}, settle ${median(1)}, check ${median(2)}`,
    );
    expect(partial).toEqual([]);
  });

  it('control: without staging, the same kind of cut runs a DELETE without its WHERE', async () => {
    await psql(SETUP);
    proxy.cutAfter = undefined;
    const connection = await transport().connect();
    try {
      const head = 'DELETE FROM trunc.victim';
      const stdin = new Readable({ read() {} });
      const running = connection.exec({
        container: target.container,
        argv: buildPsqlInvocation(target),
        stdin,
      });
      running.stdout.resume();
      running.stderr.resume();
      const before = proxy.forwarded;
      stdin.push(head);
      await untilRunning('psql');
      // The head has left for sshd (an ssh data packet is longer than its payload): it reaches
      // psql; the rest of the statement never will. A condition, not a sleep.
      await untilForwarded(before + head.length);
      proxy.cutNow();
      const end = await running.done;
      expect(end.kind).toBe('lost');
    } finally {
      await connection.close().catch(() => undefined);
    }
    await settle();
    expect((await readState()).victims).toBe(0);
  });

  it('the same cut with staging: psql never starts, nothing is deleted', async () => {
    await psql(SETUP);
    const connection = await transport().connect();
    const body = Buffer.from('DELETE FROM trunc.victim WHERE id = 5;\n');
    try {
      const stdin = new Readable({ read() {} });
      const { buildStagedArgv } = await import('../../src/remote/stage.js');
      const running = connection.exec({
        container: target.container,
        argv: buildStagedArgv(buildPsqlInvocation(target), {
          length: body.length,
          sha256: createHash('sha256').update(body).digest('hex'),
        }),
        stdin,
      });
      running.stdout.resume();
      running.stderr.resume();
      const before = proxy.forwarded;
      const head = body.subarray(0, 'DELETE FROM trunc.victim'.length);
      stdin.push(head);
      await untilRunning('oneroof-stage');
      await untilForwarded(before + head.length);
      proxy.cutNow();
      expect((await running.done).kind).toBe('lost');
    } finally {
      await connection.close().catch(() => undefined);
    }
    await settle();
    expect((await readState()).victims).toBe(VICTIMS);
  });
});
