import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { resolveSshTarget, SshResolveError } from '../../src/ssh/resolve.js';
import { buildSshGArgs, parseSshG } from '../../src/ssh/ssh-g.js';

// Recorded from OpenSSH_9.2p1 `ssh -G -F cfg contabo-replica` (unrelated lines trimmed), with
// cfg: HostName 127.0.0.1, Port 2222, User root, IdentityFile ~/x and ~/.ssh/id_%h,
// UserKnownHostsFile /tmp/kh ~/.ssh/kh2, ProxyJump bastion, StrictHostKeyChecking accept-new,
// ServerAliveInterval 20, ConnectTimeout 7, HostKeyAlias replica, IdentitiesOnly yes,
// IdentityAgent none, BatchMode yes.
const RECORDED = `host contabo-replica
user root
hostname 127.0.0.1
port 2222
addressfamily any
batchmode yes
hashknownhosts no
identitiesonly yes
stricthostkeychecking accept-new
connectionattempts 1
serveralivecountmax 3
serveraliveinterval 20
hostkeyalgorithms ssh-ed25519-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256
hostkeyalias replica
identityagent none
identityfile ~/x
identityfile ~/.ssh/id_%h
canonicaldomains none
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile /tmp/kh /root/.ssh/kh2
connecttimeout 7
escapechar ~
proxyjump bastion
`;

// Defaults as printed for a host with no config at all (ssh -G -F /dev/null foo).
const DEFAULTS = `host foo
user alice
hostname foo
port 22
batchmode no
identitiesonly no
stricthostkeychecking false
serveralivecountmax 3
serveraliveinterval 0
identityfile ~/.ssh/id_rsa
identityfile ~/.ssh/id_ed25519
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile ~/.ssh/known_hosts ~/.ssh/known_hosts2
connecttimeout none
proxycommand nc %h %p
`;

describe('parseSshG', () => {
  it('parses a recorded ssh -G output', () => {
    expect(parseSshG(RECORDED, '/home/tester')).toEqual({
      alias: 'contabo-replica',
      hostname: '127.0.0.1',
      port: 2222,
      user: 'root',
      identityFiles: ['/home/tester/x', '/home/tester/.ssh/id_127.0.0.1'],
      identitiesOnly: true,
      identityAgent: 'none',
      userKnownHostsFiles: ['/tmp/kh', '/root/.ssh/kh2'],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      strictHostKeyChecking: 'accept-new',
      hostKeyAlias: 'replica',
      proxyJump: 'bastion',
      serverAliveInterval: 20,
      serverAliveCountMax: 3,
      connectTimeout: 7,
      batchMode: true,
    });
  });

  it('normalises defaults: false→no, none→absent, ~ expanded', () => {
    const r = parseSshG(DEFAULTS, '/home/alice');
    expect(r.strictHostKeyChecking).toBe('no');
    expect(r.connectTimeout).toBeUndefined();
    expect(r.proxyJump).toBeUndefined();
    expect(r.identityAgent).toBeUndefined();
    expect(r.hostKeyAlias).toBeUndefined();
    expect(r.proxyCommand).toBe('nc %h %p');
    expect(r.identitiesOnly).toBe(false);
    expect(r.batchMode).toBe(false);
    expect(r.identityFiles).toEqual(['/home/alice/.ssh/id_rsa', '/home/alice/.ssh/id_ed25519']);
    expect(r.userKnownHostsFiles).toEqual([
      '/home/alice/.ssh/known_hosts',
      '/home/alice/.ssh/known_hosts2',
    ]);
    expect(parseSshG(DEFAULTS.replace('false', 'true'), '/h').strictHostKeyChecking).toBe('yes');
  });

  it('expands the % tokens OpenSSH leaves in identityfile', () => {
    const out = RECORDED.replace('identityfile ~/x', 'identityfile %d/k_%r@%h:%p_%u_%n_100%%');
    const r = parseSshG(out, '/home/t', { localUser: 'me' });
    expect(r.identityFiles[0]).toBe('/home/t/k_root@127.0.0.1:2222_me_contabo-replica_100%');
  });

  it('rejects output without hostname or with an unknown stricthostkeychecking', () => {
    expect(() => parseSshG('port 22\n', '/h')).toThrow(SshResolveError);
    expect(() => parseSshG(RECORDED.replace('accept-new', 'maybe'), '/h')).toThrow(
      /stricthostkeychecking/,
    );
  });
});

describe('resolveSshTarget', () => {
  let dir: string;
  let cfg: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oneroof-sshg-'));
    cfg = join(dir, 'config');
    writeFileSync(
      cfg,
      'Host contabo-replica\n  HostName 127.0.0.1\n  Port 2222\n  User root\n  IdentityFile ~/x\n  UserKnownHostsFile /tmp/kh\n',
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves an alias through the real ssh -G without connecting', async () => {
    const r = await resolveSshTarget('contabo-replica', { configFile: cfg });
    expect(r).toMatchObject({
      alias: 'contabo-replica',
      hostname: '127.0.0.1',
      port: 2222,
      user: 'root',
    });
    expect(r.userKnownHostsFiles).toEqual(['/tmp/kh']);
    expect(r.identityFiles).toEqual([join(userInfo().homedir, 'x')]);
    expect(r.strictHostKeyChecking).toBe('ask');
  });

  it('applies overrides as -l/-p/-i', async () => {
    // ssh drops an -i file that does not exist (with a warning), so give it a real one.
    const id = join(dir, 'id_test');
    writeFileSync(id, '');
    const r = await resolveSshTarget('contabo-replica', {
      configFile: cfg,
      overrides: { user: 'deploy', port: 2200, identityFile: id },
    });
    expect(r).toMatchObject({ user: 'deploy', port: 2200 });
    expect(r.identityFiles).toEqual([id, join(userInfo().homedir, 'x')]);
  });

  it('refuses hostile aliases and overrides without running ssh', async () => {
    // A binary that does not exist would give ssh-missing if anything were run.
    for (const alias of ['-oProxyCommand=x', 'a b', '', 'a\nb', 'x;rm']) {
      await expect(
        resolveSshTarget(alias, { sshBinary: '/nonexistent/ssh' }),
      ).rejects.toMatchObject({ code: 'bad-alias' });
    }
    await expect(
      resolveSshTarget('ok', {
        sshBinary: '/nonexistent/ssh',
        overrides: { user: '-oProxyCommand=x' },
      }),
    ).rejects.toMatchObject({ code: 'bad-override' });
    await expect(
      resolveSshTarget('ok', { sshBinary: '/nonexistent/ssh', overrides: { port: 70000 } }),
    ).rejects.toMatchObject({
      code: 'bad-override',
    });
    expect(buildSshGArgs('h', { configFile: '/c', overrides: { port: 2 } })).toEqual([
      '-G',
      '-F',
      '/c',
      '-p',
      '2',
      'h',
    ]);
  });

  it('says OpenSSH is needed when ssh is missing', async () => {
    const err: unknown = await resolveSshTarget('contabo-replica', {
      sshBinary: '/nonexistent/ssh',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshResolveError);
    expect((err as SshResolveError).code).toBe('ssh-missing');
    expect((err as Error).message).toMatch(/OpenSSH/);
  });

  it('includes ssh stderr when ssh -G fails', async () => {
    const err: unknown = await resolveSshTarget('contabo-replica', {
      configFile: join(dir, 'nope'),
    }).catch((e: unknown) => e);
    expect((err as SshResolveError).code).toBe('ssh-failed');
    expect((err as Error).message).toMatch(/Can't open user config file/);
    expect((err as SshResolveError).detail).toMatch(/nope/);
  });
});
