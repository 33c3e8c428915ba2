/**
 * The bundle and the parser against real psql: a multi-file packet is bundled locally, streamed
 * into psql on the testbed's replica through stdin (`-f -`, as the runner does), and every
 * message psql prints is mapped back to the packet file and line it came from.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { createPsqlParser } from '../../src/psql/parse.js';
import { summarize } from '../../src/model/findings.js';
import { connectDocker } from '../../src/docker/client.js';
import { dockerExec } from '../../src/docker/exec.js';
import { buildPsqlInvocation } from '../../src/remote/psql-command.js';
import { prepareStream } from '../../src/runner/stream.js';

const testbed = inject('testbed');
const PACKETS = fileURLToPath(new URL('../fixtures/packet/', import.meta.url));
/** The runner's own stream (bundle + sentinel + map) and psql argv, run without a transport. */
async function runPacket(packet: string) {
  const prepared = await prepareStream({
    kind: 'packet',
    root: `${PACKETS}${packet}/sql`,
    entry: 'prod/99_run_all.sql',
  });
  const map = prepared.map!;
  const docker = await connectDocker();
  const result = await dockerExec(
    docker,
    testbed.container,
    buildPsqlInvocation({
      container: testbed.container,
      database: testbed.database,
      user: testbed.user,
    }),
    { stdin: prepared.bytes as Buffer },
  );
  const parser = createPsqlParser({ map });
  const events = [
    ...parser.push('stdout', result.stdout),
    ...parser.push('stderr', result.stderr),
    ...parser.end(),
  ];
  return { result, events, map, sentinel: prepared.sentinel };
}

describe('bundle → psql → events', () => {
  it('an error in the third file maps to that file, at the statement and at the exact line', async () => {
    const { result, events } = await runPacket('psql-error');
    expect(result.exitCode).toBe(3);
    const notice = events.find((e) => e.kind === 'tier');
    expect(notice).toMatchObject({
      tier: 1,
      phase: 'BEGIN',
      at: { file: 'prod/10_first.sql', line: 3 },
    });
    const errors = events.filter((e) => e.kind === 'message' && e.severity === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      text: 'column "no_such_column" does not exist',
      // psql reports the line that ended the statement (its `;`)…
      at: { file: 'prod/lib/30_third.sql', line: 6 },
      // …and the server the line within it: together, the exact line.
      position: { lineInStatement: 3, at: { file: 'prod/lib/30_third.sql', line: 5 } },
    });
    expect(events.some((e) => e.kind === 'sentinel')).toBe(false);
    expect(result.stdout).not.toContain('never reached');
  });

  it('a whole packet runs to the sentinel; a NOTICE from a DO body maps to its line', async () => {
    const { result, events, map, sentinel } = await runPacket('basic');
    expect(result.stderr).toBe('psql:<stdin>:15: NOTICE:  in a DO body: \\ir not_a_file.sql\n');
    expect(result.exitCode).toBe(0);
    expect(map.lookup(15)).toEqual({ file: 'prod/99_run_all.sql', line: 11 });
    expect(events.find((e) => e.kind === 'message')).toMatchObject({
      severity: 'NOTICE',
      at: { file: 'prod/99_run_all.sql', line: 11 },
    });
    expect(summarize(events)).toMatchObject({ sentinels: [sentinel], errors: [] });
    for (const here of [
      'prod/00_preflight.sql line 3',
      'common/nested.sql line 1',
      'common/shared.sql line 1',
      'prod/quoted name.sql line 1',
      'prod/99_run_all.sql line 20',
    ])
      expect(result.stdout).toContain(here);
  });
});
