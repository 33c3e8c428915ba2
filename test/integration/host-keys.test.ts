/**
 * Host keys, user keys and ProxyJump against the real loopback sshd. A refused host must run
 * nothing on the far side: every attempt would create a marker file in the replica container,
 * and the test looks for it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import type { ResolvedEndpoint } from '../../src/inventory/endpoint.js';
import { loadInventory } from '../../src/inventory/load.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';
import { createTransport } from '../../src/transport/index.js';
import { OpensshTransport } from '../../src/transport/openssh.js';
import { Ssh2Transport, type Ssh2TransportOptions } from '../../src/transport/ssh2.js';
import type { Connection, Transport } from '../../src/transport/types.js';
import { tempDir } from '../helpers/tmp.js';
import {
  collect,
  endpointFrom,
  hostBlock,
  inContainer,
  sshdSessions,
  type TestHost,
} from '../helpers/transport.js';

const testbed = inject('testbed');
const { port, user } = testbed.ssh;
const container = testbed.container;
const hostKeyBlob = Buffer.from(testbed.ssh.hostKeyPub.split(' ')[1]!, 'base64');
const hostFingerprint = fingerprintSha256(hostKeyBlob);
const goodLine = `[127.0.0.1]:${port} ${testbed.ssh.hostKeyPub}`;

let dir: string;
let forgedPub: string;
beforeAll(async () => {
  dir = await tempDir('oneroof-hostkeys-');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'forged')]);
  forgedPub = (await readFile(join(dir, 'forged.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
});

let serial = 0;
/** A fresh known_hosts file with these lines, and an ssh_config alias that uses it. */
async function setup(
  lines: string[],
  host: Partial<TestHost> = {},
  extra: string[] = [],
): Promise<{ endpoint: ResolvedEndpoint; configFile: string; alias: string; knownHosts: string }> {
  const n = ++serial;
  const knownHosts = join(dir, `known_hosts.${n}`);
  await writeFile(knownHosts, lines.map((l) => `${l}\n`).join(''));
  const alias = `target-${n}`;
  const config = hostBlock(
    alias,
    { port, user, keys: [testbed.ssh.userKey], knownHosts, ...host },
    extra,
  );
  const { endpoint, configFile } = await endpointFrom(dir, config, alias);
  return { endpoint, configFile, alias, knownHosts };
}

type Kind = 'ssh2' | 'openssh';

function transportOf(
  kind: Kind,
  s: { endpoint: ResolvedEndpoint; configFile: string; alias: string },
  policy: 'strict' | 'accept-new' = 'strict',
  extra: Partial<Ssh2TransportOptions> = {},
): Transport {
  return kind === 'ssh2'
    ? new Ssh2Transport(s.endpoint, {
        hostKeyPolicy: policy,
        sshConfigFile: s.configFile,
        ...extra,
      })
    : new OpensshTransport({
        ssh: { kind: 'alias', alias: s.alias, configFile: s.configFile },
        endpoint: s.endpoint,
        hostKeyPolicy: policy,
      });
}

/** Connects and runs `touch MARKER` in the container; returns the refusal, if any. */
async function attempt(transport: Transport, marker: string): Promise<OneroofError | undefined> {
  let connection: Connection;
  try {
    connection = await transport.connect();
  } catch (error) {
    if (error instanceof OneroofError) return error;
    throw error;
  }
  try {
    const result = await collect(connection.exec({ container, argv: ['touch', `/tmp/${marker}`] }));
    expect(result.end).toEqual({ kind: 'exit', code: 0 });
    return undefined;
  } finally {
    await connection.close();
  }
}

async function markerExists(marker: string): Promise<boolean> {
  const { exitCode } = await inContainer(container, ['test', '-e', `/tmp/${marker}`]);
  return exitCode === 0;
}

function newMarker(name: string): string {
  return `oneroof-hk-${name}-${process.pid}-${++serial}`;
}

describe.each(['ssh2', 'openssh'] as const)('host keys through %s', (kind) => {
  it('a pinned key connects and runs', async () => {
    const s = await setup([goodLine]);
    const marker = newMarker('pinned');
    expect(await attempt(transportOf(kind, s), marker)).toBeUndefined();
    expect(await markerExists(marker)).toBe(true);
  });

  it('an unknown host is refused and nothing runs', async () => {
    const s = await setup([]);
    const marker = newMarker('unknown');
    const error = await attempt(transportOf(kind, s), marker);
    expect(error).toBeInstanceOf(OneroofError);
    if (kind === 'ssh2') {
      expect(error!.message).toMatch(/not in known_hosts/);
      expect(error!.message).toContain(hostFingerprint);
      expect(error!.message).toContain(`[127.0.0.1]:${port}`);
    } else {
      expect(error!.message).toMatch(/Host key verification failed/);
    }
    expect(error!.hint).toMatch(/accept-new/);
    expect(await markerExists(marker)).toBe(false);
  });

  it('accept-new records an unknown host key and runs', async () => {
    const s = await setup([]);
    const marker = newMarker('accept');
    const accepted: unknown[] = [];
    const transport = transportOf(kind, s, 'accept-new', {
      onHostKeyAccepted: (event) => accepted.push(event),
    });
    expect(await attempt(transport, marker)).toBeUndefined();
    expect(await markerExists(marker)).toBe(true);
    expect(await readFile(s.knownHosts, 'utf8')).toBe(`${goodLine}\n`);
    if (kind === 'ssh2')
      expect(accepted).toEqual([
        {
          name: `[127.0.0.1]:${port}`,
          type: 'ssh-ed25519',
          fingerprint: hostFingerprint,
          file: s.knownHosts,
          line: 1,
        },
      ]);
    // Now known: strict accepts it.
    expect(await attempt(transportOf(kind, s), newMarker('accepted-strict'))).toBeUndefined();
  });

  it('a changed key is refused, showing both fingerprints, and nothing runs', async () => {
    const s = await setup([`[127.0.0.1]:${port} ${forgedPub}`]);
    const marker = newMarker('changed');
    for (const policy of ['strict', 'accept-new'] as const) {
      const error = await attempt(transportOf(kind, s, policy), marker);
      expect(error).toBeInstanceOf(OneroofError);
      const forgedPrint = fingerprintSha256(Buffer.from(forgedPub.split(' ')[1]!, 'base64'));
      expect(error!.message).toContain(hostFingerprint); // offered
      expect(error!.message).toContain(forgedPrint); // known
      expect(error!.message).toContain(`${s.knownHosts}:1`);
      expect(error!.message).toMatch(kind === 'ssh2' ? /CHANGED/ : /HAS CHANGED/);
    }
    expect(await readFile(s.knownHosts, 'utf8')).toBe(`[127.0.0.1]:${port} ${forgedPub}\n`);
    expect(await markerExists(marker)).toBe(false);
  });

  it('a @revoked key is refused even when also listed as good', async () => {
    const s = await setup([goodLine, `@revoked [127.0.0.1]:${port} ${testbed.ssh.hostKeyPub}`]);
    const marker = newMarker('revoked');
    const error = await attempt(transportOf(kind, s), marker);
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.message).toMatch(/REVOKED/);
    if (kind === 'ssh2') expect(error!.message).toContain(`${s.knownHosts}:2`);
    expect(await markerExists(marker)).toBe(false);
  });

  it('a hashed entry (ssh-keygen -H) is accepted', async () => {
    const s = await setup([goodLine]);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', s.knownHosts], { stdio: 'ignore' });
    const hashed = await readFile(s.knownHosts, 'utf8');
    expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    expect(hashed).not.toContain('127.0.0.1');
    const marker = newMarker('hashed');
    expect(await attempt(transportOf(kind, s), marker)).toBeUndefined();
    expect(await markerExists(marker)).toBe(true);
  });

  it('non-default port: an entry for another port is "unknown"', async () => {
    const s = await setup([
      `[127.0.0.1]:${port + 1} ${testbed.ssh.hostKeyPub}`,
      `[127.0.0.1]:22 ${testbed.ssh.hostKeyPub}`,
      `[localhost]:${port} ${testbed.ssh.hostKeyPub}`,
    ]);
    const marker = newMarker('port');
    const error = await attempt(transportOf(kind, s), marker);
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.message).toMatch(
      kind === 'ssh2' ? /not in known_hosts/ : /Host key verification failed/,
    );
    expect(await markerExists(marker)).toBe(false);
  });

  it('non-default port: the same key recorded without a port is accepted (as OpenSSH does)', async () => {
    const s = await setup([`127.0.0.1 ${testbed.ssh.hostKeyPub}`]);
    const notices: string[] = [];
    const marker = newMarker('portless');
    expect(
      await attempt(transportOf(kind, s, 'strict', { onNotice: (m) => notices.push(m) }), marker),
    ).toBeUndefined();
    expect(await markerExists(marker)).toBe(true);
    if (kind === 'ssh2') expect(notices.join('\n')).toMatch(/without a port .*:1\); accepted/);
    // A different key recorded without a port leaves the host unknown (not "changed").
    const other = await setup([`127.0.0.1 ${forgedPub}`]);
    const error = await attempt(transportOf(kind, other), newMarker('portless-other'));
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.message).toMatch(
      kind === 'ssh2' ? /not in known_hosts/ : /Host key verification failed/,
    );
  });

  it("the inventory's known_hosts overrides ssh_config's", async () => {
    const inventory = await loadInventory(testbed.inventory);
    const target = inventory.targets.get(testbed.ssh.alias)!;
    const empty = join(dir, `known_hosts.override-empty.${kind}`);
    await writeFile(empty, '');
    const refused = await attempt(
      await createTransport({ ...target, knownHosts: [empty] }, { transportOverride: kind }),
      newMarker('override'),
    );
    expect(refused).toBeInstanceOf(OneroofError);
    const good = join(dir, `known_hosts.override-good.${kind}`);
    await writeFile(good, `${goodLine}\n`);
    const marker = newMarker('override-good');
    expect(
      await attempt(
        await createTransport(
          { ...target, knownHosts: [empty, good] },
          { transportOverride: kind },
        ),
        marker,
      ),
    ).toBeUndefined();
    expect(await markerExists(marker)).toBe(true);
  });
});

describe('user keys (ssh2)', () => {
  const encrypted = testbed.ssh.encryptedUserKey;
  const passphrase = testbed.ssh.passphrase;

  it('an encrypted key connects with the passphrase asked for', async () => {
    const s = await setup([goodLine], { keys: [encrypted] });
    const asked: string[] = [];
    const transport = new Ssh2Transport(s.endpoint, {
      hostKeyPolicy: 'strict',
      askPassphrase: (path) => {
        asked.push(path);
        return Promise.resolve(passphrase);
      },
    });
    const marker = newMarker('encrypted');
    expect(await attempt(transport, marker)).toBeUndefined();
    expect(asked).toEqual([encrypted]);
    expect(await markerExists(marker)).toBe(true);
  });

  it('without a way to ask, an encrypted key alone is a clear refusal before connecting', async () => {
    const s = await setup([goodLine], { keys: [encrypted] });
    const before = sshdSessions(testbed.ssh.pid).length;
    const error = await attempt(new Ssh2Transport(s.endpoint, { hostKeyPolicy: 'strict' }), 'x');
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.kind).toBe('config');
    expect(error!.message).toContain(encrypted);
    expect(error!.message).toMatch(/encrypted/);
    expect(error!.hint).toMatch(/ssh-add/);
    expect(`${error!.message} ${error!.hint}`).not.toContain(passphrase);
    expect(sshdSessions(testbed.ssh.pid).length).toBeLessThanOrEqual(before);
  });

  it('a wrong passphrase is asked 3 times, then refused; no passphrase in any message', async () => {
    const s = await setup([goodLine], { keys: [encrypted] });
    const wrong = `wrong-${passphrase}-x`;
    let asked = 0;
    const notices: string[] = [];
    const error = await attempt(
      new Ssh2Transport(s.endpoint, {
        hostKeyPolicy: 'strict',
        askPassphrase: () => {
          asked++;
          return Promise.resolve(wrong);
        },
        onNotice: (m) => notices.push(m),
      }),
      'x',
    );
    expect(asked).toBe(3);
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.message).toMatch(/wrong passphrase/);
    const everything = [error!.message, error!.hint ?? '', String(error!.cause), ...notices].join(
      '\n',
    );
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(passphrase);
  });

  it('an encrypted key is skipped with a notice when another key remains', async () => {
    const s = await setup([goodLine], { keys: [encrypted, testbed.ssh.userKey] });
    const notices: string[] = [];
    const marker = newMarker('skip-encrypted');
    const transport = new Ssh2Transport(s.endpoint, {
      hostKeyPolicy: 'strict',
      onNotice: (m) => notices.push(m),
    });
    expect(await attempt(transport, marker)).toBeUndefined();
    expect(notices.join('\n')).toMatch(new RegExp(`${encrypted}: encrypted`));
    expect(await markerExists(marker)).toBe(true);
  });

  describe('with ssh-agent', () => {
    let agentPid: number | undefined;
    let socket: string;

    beforeAll(async () => {
      socket = join(dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      agentPid = agent.pid;
      for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(50);
      // ssh-add reads the passphrase from an askpass program (no TTY here).
      const askpass = join(dir, 'askpass.sh');
      await writeFile(askpass, '#!/bin/sh\nprintf "%s\\n" "$ONEROOF_TEST_PASSPHRASE"\n');
      await chmod(askpass, 0o700);
      execFileSync('ssh-add', ['-q', encrypted], {
        env: {
          ...process.env,
          SSH_AUTH_SOCK: socket,
          SSH_ASKPASS: askpass,
          SSH_ASKPASS_REQUIRE: 'force',
          DISPLAY: ':0',
          ONEROOF_TEST_PASSPHRASE: passphrase,
        },
        stdio: 'ignore',
      });
    });
    afterAll(() => {
      if (agentPid !== undefined) process.kill(agentPid, 'SIGTERM');
    });

    it('the agent holds the encrypted key: no passphrase is asked', async () => {
      const s = await setup([goodLine], { keys: [encrypted], agent: socket });
      const marker = newMarker('agent');
      const transport = new Ssh2Transport(s.endpoint, {
        hostKeyPolicy: 'strict',
        askPassphrase: () => Promise.reject(new Error('must not be asked')),
      });
      expect(await attempt(transport, marker)).toBeUndefined();
      expect(await markerExists(marker)).toBe(true);
    });

    it('IdentitiesOnly: the agent offers only the identity files’ keys', async () => {
      const s = await setup([goodLine], { keys: [join(dir, 'no-such-key')], agent: socket });
      const error = await attempt(new Ssh2Transport(s.endpoint, { hostKeyPolicy: 'strict' }), 'x');
      expect(error).toBeInstanceOf(OneroofError);
      expect(error!.message).toMatch(/holds none of the identity files/);
      const open = await setup([goodLine], {
        keys: [join(dir, 'no-such-key')],
        agent: socket,
        identitiesOnly: false,
      });
      const marker = newMarker('agent-any');
      expect(
        await attempt(new Ssh2Transport(open.endpoint, { hostKeyPolicy: 'strict' }), marker),
      ).toBeUndefined();
      expect(await markerExists(marker)).toBe(true);
    });
  });
});

describe('ProxyJump', () => {
  /** An ssh_config with hops and targets, all the testbed sshd (AllowTcpForwarding yes). */
  async function jumpSetup(
    alias: string,
    lines: string[] = [goodLine],
  ): Promise<{ endpoint: ResolvedEndpoint; configFile: string; alias: string }> {
    const knownHosts = join(dir, `known_hosts.jump.${++serial}`);
    await writeFile(knownHosts, lines.map((l) => `${l}\n`).join(''));
    const host: TestHost = { port, user, keys: [testbed.ssh.userKey], knownHosts };
    const config = [
      hostBlock('hop', host),
      hostBlock('hop-unknown', host, ['HostKeyAlias oneroof-unknown-hop']),
      hostBlock('through-hop', host, ['ProxyJump hop']),
      hostBlock('through-two-hops', host, ['ProxyJump hop,hop']),
      hostBlock('through-inline', host, [`ProxyJump ${user}@localhost:${port}`]),
      hostBlock('through-unknown-hop', host, ['ProxyJump hop-unknown']),
      hostBlock('through-command', host, ['ProxyCommand nc %h %p']),
      // For the inline hop: `ssh -G -l USER -p PORT localhost` matches this block.
      [
        'Host localhost',
        `  IdentityFile ${testbed.ssh.userKey}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '',
      ].join('\n'),
    ].join('\n');
    return { ...(await endpointFrom(dir, config, alias)), alias };
  }

  it.each([
    ['through-hop', 1, '127.0.0.1'],
    ['through-two-hops', 2, '127.0.0.1'],
    ['through-inline', 1, 'localhost'],
  ] as const)('ssh2 %s: every hop verified and listed', async (alias, hops, hopHost) => {
    const s = await jumpSetup(alias, [goodLine, `[localhost]:${port} ${testbed.ssh.hostKeyPub}`]);
    const before = new Set(sshdSessions(testbed.ssh.pid));
    const connection = await new Ssh2Transport(s.endpoint, {
      hostKeyPolicy: 'strict',
      sshConfigFile: s.configFile,
    }).connect();
    try {
      // One sshd session per hop plus the target's: the hops were really used.
      const mine = sshdSessions(testbed.ssh.pid).filter((p) => !before.has(p));
      expect(mine).toHaveLength(hops + 1);
      expect(connection.peer).toEqual({
        transport: 'ssh2',
        host: '127.0.0.1',
        port,
        user,
        hostKeyFingerprint: hostFingerprint,
        jumps: Array.from({ length: hops }, () => ({
          host: hopHost,
          port,
          hostKeyFingerprint: hostFingerprint,
        })),
      });
      const result = await collect(connection.exec({ container, argv: ['echo', 'jumped'] }));
      expect(result.stdout.toString()).toBe('jumped\n');
      expect(result.end).toEqual({ kind: 'exit', code: 0 });
    } finally {
      await connection.close();
    }
  });

  it('openssh through-hop runs the same command', async () => {
    const s = await jumpSetup('through-hop');
    const marker = newMarker('openssh-jump');
    expect(await attempt(transportOf('openssh', s), marker)).toBeUndefined();
    expect(await markerExists(marker)).toBe(true);
  });

  it.each(['ssh2', 'openssh'] as const)(
    '%s: a hop with an unknown host key is refused and nothing runs',
    async (kind) => {
      const s = await jumpSetup('through-unknown-hop');
      const marker = newMarker(`jump-unknown-${kind}`);
      const error = await attempt(transportOf(kind, s), marker);
      expect(error).toBeInstanceOf(OneroofError);
      if (kind === 'ssh2')
        expect(error!.message).toMatch(/host oneroof-unknown-hop is not in known_hosts/);
      expect(await markerExists(marker)).toBe(false);
    },
  );

  it('ssh2: a hop with a changed key is refused', async () => {
    const s = await jumpSetup('through-hop', [`[127.0.0.1]:${port} ${forgedPub}`]);
    const error = await attempt(transportOf('ssh2', s), 'x');
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.message).toMatch(/CHANGED/);
  });

  it('ssh2 refuses a ProxyCommand, pointing to --transport openssh', async () => {
    const s = await jumpSetup('through-command');
    const error = await attempt(transportOf('ssh2', s), 'x');
    expect(error).toBeInstanceOf(OneroofError);
    expect(error!.message).toMatch(/ProxyCommand/);
    expect(error!.hint).toMatch(/--transport openssh/);
  });
});
