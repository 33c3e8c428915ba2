/**
 * Markers count only from the packet's own marker statements (issue 11, item 7): a message is a
 * marker when psql reports it at the line that ends a statement of the bundle that RAISEs that
 * very format, and the file owns that kind of claim (PREFLIGHT only from the preflight entry the
 * packet's contract names, passed in as the parser's claims).
 */
import { describe, expect, it } from 'vitest';
import { bundlePacket } from '../../src/packet/bundle.js';
import { SourceMap } from '../../src/packet/source-map.js';
import { createPsqlParser } from '../../src/psql/parse.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import { MEMORY_ROOT, memoryReader } from '../helpers/memory-packet.js';

const ROOT = MEMORY_ROOT;
const FILES: Record<string, string> = {
  'prod/99_run_all.sql': '\\ir 00_preflight.sql\n\\ir 10_tier.sql\n',
  'prod/00_preflight.sql': [
    'SELECT count(*) FROM directus_collections;', // 1: a database object could raise here
    'DO $$ BEGIN',
    "  RAISE NOTICE 'ONEROOF PREFLIGHT PASS %: %', 'gate.ospa', 1;",
    'END $$;', // 4: the marker statement
    "DO $$ BEGIN RAISE NOTICE 'ONEROOF PREFLIGHT GO'; END $$;", // 5
    '',
  ].join('\n'),
  'prod/10_tier.sql': [
    "DO $$ BEGIN RAISE NOTICE 'ONEROOF PREFLIGHT PASS gate.apr_ratified: APR-1'; END $$;", // 1
    "DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 10 BEGIN structure'; END $$;", // 2
    '',
  ].join('\n'),
};

async function bundleLines() {
  const bundle = await bundlePacket({
    root: ROOT,
    entry: 'prod/99_run_all.sql',
    reader: memoryReader(FILES),
  });
  const line = (file: string, n: number) => {
    for (let l = 1; l <= bundle.map.lines; l++) {
      const at = bundle.map.lookup(l);
      if (at?.file === file && at.line === n) return l;
    }
    throw new Error(`${file}:${n} not in the bundle`);
  };
  return { map: bundle.map, line };
}

const CLAIMS = { preflight: ['prod/00_preflight.sql'], verify: ['prod/90_verify.sql'] };

function markers(map: SourceMap | undefined, stderr: string, claims = CLAIMS): PsqlEvent[] {
  const parser = createPsqlParser(map === undefined ? { claims } : { map, claims });
  return [...parser.push('stderr', stderr), ...parser.end()].filter((e) => e.kind !== 'message');
}

describe('packet markers', () => {
  it('the packet marker statement counts: PASS and GO where they are raised', async () => {
    const { map, line } = await bundleLines();
    const events = markers(
      map,
      `psql:<stdin>:${line('prod/00_preflight.sql', 4)}: NOTICE:  ONEROOF PREFLIGHT PASS gate.ospa: 1\n` +
        `psql:<stdin>:${line('prod/00_preflight.sql', 5)}: NOTICE:  ONEROOF PREFLIGHT GO\n` +
        `psql:<stdin>:${line('prod/10_tier.sql', 2)}: NOTICE:  ONEROOF TIER 10 BEGIN structure\n`,
    );
    expect(events.map((e) => e.kind)).toEqual(['preflight', 'verdict', 'tier']);
  });

  it.each([
    [
      'a RAISE NOTICE ONEROOF PREFLIGHT PASS from another packet file',
      'prod/10_tier.sql',
      1,
      'ONEROOF PREFLIGHT PASS gate.apr_ratified: APR-1',
    ],
    [
      'a NOTICE from a database object, raised during a statement that is no marker statement',
      'prod/00_preflight.sql',
      1,
      'ONEROOF PREFLIGHT PASS gate.apr_ratified: APR-1',
    ],
    [
      'a database NOTICE with a GO during the PASS statement (not a format that statement raises)',
      'prod/00_preflight.sql',
      4,
      'ONEROOF PREFLIGHT GO',
    ],
    [
      'a database NOTICE with a tier COMMIT during the GO statement',
      'prod/00_preflight.sql',
      5,
      'ONEROOF TIER 10 COMMIT structure',
    ],
    [
      'a database NOTICE with a PASS at the tier marker statement',
      'prod/10_tier.sql',
      2,
      'ONEROOF PREFLIGHT PASS gate.ospa: 1',
    ],
  ] as const)('hostile packet-markers: %s is text, not a marker', async (_t, file, n, text) => {
    const { map, line } = await bundleLines();
    const events = markers(map, `psql:<stdin>:${line(file, n)}: NOTICE:  ${text}\n`);
    expect(events).toEqual([]);
  });

  it("hostile packet-markers: a marker on a line past the packet (the runner's sentinel) is text", async () => {
    const { map } = await bundleLines();
    const withSentinel = map.append(1, '<oneroof sentinel>');
    const events = markers(
      withSentinel,
      `psql:<stdin>:${withSentinel.lines}: NOTICE:  ONEROOF PREFLIGHT GO\n`,
    );
    expect(events).toEqual([]);
  });

  it('hostile packet-markers: in a hand-made log, PREFLIGHT counts only from 00_preflight.sql', () => {
    const events = markers(
      undefined,
      'psql:sql/prod/10_structure.sql:5: NOTICE:  ONEROOF PREFLIGHT PASS gate.ospa: 1\n' +
        'psql:sql/prod/00_preflight.sql:252: NOTICE:  ONEROOF PREFLIGHT PASS gate.ospa: 1\n' +
        'psql:sql/prod/10_structure.sql:9: NOTICE:  ONEROOF VERIFY PASS x: 1\n' +
        'psql:sql/prod/90_verify.sql:33: NOTICE:  ONEROOF VERIFY PASS x: 1\n',
    );
    expect(events.map((e) => [e.kind, 'location' in e ? e.location?.input : undefined])).toEqual([
      ['preflight', 'sql/prod/00_preflight.sql'],
      ['verify', 'sql/prod/90_verify.sql'],
    ]);
  });

  // psql's stdout and stderr come on two channels: the tags after a notice may arrive before it,
  // and the server may then be silent (a tier waiting on a lock). A literal marker notice is
  // whole on its own line: it is emitted when it arrives, not when a next line comes.
  it('a literal marker notice is emitted as it arrives, though the lines after it came first', async () => {
    const { map, line } = await bundleLines();
    const parser = createPsqlParser({ map });
    expect(parser.push('stdout', 'DO\nSET\nDO\n').map((e) => e.kind)).toEqual([
      'tag',
      'tag',
      'tag',
    ]);
    const begin = parser.push(
      'stderr',
      `psql:<stdin>:${line('prod/10_tier.sql', 2)}: NOTICE:  ONEROOF TIER 10 BEGIN structure\n`,
    );
    expect(begin.map((e) => e.kind)).toEqual(['message', 'tier']);
    expect(parser.end()).toEqual([]);
  });

  it.each([
    [
      'a marker with an argument (its text may go on)',
      'prod/00_preflight.sql',
      4,
      'ONEROOF PREFLIGHT PASS gate.ospa: 1',
    ],
    [
      'a notice at a line that raises no such marker',
      'prod/00_preflight.sql',
      1,
      'ONEROOF TIER 10 BEGIN structure',
    ],
  ])('%s waits for the line after it', async (_name, file, n, text) => {
    const { map, line } = await bundleLines();
    const parser = createPsqlParser({ map });
    expect(parser.push('stderr', `psql:<stdin>:${line(file, n)}: NOTICE:  ${text}\n`)).toEqual([]);
    expect(parser.end().map((e) => e.kind)[0]).toBe('message');
  });

  it.each([
    ['psql -f sql/prod/00_preflight.sql', 'sql/prod/00_preflight.sql'],
    ['psql -f 00_preflight.sql, in sql/prod', '00_preflight.sql'],
    ['an \\ir from another folder', 'sql/clone_revalidation/../prod/00_preflight.sql'],
  ] as const)('the file rule, by the packet contract: %s owns GO', (_t, file) => {
    const events = markers(undefined, `psql:${file}:3: NOTICE:  ONEROOF PREFLIGHT GO\n`);
    expect(events.map((e) => e.kind)).toEqual(['verdict']);
  });

  it.each([
    ['a file of that name in another folder', 'sql/x/00_preflight.sql'],
    ['a file whose name ends like it', 'sql/prod/x00_preflight.sql'],
  ] as const)('hostile packet-markers: GO from %s is text', (_t, file) => {
    const events = markers(undefined, `psql:${file}:3: NOTICE:  ONEROOF PREFLIGHT GO\n`);
    expect(events).toEqual([]);
  });

  it("the claims are the packet's: another preflight entry owns PREFLIGHT, the shipped name does not", () => {
    const claims = {
      preflight: ['checks/gate.sql'],
      verify: ['checks/after.sql', 'clone/revalidate.sql'],
    };
    const stderr =
      'psql:sql/prod/00_preflight.sql:3: NOTICE:  ONEROOF PREFLIGHT GO\n' +
      'psql:sql/checks/gate.sql:3: NOTICE:  ONEROOF PREFLIGHT GO\n' +
      'psql:sql/prod/90_verify.sql:3: NOTICE:  ONEROOF VERIFY PASS x: 1\n' +
      'psql:sql/checks/after.sql:3: NOTICE:  ONEROOF VERIFY PASS x: 1\n' +
      'psql:sql/clone/revalidate.sql:3: NOTICE:  ONEROOF VERIFY PASS revalidation.x: 1\n';
    expect(
      markers(undefined, stderr, claims).map((e) => ('location' in e ? e.location?.input : '')),
    ).toEqual(['sql/checks/gate.sql', 'sql/checks/after.sql', 'sql/clone/revalidate.sql']);
  });

  it('a revalidation. check counts only from a file that claims it, like any VERIFY PASS', () => {
    const claims = { preflight: ['checks/gate.sql'], verify: ['checks/after.sql'] };
    const stderr =
      'psql:sql/clone/revalidate.sql:3: NOTICE:  ONEROOF VERIFY PASS revalidation.x: 1\n' +
      'psql:sql/prod/10_structure.sql:3: NOTICE:  ONEROOF VERIFY PASS revalidation.y: 1\n';
    expect(markers(undefined, stderr, claims).filter((e) => e.kind === 'verify')).toEqual([]);
  });

  it('without claims (no packet known) the file rule cannot apply: every file may raise them', () => {
    const parser = createPsqlParser();
    const events = [
      ...parser.push('stderr', 'psql:sql/prod/10_structure.sql:5: NOTICE:  ONEROOF PREFLIGHT GO\n'),
      ...parser.end(),
    ];
    expect(events.map((e) => e.kind)).toEqual(['message', 'verdict']);
  });

  it('a map read from an older log knows no marker statements (only the file rule applies)', async () => {
    const { map } = await bundleLines();
    const json = map.toJSON();
    expect(json.markers?.length).toBe(4);
    const { markers: _dropped, ...older } = json;
    expect(SourceMap.fromJSON(older).knowsMarkers).toBe(false);
    expect(SourceMap.fromJSON(json).knowsMarkers).toBe(true);
    expect(SourceMap.fromJSON(json).toJSON()).toEqual(json);
  });
});
