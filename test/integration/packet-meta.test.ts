/**
 * The meta-command allow-list end to end: a copy of the packet whose preflight gains
 * `\echo hi \! touch FILE` (its manifest regenerated, so the integrity check passes) is refused
 * by `oneroof preflight` through ssh2 with exit 2, file:line and a caret, before anything is
 * contacted — and FILE does not exist in the container. The control case shows the hazard is
 * real: the same line fed to psql in that container creates the file.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDocker } from '../../src/docker/client.js';
import { dockerExec } from '../../src/docker/exec.js';
import { APR, SSH_TARGET, logFiles, oneroof } from '../helpers/e2e.js';
import { editedPacket } from '../helpers/packet.js';

const testbed = inject('testbed');
const HEADER_END = 'SET client_min_messages = notice;\n';
const PWNED = '/tmp/oneroof-packet-meta-pwned';

async function inContainer(cmd: string[], stdin?: string) {
  const docker = await connectDocker();
  return dockerExec(docker, testbed.container, cmd, stdin === undefined ? {} : { stdin });
}

const exists = async (file: string) => (await inContainer(['test', '-e', file])).exitCode === 0;

beforeAll(async () => {
  await inContainer(['rm', '-f', PWNED, `${PWNED}-control`]);
});

afterAll(async () => {
  await inContainer(['rm', '-f', PWNED, `${PWNED}-control`]);
});

describe('a packet that hides a shell behind \\echo', () => {
  it('hostile packet-meta: \\echo hi \\! touch x in the preflight: exit 2, file:line and caret, nothing run', async () => {
    let line = 0;
    const dir = await editedPacket(
      'prod/00_preflight.sql',
      (text) => {
        const at = text.indexOf(HEADER_END);
        line = text.slice(0, at + HEADER_END.length).split('\n').length;
        return text.replace(HEADER_END, `${HEADER_END}\\echo hi \\! touch ${PWNED}\n`);
      },
      (packet) => oneroof(testbed, ['manifest', 'write', '--packet', packet]),
    );
    const run = await oneroof(testbed, [
      'preflight',
      '--target',
      SSH_TARGET,
      '--apr',
      APR,
      '--packet',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      [
        `prod/00_preflight.sql:${line}:10: \\!: runs a shell on the far side`,
        `  \\echo hi \\! touch ${PWNED}`,
        `           ^`,
      ].join('\n'),
    );
    expect(run.stdout).toBe('');
    expect(await logFiles(run.logDir)).toEqual([]);
    expect(await exists(PWNED)).toBe(false);
  });

  it('control: psql itself runs the shell command hidden after \\echo', async () => {
    const result = await inContainer(
      [
        'psql',
        '-X',
        '-U',
        testbed.user,
        '-d',
        testbed.database,
        '-v',
        'ON_ERROR_STOP=1',
        '-f',
        '-',
      ],
      `\\echo hi \\! touch ${PWNED}-control\n`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('hi\n');
    expect(await exists(`${PWNED}-control`)).toBe(true);
  });
});
