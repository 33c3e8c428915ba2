/**
 * Every file oneroof is given is bounded: regular files only (a FIFO, /dev/zero, a directory,
 * a socket is refused at once, naming the file), a size cap per kind for what is read whole,
 * and a line cap for logs that are streamed — refused in flat memory. A YAML alias bomb or a
 * nesting bomb is a usage error (exit 2), never an "unexpected failure".
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayLog } from '../../src/audit/replay.js';
import {
  IDENTITY_FILE,
  INVENTORY_FILE,
  KNOWN_HOSTS_FILE,
  PACKET_FILE,
  readCheckedAsync,
} from '../../src/bounded-file.js';
import { OneroofError } from '../../src/errors.js';
import { resolveEndpoint } from '../../src/inventory/endpoint.js';
import { loadInventory } from '../../src/inventory/load.js';
import { bundlePacket } from '../../src/packet/bundle.js';
import { hashPacket } from '../../src/packet/manifest.js';
import { loadKnownHosts } from '../../src/ssh/known-hosts.js';
import type { ResolvedSsh } from '../../src/ssh/resolve.js';
import { planAuth } from '../../src/transport/ssh2-auth.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
let fifo: string;
let socket: string;
let server: Server;
const big = (name: string, bytes: number) => {
  const file = join(dir, name);
  writeFileSync(file, '');
  truncateSync(file, bytes); // sparse: megabytes of NUL without using the disk
  return file;
};

beforeAll(async () => {
  dir = await tempDir('oneroof-bounds-');
  fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  socket = join(dir, 'socket');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  symlinkSync('/dev/zero', join(dir, 'to-zero'));
  writeFileSync(join(dir, 'small'), 'hello\n');
  symlinkSync(join(dir, 'small'), join(dir, 'to-small'));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The refusal: a OneroofError with its exit code, naming the file. */
async function refusal(promise: Promise<unknown>, file: string, exit = 2): Promise<string> {
  const error = await promise.then(
    () => expect.unreachable('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OneroofError);
  expect((error as OneroofError).exitCode, (error as Error).message).toBe(exit);
  expect((error as Error).message).toContain(file);
  return (error as Error).message;
}

describe('hostile input-bounds: what is not a regular file', () => {
  const cases: [string, () => string, RegExp][] = [
    ['/dev/zero', () => '/dev/zero', /got a character device/],
    ['a FIFO', () => fifo, /got a FIFO/],
    ['a directory', () => dir, /got a directory/],
    ['a socket', () => socket, /got a socket/],
    ['a symlink to /dev/zero', () => join(dir, 'to-zero'), /got a character device/],
  ];
  it.each(cases)('hostile input-bounds: %s is refused at once', async (_name, path, got) => {
    const message = await refusal(readCheckedAsync(path(), IDENTITY_FILE), path());
    expect(message).toMatch(got);
    expect(message).toContain(`expected a regular file of at most ${64 * 1024} bytes`);
  });

  it('hostile input-bounds: /dev/null, named as such, reads as empty (ssh’s “none”)', async () => {
    expect((await readCheckedAsync('/dev/null', KNOWN_HOSTS_FILE)).length).toBe(0);
  });

  it('hostile input-bounds: a symlink to a regular file is read (its target checked)', async () => {
    expect((await readCheckedAsync(join(dir, 'to-small'), IDENTITY_FILE)).toString()).toBe(
      'hello\n',
    );
  });
});

describe('hostile input-bounds: size caps per kind', () => {
  it.each([
    ['identity file', IDENTITY_FILE],
    ['inventory file', INVENTORY_FILE],
    ['known_hosts file', KNOWN_HOSTS_FILE],
    ['packet file', PACKET_FILE],
  ] as const)('hostile input-bounds: a %s one byte over its cap', async (_name, kind) => {
    const file = big(`over-${kind.what}`, kind.maxBytes! + 1);
    expect(await refusal(readCheckedAsync(file, kind), file)).toContain(
      `got ${kind.maxBytes! + 1} bytes`,
    );
    const fits = big(`at-${kind.what}`, kind.maxBytes!);
    expect((await readCheckedAsync(fits, kind)).length).toBe(kind.maxBytes);
  });
});

function endpoint(identityFiles: string[]): ResolvedSsh {
  return {
    alias: 'x',
    hostname: '127.0.0.1',
    port: 22,
    user: 'u',
    identityFiles,
    identitiesOnly: true,
    identityAgent: 'none',
  } as unknown as ResolvedSsh;
}

describe('hostile input-bounds: each kind of input', () => {
  it('hostile input-bounds: an identity file of 5 MB is refused, exit 2', async () => {
    const key = big('id_big', 5 * 1024 * 1024);
    await refusal(planAuth(endpoint([key]), {}, undefined), key);
  });
  it('hostile input-bounds: /dev/zero as an identity file is refused, exit 2', async () => {
    await refusal(planAuth(endpoint(['/dev/zero']), {}, undefined), '/dev/zero');
  });
  it('hostile input-bounds: a FIFO as an identity file does not hang', async () => {
    await refusal(planAuth(endpoint([fifo]), {}, undefined), fifo);
  });
  it('hostile input-bounds: a FIFO beside the key as its .pub does not hang', async () => {
    const key = join(dir, 'enc');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pw', '-f', key]);
    execFileSync('rm', [`${key}.pub`]);
    execFileSync('mkfifo', [`${key}.pub`]);
    await refusal(planAuth(endpoint([key]), {}, undefined), `${key}.pub`);
  });
  it('hostile input-bounds: /dev/zero as known_hosts is refused, exit 2', async () => {
    await refusal(loadKnownHosts(['/dev/zero']), '/dev/zero');
  });
  it('hostile input-bounds: a 17 MB known_hosts is refused, exit 2', async () => {
    const file = big('known_hosts', 17 * 1024 * 1024);
    await refusal(loadKnownHosts([file]), file);
  });

  const inventory = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  it('hostile input-bounds: /dev/zero as the inventory, exit 2', async () => {
    await refusal(loadInventory('/dev/zero'), '/dev/zero');
  });
  it('hostile input-bounds: a FIFO as the inventory, exit 2', async () => {
    await refusal(loadInventory(fifo), fifo);
  });
  it('hostile input-bounds: a 2 MB inventory, exit 2', async () => {
    const file = inventory('big.yml', `# ${'x'.repeat(2 * 1024 * 1024)}\ntargets: {}\n`);
    await refusal(loadInventory(file), file);
  });
  it('hostile input-bounds: a YAML alias bomb (billion laughs), exit 2', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const [self, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      lines.push(`${self}: &${self} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const file = inventory('bomb.yml', `${lines.join('\n')}\ntargets: {}\n`);
    expect(await refusal(loadInventory(file), file)).toMatch(/alias/i);
  });
  it('hostile input-bounds: YAML nested 100 000 deep, exit 2', async () => {
    const file = inventory('deep.yml', `targets: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    await refusal(loadInventory(file), file);
  });
  it('hostile input-bounds: a FIFO as a target’s ssh_config, exit 2', async () => {
    const file = inventory(
      'cfg.yml',
      `targets:\n  t:\n    ssh: somehost\n    ssh_config: ${fifo}\n    container: c\n    database: d\n    user: u\n`,
    );
    const loaded = await loadInventory(file);
    await refusal(resolveEndpoint(loaded.targets.get('t')!), fifo);
  });

  it('hostile input-bounds: a FIFO included by a packet file does not hang', async () => {
    const root = join(dir, 'packet');
    execFileSync('mkdir', ['-p', root]);
    writeFileSync(join(root, 'main.sql'), '\\ir pipe.sql\n');
    execFileSync('mkfifo', [join(root, 'pipe.sql')]);
    await expect(bundlePacket({ root, entry: 'main.sql' })).rejects.toThrow(/FIFO/);
  });
  it('hostile input-bounds: a 17 MB packet file is refused by the manifest, exit 2', async () => {
    const root = join(dir, 'packet-big');
    execFileSync('mkdir', ['-p', root]);
    truncateSync((writeFileSync(join(root, 'big.sql'), ''), join(root, 'big.sql')), 17 << 20);
    await refusal(hashPacket(root), 'big.sql');
  });
});

describe('hostile input-bounds: replayed logs', () => {
  it.each([
    ['/dev/zero', () => '/dev/zero'],
    ['a FIFO', () => fifo],
    ['a directory', () => dir],
  ])('hostile input-bounds: %s as LOGFILE, exit 2', async (_name, path) => {
    await refusal(replayLog({ path: path() }), path());
  });
  it('hostile input-bounds: a hand-made log with a 500 MB line, exit 5 in flat memory', async () => {
    const log = big('rollout_20261125T000000Z.log', 500 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const message = await refusal(replayLog({ path: log }), log, 5);
    expect(message).toContain(`${log}:1: a line longer than ${16 * 1024 * 1024} bytes`);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });
  it('hostile input-bounds: a records file with a 20 MB line, exit 5', async () => {
    writeFileSync(join(dir, 'run.log'), '');
    const records = big('run.jsonl', 20 * 1024 * 1024);
    expect(await refusal(replayLog({ path: records }), records, 5)).toMatch(/:1: a line longer/);
  });
  it('hostile input-bounds: a FIFO as the records beside a log, exit 2', async () => {
    writeFileSync(join(dir, 'piped.log'), '');
    execFileSync('mkfifo', [join(dir, 'piped.jsonl')]);
    await refusal(replayLog({ path: join(dir, 'piped.log') }), 'piped.jsonl');
  });
});
