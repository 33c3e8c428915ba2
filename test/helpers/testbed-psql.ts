/**
 * Test-side psql in the testbed replica (dockerode, no ssh): for setting up and reading back
 * state around the code under test, never as the code under test. Unaligned, tuples only.
 */
import type { DockerClient } from '../../src/docker/client.js';
import { dockerExec } from '../../src/docker/exec.js';
import type { Testbed } from '../testbed/global-setup.js';

export async function testbedPsql(
  docker: DockerClient,
  testbed: Testbed,
  sql: string,
): Promise<string> {
  const argv = ['psql', '-X', '-q', '-At', '-U', testbed.user, '-d', testbed.database];
  const result = await dockerExec(docker, testbed.container, [...argv, '-v', 'ON_ERROR_STOP=1'], {
    stdin: sql,
  });
  if (result.exitCode !== 0) throw new Error(`psql exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout.replace(/\n$/, ''); // only psql's final newline: empty rows count
}
