/**
 * A throwaway OpenSSH server on loopback for the tests: its own host key, an authorized user
 * key, a known_hosts file that pins the host key, and an ssh_config with the alias
 * `contabo-replica`, so alias resolution and host key checking are exercised for real.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const SSH_ALIAS = 'contabo-replica';

export interface SshdHandle {
  dir: string;
  port: number;
  pid: number;
  user: string;
  userKey: string;
  /** An ed25519 user key encrypted with `passphrase` (also in authorized_keys). */
  encryptedUserKey: string;
  passphrase: string;
  hostKeyPub: string;
  knownHosts: string;
  sshConfig: string;
  process: ChildProcess;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function sshdBinary(): string {
  for (const candidate of ['/usr/sbin/sshd', '/usr/local/sbin/sshd'])
    if (existsSync(candidate)) return candidate;
  return 'sshd';
}

export async function startSshd(dir: string): Promise<SshdHandle> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir('/run/sshd', { recursive: true }).catch(() => undefined); // sshd's privilege-separation dir
  const hostKey = join(dir, 'hostkey');
  const userKey = join(dir, 'userkey');
  for (const key of [hostKey, userKey])
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'oneroof-testbed',
      '-f',
      key,
    ]);
  const encryptedUserKey = join(dir, 'userkey-encrypted');
  const passphrase = `pp-${randomBytes(12).toString('hex')}`;
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    passphrase,
    '-C',
    'oneroof-testbed-encrypted',
    '-f',
    encryptedUserKey,
  ]);
  await writeFile(
    join(dir, 'authorized_keys'),
    Buffer.concat([await readFile(`${userKey}.pub`), await readFile(`${encryptedUserKey}.pub`)]),
    { mode: 0o600 },
  );
  const port = await freePort();
  const user = userInfo().username;
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const hostKeyPub = (await readFile(`${hostKey}.pub`, 'utf8'))
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKeyPub}\n`);
  const sshConfig = join(dir, 'ssh_config');
  await writeFile(
    sshConfig,
    [
      `Host ${SSH_ALIAS}`,
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${user}`,
      `  IdentityFile ${userKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'),
  );
  // -D: stay in the foreground, so this process is sshd itself and its pid is ours to stop.
  const child = spawn(sshdBinary(), ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const log: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  if (child.pid === undefined) throw new Error('sshd did not start');
  await writeFile(join(dir, 'sshd.child.pid'), String(child.pid));
  await waitForBanner(port, () => log.join(''));
  return {
    dir,
    port,
    pid: child.pid,
    user,
    userKey,
    encryptedUserKey,
    passphrase,
    hostKeyPub,
    knownHosts,
    sshConfig,
    process: child,
  };
}

async function waitForBanner(port: number, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const banner = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once('error', () => resolve(''));
      socket.once('timeout', () => {
        socket.destroy();
        resolve('');
      });
    });
    if (banner.startsWith('SSH-2.0-')) return;
    await sleep(100);
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port}\n${log()}`);
}

/** Stops an sshd we started, by its pid — and only if that pid is still our sshd. */
export function stopSshd(dir: string): void {
  const pidFile = join(dir, 'sshd.child.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('sshd') || !cmdline.includes(join(dir, 'sshd_config'))) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
