/**
 * One conformance suite, the same cases through all three transports, on the real testbed:
 * ssh2 and the system ssh to a real sshd on loopback, then `docker exec -i` into the replica;
 * and dockerode straight into the same container. Same request → same stdout and stderr bytes
 * and the same ExecEnd. Where a transport cannot report something, the case says so.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadInventory, type Target } from '../../src/inventory/load.js';
import { buildDockerExecLine, buildPsqlInvocation } from '../../src/remote/psql-command.js';
import { buildStagedArgv, STAGE_EXIT_INCOMPLETE } from '../../src/remote/stage.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';
import { createTransport } from '../../src/transport/index.js';
import type { Connection, ExecEnd, TransportKind } from '../../src/transport/types.js';
import { OpensshTransport } from '../../src/transport/openssh.js';
import { Ssh2Transport } from '../../src/transport/ssh2.js';
import { tempDir } from '../helpers/tmp.js';
import {
  collect,
  containerProcesses,
  endpointFrom,
  hostBlock,
  inContainer,
  killSessions,
  sshdDescendantsMatching,
  sshdSessions,
  waitFor,
  type Collected,
} from '../helpers/transport.js';

const testbed = inject('testbed');
const inventory = await loadInventory(testbed.inventory);
const sshTarget: Target = inventory.targets.get(testbed.ssh.alias)!;
const localTarget: Target = inventory.targets.get('replica')!;
const container = testbed.container;
const hostKeyFingerprint = fingerprintSha256(
  Buffer.from(testbed.ssh.hostKeyPub.split(' ')[1]!, 'base64'),
);

const TRANSPORTS: { kind: TransportKind; target: Target }[] = [
  { kind: 'ssh2', target: sshTarget },
  { kind: 'openssh', target: sshTarget },
  { kind: 'local', target: localTarget },
];

function psqlArgv(payload: Buffer, announced?: { length: number; sha256: string }): string[] {
  return buildStagedArgv(
    buildPsqlInvocation({ container, database: testbed.database, user: testbed.user }),
    announced ?? {
      length: payload.length,
      sha256: createHash('sha256').update(payload).digest('hex'),
    },
  );
}

const PSQL_OK = Buffer.from(
  [
    'create temp table conformance (id int primary key, v text);',
    "insert into conformance values (1, 'one'), (2, 'två');",
    'select id, v from conformance order by id;',
    "\\echo 'oneroof-sentinel'",
    '',
  ].join('\n'),
);
const PSQL_ERROR = Buffer.from(
  ["select 'before' as step;", 'select 1/0;', "select 'after' as step;", ''].join('\n'),
);

/** A deterministic stream of `total` bytes in fresh 64 KiB buffers, hashed as it goes. */
function bigPayload(total: number): {
  stream: Readable;
  sha256: () => string;
  produced: () => number;
} {
  let produced = 0;
  const hash = createHash('sha256');
  const template = createHash('sha512').update('oneroof').digest();
  function* chunks(): Generator<Buffer> {
    const size = 64 * 1024;
    for (let offset = 0, i = 0; offset < total; offset += size, i++) {
      const chunk = Buffer.allocUnsafeSlow(Math.min(size, total - offset));
      for (let p = 0; p < chunk.length; p += template.length) template.copy(chunk, p);
      chunk.writeUInt32BE(i, 0);
      hash.update(chunk);
      produced += chunk.length;
      yield chunk;
    }
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    sha256: () => hash.digest('hex'),
    produced: () => produced,
  };
}

describe.each(TRANSPORTS)('transport $kind', ({ kind, target }) => {
  let connection: Connection;
  const viaSsh = kind !== 'local';

  beforeAll(async () => {
    const transport = await createTransport(target, { transportOverride: kind });
    expect(transport.kind).toBe(kind);
    connection = await transport.connect();
  });
  afterAll(async () => {
    await connection?.close();
  });

  const run = (argv: string[], stdin?: Readable | Buffer | string): Promise<Collected> =>
    collect(connection.exec({ container, argv, ...(stdin === undefined ? {} : { stdin }) }));

  it('names its peer', () => {
    if (kind === 'local') {
      expect(connection.peer).toEqual({ transport: 'local', host: 'docker' });
    } else {
      expect(connection.peer).toMatchObject({
        transport: kind,
        host: '127.0.0.1',
        port: testbed.ssh.port,
        user: testbed.ssh.user,
        hostKeyFingerprint,
      });
    }
  });

  it('reports exactly the command line it sent', () => {
    const running = connection.exec({ container, argv: ['true'] });
    expect(running.commandLine).toBe(buildDockerExecLine(container, ['true']));
    expect(running.commandLine).toBe(`docker exec -i ${container} true`);
    return collect(running);
  });

  it('exit 0 with exact stdout', async () => {
    const result = await run(['printf', '%s\\n', 'hello', "it's"]);
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
    expect(result.stdout.toString()).toBe("hello\nit's\n");
    expect(result.stderr.length).toBe(0);
  });

  it('a specific exit code', async () => {
    const result = await run(['sh', '-c', 'exit 7']);
    expect(result.end).toEqual({ kind: 'exit', code: 7 });
  });

  it('stdout and stderr are kept apart, in order within each', async () => {
    const result = await run([
      'sh',
      '-c',
      'printf out1; printf err1 >&2; printf out2; printf err2 >&2; exit 3',
    ]);
    expect(result.stdout.toString()).toBe('out1out2');
    expect(result.stderr.toString()).toBe('err1err2');
    expect(result.end).toEqual({ kind: 'exit', code: 3 });
  });

  it('no stdin means end of input at once', async () => {
    const result = await run(['wc', '-c']);
    expect(result.stdout.toString().trim()).toBe('0');
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
  });

  it('is binary-safe: all 256 byte values round-trip', async () => {
    const bytes = Buffer.alloc(256 * 64);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
    for (let v = 0; v < 256; v++) expect(bytes.includes(v)).toBe(true);
    const result = await run(['cat'], bytes);
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
    expect(result.stdout.equals(bytes)).toBe(true);
  });

  it('streams 128 MiB of stdin with backpressure (sha256 checked on the far side)', async () => {
    const total = 128 * 1024 * 1024;
    const payload = bigPayload(total);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      // The far side reads nothing until we open its gate (a file; a bounded wait, 60 s at most):
      // only backpressure keeps us from racing on. We open it once production has stopped
      // growing — a condition, not a guess at how long the far side takes to start.
      const gate = `/tmp/oneroof-gate-${randomUUID()}`;
      const running = connection.exec({
        container,
        argv: [
          'sh',
          '-c',
          'i=0; while [ ! -e "$1" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; rm -f "$1"; exec sha256sum',
          'gate',
          gate,
        ],
        stdin: payload.stream,
      });
      let producedWhileStalled = payload.produced();
      for (let stable = 0, i = 0; stable < 5 && i < 300; i++) {
        await sleep(100);
        const now = payload.produced();
        stable = now === producedWhileStalled && now > 0 ? stable + 1 : 0;
        producedWhileStalled = now;
      }
      const opened = await collect(connection.exec({ container, argv: ['touch', gate] }));
      expect(opened.end).toEqual({ kind: 'exit', code: 0 });
      const result = await collect(running);
      expect(result.stderr.toString()).toBe('');
      expect(result.end).toEqual({ kind: 'exit', code: 0 });
      expect(result.stdout.toString()).toBe(`${payload.sha256()}  -\n`);
      expect(payload.produced()).toBe(total);
      // A few windows and pipe buffers (ssh: 2 MiB window; docker: the socket), not 128 MiB.
      expect(producedWhileStalled).toBeLessThan(16 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
    // Holding the payload would take ≥ 128 MiB; streaming leaves GC lag at most.
    const grown = (peak - baseline) / 2 ** 20;
    expect(grown, `RSS grew by ${grown.toFixed(1)} MiB`).toBeLessThan(96);
  });

  it('a slow reader holds the far side back (stdout backpressure) and loses nothing', async () => {
    const total = 64 * 1024 * 1024;
    const baseline = process.memoryUsage().rss;
    const running = connection.exec({
      container,
      argv: ['sh', '-c', `head -c ${total} /dev/zero; echo done >&2`],
    });
    await sleep(1500); // nobody reads yet: the far side must be paused, not buffered here
    const paused = process.memoryUsage().rss;
    const result = await collect(running);
    expect(result.stdout.length).toBe(total);
    expect(result.stderr.toString()).toBe('done\n');
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
    const grown = (paused - baseline) / 2 ** 20;
    expect(grown, `RSS grew by ${grown.toFixed(1)} MiB while paused`).toBeLessThan(24);
  });

  it('a far side that exits without reading its stdin is reported as it exited', async () => {
    const payload = Buffer.alloc(8 * 1024 * 1024, 'x');
    const result = await run(['sh', '-c', 'echo early; exit 5'], payload);
    expect(result.stdout.toString()).toBe('early\n');
    expect(result.end).toEqual({ kind: 'exit', code: 5 });
  });

  it('staged psql: the same bytes out and exit 0', async () => {
    const result = await run(psqlArgv(PSQL_OK), PSQL_OK);
    expect(result.stderr.toString()).toBe('');
    expect(result.stdout.toString()).toBe(
      [
        'CREATE TABLE',
        'INSERT 0 2',
        ' id |  v  ',
        '----+-----',
        '  1 | one',
        '  2 | två',
        '(2 rows)',
        '',
        'oneroof-sentinel',
        '',
      ].join('\n'),
    );
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
  });

  it('staged psql: an ERROR stops the script with exit 3', async () => {
    const result = await run(psqlArgv(PSQL_ERROR), PSQL_ERROR);
    expect(result.end).toEqual({ kind: 'exit', code: 3 });
    expect(result.stdout.toString()).toBe('  step  \n--------\n before\n(1 row)\n\n');
    // `-f -` (buildPsqlInvocation): psql names the line of its input.
    expect(result.stderr.toString()).toBe('psql:<stdin>:2: ERROR:  division by zero\n');
  });

  it('staged psql: a short payload exits 124 and psql never runs', async () => {
    const table = 'oneroof_short_payload'; // the same bytes through every transport
    const sql = Buffer.from(`create table ${table} (id int);\n`);
    const announced = {
      length: sql.length + 10,
      sha256: createHash('sha256').update(sql).digest('hex'),
    };
    const result = await run(psqlArgv(sql, announced), sql);
    expect(result.end).toEqual({ kind: 'exit', code: STAGE_EXIT_INCOMPLETE });
    expect(result.stdout.length).toBe(0);
    expect(result.stderr.toString()).toBe(
      `oneroof-stage: received ${sql.length} of ${sql.length + 10} bytes; nothing was run\n`,
    );
    // The proof: the table the script would have created does not exist.
    const check = await inContainer(container, [
      'psql',
      '-X',
      '-At',
      '-U',
      testbed.user,
      '-d',
      testbed.database,
      '-c',
      `select count(*) from pg_class where relname = '${table}'`,
    ]);
    expect(check).toMatchObject({ exitCode: 0, stdout: '0\n' });
  });

  it('a process killed inside the container ends as exit 128+n (docker’s report) everywhere', async () => {
    const result = await run(['sh', '-c', 'kill -TERM $$']);
    expect(result.end).toEqual({ kind: 'exit', code: 143 });
  });

  it.runIf(viaSsh)(
    'the docker client killed on the host: ssh2 reports the signal, openssh cannot (lost)',
    async () => {
      const marker = `oneroof-sig-${kind}-${Date.now()}`;
      const stdin = new PassThrough();
      const running = connection.exec({
        container,
        argv: ['sh', '-c', 'echo started; cat > /dev/null', marker],
        stdin,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      running.stderr.on('data', (c: Buffer) => err.push(c));
      await waitFor(running.stdout, 'started', out);
      const victims = sshdDescendantsMatching(testbed.ssh.pid, 'docker', marker);
      expect(victims).toHaveLength(1);
      process.kill(victims[0]!, 'SIGKILL');
      const end = await running.done;
      stdin.end();
      const expected: ExecEnd =
        kind === 'ssh2'
          ? { kind: 'signal', signal: 'SIGKILL' }
          : { kind: 'lost', reason: expect.stringContaining('255') as string };
      expect(end).toEqual(expected);
      await expectNoLeftover(marker);
    },
  );

  it.runIf(viaSsh)('the connection lost mid-exec (sshd session killed) → lost', async () => {
    const before = new Set(sshdSessions(testbed.ssh.pid));
    const transport = await createTransport(target, { transportOverride: kind });
    const own = await transport.connect();
    try {
      const marker = `oneroof-lost-${kind}-${Date.now()}`;
      const stdin = new PassThrough();
      stdin.write('some input that never ends\n');
      const running = own.exec({
        container,
        argv: ['sh', '-c', 'echo started; cat > /dev/null', marker],
        stdin,
      });
      running.stderr.resume();
      const out: Buffer[] = [];
      await waitFor(running.stdout, 'started', out);
      const mine = sshdSessions(testbed.ssh.pid).filter((pid) => !before.has(pid));
      expect(mine.length).toBeGreaterThan(0);
      expect(killSessions(testbed.ssh.pid, mine)).toBeGreaterThan(0);
      const end = await running.done;
      stdin.end();
      expect(end.kind).toBe('lost');
      expect(Buffer.concat(out).toString()).toBe('started\n');
      await expectNoLeftover(marker);
    } finally {
      await own.close();
    }
  });

  it('after all that, the connection still serves', async () => {
    const result = await run(['echo', 'still here']);
    expect(result).toMatchObject({ end: { kind: 'exit', code: 0 } });
    expect(result.stdout.toString()).toBe('still here\n');
  });
});

describe.each(['ssh2', 'openssh'] as const)('a silent link through %s', (kind) => {
  it('is detected by keepalives (ServerAliveInterval 1, CountMax 2) → lost', async () => {
    const dir = await tempDir('oneroof-keepalive-');
    const host = {
      port: testbed.ssh.port,
      user: testbed.ssh.user,
      keys: [testbed.ssh.userKey],
      knownHosts: testbed.ssh.knownHosts,
    };
    const config = hostBlock('silent', host, ['ServerAliveInterval 1', 'ServerAliveCountMax 2']);
    const { endpoint, configFile } = await endpointFrom(dir, config, 'silent');
    expect(endpoint).toMatchObject({ serverAliveInterval: 1, serverAliveCountMax: 2 });
    const transport =
      kind === 'ssh2'
        ? new Ssh2Transport(endpoint, { hostKeyPolicy: 'strict' })
        : new OpensshTransport({
            ssh: { kind: 'alias', alias: 'silent', configFile },
            endpoint,
            hostKeyPolicy: 'strict',
          });
    const before = new Set(sshdSessions(testbed.ssh.pid));
    const connection = await transport.connect();
    let mine: number[] = [];
    try {
      const marker = `oneroof-silent-${kind}-${Date.now()}`;
      const stdin = new PassThrough();
      const running = connection.exec({
        container,
        argv: ['sh', '-c', 'echo started; cat > /dev/null', marker],
        stdin,
      });
      running.stderr.resume();
      await waitFor(running.stdout, 'started', []);
      mine = sshdSessions(testbed.ssh.pid).filter((pid) => !before.has(pid));
      // Stopped, not killed: no FIN, no RST — only keepalives can tell.
      expect(killSessions(testbed.ssh.pid, mine, 'SIGSTOP')).toBeGreaterThan(0);
      // No wall-clock bound (a timing assertion): the reason says keepalives ended it, and the
      // test's own timeout catches a run that never ends.
      const end = await running.done;
      stdin.end();
      expect(end).toEqual({
        kind: 'lost',
        reason: expect.stringMatching(kind === 'ssh2' ? /keepalive/ : /255/) as string,
      });
      if (kind === 'ssh2') {
        const again = await collect(connection.exec({ container, argv: ['true'] }));
        expect(again.end).toEqual({
          kind: 'lost',
          reason: expect.stringMatching(
            /^not connected .*keepalive.*the command was not sent$/,
          ) as string,
        });
      }
      killSessions(testbed.ssh.pid, mine, 'SIGKILL');
      await expectNoLeftover(marker);
    } finally {
      killSessions(testbed.ssh.pid, mine, 'SIGKILL');
      await connection.close();
    }
  });
});

// Its own runs through every transport: it depends on no other test having run (or its order).
describe('across transports', () => {
  const SHORT = Buffer.from('create table oneroof_short_payload (id int);\n');
  const CASES: Record<string, { argv: string[]; stdin: Buffer }> = {
    ok: { argv: psqlArgv(PSQL_OK), stdin: PSQL_OK },
    error: { argv: psqlArgv(PSQL_ERROR), stdin: PSQL_ERROR },
    short: {
      argv: psqlArgv(SHORT, {
        length: SHORT.length + 10,
        sha256: createHash('sha256').update(SHORT).digest('hex'),
      }),
      stdin: SHORT,
    },
  };
  const psqlResults = new Map<string, Map<TransportKind, Collected>>();

  beforeAll(async () => {
    for (const { kind, target } of TRANSPORTS) {
      const connection = await (
        await createTransport(target, { transportOverride: kind })
      ).connect();
      try {
        for (const [name, { argv, stdin }] of Object.entries(CASES)) {
          const map = psqlResults.get(name) ?? new Map<TransportKind, Collected>();
          map.set(kind, await collect(connection.exec({ container, argv, stdin })));
          psqlResults.set(name, map);
        }
      } finally {
        await connection.close();
      }
    }
  });

  it.each(Object.keys(CASES))('staged psql "%s": identical bytes and ends', (name) => {
    const results = psqlResults.get(name);
    expect([...(results?.keys() ?? [])]).toEqual(['ssh2', 'openssh', 'local']);
    const [first, ...rest] = [...results!.values()];
    for (const other of rest) {
      expect(other.end).toEqual(first!.end);
      expect(other.stdout.equals(first!.stdout)).toBe(true);
      expect(other.stderr.equals(first!.stderr)).toBe(true);
    }
  });
});

/** The far side's process must be gone (its stdin reached EOF when the link went). */
async function expectNoLeftover(marker: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await containerProcesses(container, marker)).length === 0) return;
    await sleep(200);
  }
  expect(await containerProcesses(container, marker)).toEqual([]);
}
