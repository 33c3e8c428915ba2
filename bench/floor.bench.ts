/**
 * The floor under preflight's and apply's ratio to the raw pipeline (issue 13): what a cold
 * Node process costs before it does anything, the ssh2 module, and one ssh2 connection running
 * one command, each against OpenSSH's `ssh ALIAS COMMAND` over the same loopback sshd, medians
 * of ONEROOF_BENCH_RUNS (default 5) interleaved runs (bench/timing.ts). The command is `true`,
 * then `docker exec C true` (the raw pipeline's far side without psql). Prints; asserts only
 * that every run exited 0.
 *
 *   npm run build && ONEROOF_TESTBED_ID=<id> npx vitest run --project bench bench/floor.bench.ts
 */
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { interleaved, printFigures, seconds, timed, type Figure } from './timing.js';

const testbed = inject('testbed');
const SSH = ['ssh', '-F', testbed.ssh.sshConfig, '-o', 'BatchMode=yes', testbed.ssh.alias];
const SSH2 = [
  process.execPath,
  join(PACKAGE_ROOT, 'bench', 'ssh2-exec.mjs'),
  '127.0.0.1',
  String(testbed.ssh.port),
  testbed.ssh.user,
  testbed.ssh.userKey,
  testbed.ssh.hostKeyPub,
];

it('times the floor: node, ssh2 and one connection against OpenSSH', { timeout: 1_800_000 }, () => {
  const docker = `docker exec ${testbed.container} true`;
  const [node0, ssh2Import, ssh2True, sshTrue, ssh2Docker, sshDocker] = interleaved([
    () => timed([process.execPath, '-e', '0']),
    () => timed([process.execPath, '--input-type=module', '-e', "await import('ssh2')"]),
    () => timed([...SSH2, 'true']),
    () => timed([...SSH, 'true']),
    () => timed([...SSH2, docker]),
    () => timed([...SSH, docker]),
  ]);
  const row = (figure: string, a: typeof node0, b: typeof node0, versus: string): Figure => ({
    figure,
    oneroof: seconds(a!),
    versus: `${versus} ${seconds(b!)}`,
    ratio: a!.seconds / b!.seconds,
    rssMiB: a!.rssMiB,
    goal: '—',
    load: a!.load,
    command: 'bench/floor.bench.ts',
  });
  const figures = [
    row("node: import('ssh2')", ssh2Import, node0, '`node -e 0`'),
    row('node + ssh2: connect, exec `true`', ssh2True, sshTrue, '`ssh ALIAS true`'),
    row(
      'node + ssh2: connect, exec `docker exec C true`',
      ssh2Docker,
      sshDocker,
      '`ssh ALIAS docker exec C true`',
    ),
    row('`ssh ALIAS true` against `node -e 0`', sshTrue, node0, '`node -e 0`'),
  ];
  printFigures(`the floor over ${testbed.ssh.alias}`, figures);
  expect(figures).toHaveLength(4);
});
