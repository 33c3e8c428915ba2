/**
 * The psql output parser, fed real psql 15 output recorded by test/fixtures/psql/record.sh
 * (stdout and stderr apart, as the runner receives them): exact events per recording, the same
 * events however the bytes are chunked, mapping through a bundle's source map, and robustness.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundlePacket, type PacketReader } from '../../src/packet/bundle.js';
import { psqlEventSchema, type PsqlEvent } from '../../src/psql/events.js';
import { createPsqlParser } from '../../src/psql/parse.js';
import { summarize } from '../../src/model/findings.js';
import { cutNote, MAX_LINE_BYTES, parsePsqlOutput, trackTiers } from '../helpers/recording.js';

const DIR = fileURLToPath(new URL('../fixtures/psql/', import.meta.url));
const CASES = readdirSync(DIR)
  .filter((name) => name.endsWith('.sql'))
  .map((name) => name.slice(0, -'.sql'.length));

interface Recording {
  sql: string;
  stdout: Buffer;
  stderr: Buffer;
  exit: number;
}

function recording(name: string): Recording {
  return {
    sql: readFileSync(`${DIR}${name}.sql`, 'utf8'),
    stdout: readFileSync(`${DIR}${name}.stdout`),
    stderr: readFileSync(`${DIR}${name}.stderr`),
    exit: Number(readFileSync(`${DIR}${name}.exit`, 'utf8').trim()),
  };
}

/** The events without raw and stream, for comparing the fields that matter. */
function brief(events: PsqlEvent[]): Record<string, unknown>[] {
  return events.map(({ raw: _raw, stream: _stream, ...rest }) => rest);
}

function parse(name: string, options = {}): PsqlEvent[] {
  const r = recording(name);
  return parsePsqlOutput({ stdout: r.stdout, stderr: r.stderr }, options);
}

const stdin = (line: number) => ({ input: '<stdin>', line });

describe('recordings: every case', () => {
  it('has all recordings, and the events account for every line (markers repeat their message)', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(18);
    for (const name of CASES) {
      const r = recording(name);
      const events = parse(name);
      for (const stream of ['stdout', 'stderr'] as const) {
        const lines = events
          .filter(
            (e) =>
              e.stream === stream &&
              ['tag', 'output', 'message', 'psql-error', 'sentinel'].includes(e.kind),
          )
          .flatMap((e) => e.raw);
        expect(lines.map((l) => `${l}\n`).join(''), `${name}.${stream}`).toBe(
          r[stream].toString('utf8'),
        );
      }
      for (const event of events)
        expect(psqlEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
    }
  });
});

describe('recordings: errors', () => {
  it('syntax error in a multi-line statement: LINE and caret', () => {
    expect(recording('syntax-error').exit).toBe(3);
    expect(brief(parse('syntax-error')).filter((e) => e.kind === 'message')).toEqual([
      {
        kind: 'message',
        location: stdin(5),
        severity: 'ERROR',
        text: 'syntax error at or near "t"',
        position: { lineInStatement: 3, lineText: '  FROMM t;', caretColumn: 9 },
      },
    ]);
  });

  it('undefined column: LINE 3 of a statement ended on line 5', () => {
    const [message] = parse('undefined-column').filter((e) => e.kind === 'message');
    expect(message).toMatchObject({
      location: stdin(5),
      text: 'column "no_such_column" does not exist',
      position: { lineInStatement: 3, lineText: '       no_such_column', caretColumn: 8 },
      raw: [
        'psql:<stdin>:5: ERROR:  column "no_such_column" does not exist',
        'LINE 3:        no_such_column',
        '               ^',
      ],
    });
  });

  it('undefined function: LINE, caret and HINT', () => {
    expect(brief(parse('undefined-function'))).toEqual([
      {
        kind: 'message',
        location: stdin(1),
        severity: 'ERROR',
        text: 'function no_such_function(integer, unknown) does not exist',
        position: {
          lineInStatement: 1,
          lineText: "SELECT no_such_function(1, 'two');",
          caretColumn: 8,
        },
        hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
      },
    ]);
  });

  it('unique violation: DETAIL', () => {
    const events = brief(parse('unique-violation'));
    expect(events).toEqual([
      { kind: 'tag', command: 'CREATE TABLE' },
      { kind: 'tag', command: 'INSERT', oid: 0, rows: 1 },
      {
        kind: 'message',
        location: stdin(3),
        severity: 'ERROR',
        text: 'duplicate key value violates unique constraint "u_code_key"',
        detail: 'Key (code)=(APR-1) already exists.',
      },
    ]);
  });

  it('division by zero in a function: CONTEXT', () => {
    expect(brief(parse('division-by-zero')).at(-1)).toEqual({
      kind: 'message',
      location: stdin(7),
      severity: 'ERROR',
      text: 'division by zero',
      context: 'PL/pgSQL function ratio(integer,integer) line 3 at RETURN',
    });
  });

  it('an ASSERT raised two calls deep: DETAIL, HINT, the CONTEXT chain, then the assertion', () => {
    const events = brief(parse('assert-in-function'));
    expect(events.slice(-2)).toEqual([
      {
        kind: 'message',
        location: stdin(17),
        severity: 'ERROR',
        text: 'ASSERT tier03.gap_zero: expected 0, got 17',
        detail: 'entities without a sovereign owner remain',
        hint: 'run tier 03 again after fixing the seed',
        context: [
          'PL/pgSQL function check_gap(integer) line 4 at RAISE',
          'SQL statement "SELECT check_gap(17)"',
          'PL/pgSQL function run_checks() line 3 at PERFORM',
        ].join('\n'),
      },
      {
        kind: 'assertion',
        location: stdin(17),
        severity: 'ERROR',
        scope: 'tier03',
        tier: 3,
        check: 'gap_zero',
        text: 'expected 0, got 17',
        expected: '0',
        got: '17',
      },
    ]);
  });

  it('--echo-errors: the STATEMENT psql echoes joins its error', () => {
    expect(brief(parse('echo-errors')).filter((e) => e.kind === 'message')).toEqual([
      {
        kind: 'message',
        location: stdin(4),
        severity: 'ERROR',
        text: 'column "foo" does not exist',
        position: { lineInStatement: 3, lineText: '  foo;', caretColumn: 3 },
        statement: 'SELECT 1 +\n  2 +\n  foo;',
      },
    ]);
  });

  it("psql's own errors: an include that fails, a database that does not exist", () => {
    expect(recording('include-missing').exit).toBe(3);
    expect(brief(parse('include-missing')).filter((e) => e.kind === 'psql-error')).toEqual([
      {
        kind: 'psql-error',
        location: stdin(2),
        level: 'error',
        text: 'no_such_file.sql: No such file or directory',
      },
    ]);
    expect(recording('connect-missing-db').exit).toBe(2);
    expect(brief(parse('connect-missing-db'))).toEqual([
      {
        kind: 'psql-error',
        level: 'error',
        text: 'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "no_such_database" does not exist',
      },
    ]);
  });

  it('psql -f FILE: the location is the path, and `at` is that file', () => {
    const path = '/tmp/oneroof-fixtures/file-mode.sql';
    expect(brief(parse('file-mode')).filter((e) => e.kind !== 'tag')).toEqual([
      {
        kind: 'message',
        location: { input: path, line: 1 },
        at: { file: path, line: 1 },
        severity: 'NOTICE',
        text: 'ONEROOF TIER 01 BEGIN structure',
      },
      {
        kind: 'tier',
        location: { input: path, line: 1 },
        at: { file: path, line: 1 },
        severity: 'NOTICE',
        tier: 1,
        phase: 'BEGIN',
        name: 'structure',
      },
      {
        kind: 'message',
        location: { input: path, line: 2 },
        at: { file: path, line: 2 },
        severity: 'ERROR',
        text: 'division by zero',
      },
    ]);
  });

  it('without -f psql prints no location: messages still parse, an unprefixed psql error joins the message before it', () => {
    // Why the runner runs `psql -f -`: this is what plain stdin gives.
    expect(brief(parse('plain-stdin')).filter((e) => e.kind !== 'tag')).toEqual([
      {
        kind: 'message',
        severity: 'NOTICE',
        text: 'ONEROOF TIER 01 BEGIN structure\nno_such_file.sql: No such file or directory',
      },
      { kind: 'tier', severity: 'NOTICE', tier: 1, phase: 'BEGIN', name: 'structure' },
    ]);
  });
});

describe('recordings: tags, output, levels', () => {
  it('statement tags with rows and oid; query output; the sentinel', () => {
    const events = parse('tags');
    expect(brief(events.filter((e) => e.kind === 'tag'))).toEqual([
      { kind: 'tag', command: 'CREATE TABLE' },
      { kind: 'tag', command: 'INSERT', oid: 0, rows: 5 },
      { kind: 'tag', command: 'UPDATE', rows: 3 },
      { kind: 'tag', command: 'DELETE', rows: 0 },
      { kind: 'tag', command: 'BEGIN' },
      { kind: 'tag', command: 'SAVEPOINT' },
      { kind: 'tag', command: 'RELEASE' },
      { kind: 'tag', command: 'CREATE VIEW' },
      { kind: 'tag', command: 'ALTER TABLE' },
      { kind: 'tag', command: 'CREATE INDEX' },
      { kind: 'tag', command: 'COMMENT' },
      { kind: 'tag', command: 'SET' },
      { kind: 'tag', command: 'DO' },
      { kind: 'tag', command: 'COMMIT' },
      { kind: 'tag', command: 'COPY', rows: 2 },
      { kind: 'tag', command: 'SELECT', rows: 7 },
      { kind: 'tag', command: 'INSERT', oid: 0, rows: 1 },
      { kind: 'tag', command: 'CREATE SCHEMA' },
      { kind: 'tag', command: 'CREATE FUNCTION' },
      { kind: 'tag', command: 'GRANT' },
      { kind: 'tag', command: 'REVOKE' },
      { kind: 'tag', command: 'TRUNCATE TABLE' },
      { kind: 'tag', command: 'ROLLBACK' },
      { kind: 'tag', command: 'DROP VIEW' },
      { kind: 'tag', command: 'DROP TABLE' },
      { kind: 'tag', command: 'DROP SCHEMA' },
    ]);
    const output = events.filter((e) => e.kind === 'output').map((e) => e.raw[0]);
    expect(output.slice(0, 3)).toEqual([' id | name ', '----+------', '  1 | A']);
    expect(output).toContain(' ROLLBACK         | two  +'); // a value that looks like a tag is output
    expect(output).toContain('plain text from echo');
    expect(brief(events.filter((e) => e.kind === 'sentinel'))).toEqual([
      { kind: 'sentinel', nonce: '0123456789abcdef0123456789abcdef' },
    ]);
    expect(brief(events.filter((e) => e.kind === 'message'))).toEqual([
      {
        kind: 'message',
        location: stdin(30),
        severity: 'WARNING',
        text: 'there is no transaction in progress',
      },
      {
        kind: 'message',
        location: stdin(33),
        severity: 'NOTICE',
        text: 'drop cascades to function s.f()',
      },
    ]);
  });

  it('LOG and DEBUG', () => {
    expect(
      brief(parse('levels'))
        .filter((e) => e.kind === 'message')
        .map((e) => [e.severity, e.text]),
    ).toEqual([
      ['LOG', 'a log message'],
      ['DEBUG', 'a debug message'],
      ['NOTICE', 'a notice'],
    ]);
  });
});

describe('recordings: packet markers', () => {
  it('every NOTICE marker follows its message; multi-line messages; non-markers stay messages', () => {
    const events = brief(parse('markers'));
    const markers = events.filter((e) => !['message', 'tag', 'output'].includes(e.kind as string));
    const strip = (e: Record<string, unknown>) => {
      const { location: _l, severity: _s, ...rest } = e;
      return rest;
    };
    expect(markers.map(strip)).toEqual([
      { kind: 'sentinel', nonce: 'fedcba9876543210fedcba9876543210' },
      { kind: 'preflight', status: 'INFO', check: 'server_version', observed: '15.18' },
      { kind: 'preflight', status: 'PASS', check: 'database', observed: 'directus' },
      {
        kind: 'preflight',
        status: 'PASS',
        check: 'gate.ospa',
        observed: '1, ratified APR-2024-017',
      },
      {
        kind: 'preflight',
        status: 'FAIL',
        check: 'idle_in_transaction',
        expected: '0',
        observed: '2',
      },
      {
        kind: 'preflight',
        status: 'FAIL',
        check: 'topic.digest',
        expected: 'a, b, got: c',
        observed: 'd',
      },
      { kind: 'verdict', verdict: 'GO', checks: [] },
      { kind: 'tier', tier: 2, phase: 'BEGIN', name: 'responsibility_axis' },
      { kind: 'tier', tier: 2, phase: 'COMMIT', name: 'responsibility_axis' },
      {
        kind: 'tier',
        tier: 3,
        phase: 'SKIP',
        name: 'sovereign_ownership_seed',
        note: 'already applied',
      },
      { kind: 'rollback', tier: 4, phase: 'BEGIN', name: 'containment' },
      { kind: 'rollback', tier: 4, phase: 'SKIP', name: 'containment' },
      { kind: 'rollback', tier: 'full', phase: 'COMMIT', name: 'full_rollback' },
      { kind: 'verify', check: 'scanner.count', observed: '38' },
      { kind: 'end', script: '99_run_all.sql' },
    ]);
    const messages = events.filter((e) => e.kind === 'message');
    expect(messages).toHaveLength(18);
    expect(messages.slice(-4)).toEqual([
      {
        kind: 'message',
        location: stdin(31),
        severity: 'WARNING',
        text: 'a warning with a detail',
        detail: 'the detail',
        hint: 'the hint',
      },
      { kind: 'message', location: stdin(31), severity: 'INFO', text: 'an info message' },
      {
        kind: 'message',
        location: stdin(31),
        severity: 'NOTICE',
        text: 'a message\nover two lines',
      },
      {
        kind: 'message',
        location: stdin(31),
        severity: 'NOTICE',
        text: 'not a marker: ONEROOF TIER 02 BEGIN x',
      },
    ]);
    // Each marker comes right after the message it was read from.
    const all = parse('markers');
    for (const [i, event] of all.entries())
      if (['preflight', 'verdict', 'tier', 'rollback', 'verify', 'end'].includes(event.kind)) {
        const before = all[i - 1]!;
        expect(before.kind).toBe('message');
        expect(event.raw).toEqual(before.raw.slice(0, 1));
      }
  });

  it('NO-GO and REFUSED are errors with their marker', () => {
    expect(brief(parse('no-go')).slice(-2)).toEqual([
      {
        kind: 'message',
        location: stdin(8),
        severity: 'ERROR',
        text: 'ONEROOF NO-GO: gate.ospa, gate.apr',
        context: 'PL/pgSQL function inline_code_block line 6 at RAISE',
      },
      {
        kind: 'verdict',
        location: stdin(8),
        severity: 'ERROR',
        verdict: 'NO-GO',
        checks: ['gate.ospa', 'gate.apr'],
      },
    ]);
    expect(brief(parse('refused')).at(-1)).toEqual({
      kind: 'refused',
      location: stdin(5),
      severity: 'ERROR',
      reason: 'tier 03 cannot be rolled back while tier 04 stands (roll back 04 first)',
    });
  });

  it('markers only at the severity the contract gives them', () => {
    const events = createPsqlParser().push(
      'stderr',
      [
        'psql:<stdin>:1: NOTICE:  ASSERT tier03.gap_zero: expected 0, got 17',
        'psql:<stdin>:2: ERROR:  ONEROOF TIER 03 BEGIN seed',
        'psql:<stdin>:3: NOTICE:  ONEROOF NO-GO: gate.ospa',
        'psql:<stdin>:4: ERROR:  ASSERT verify.count: 38 findings, not 37',
        'psql:<stdin>:5: NOTICE:  x',
        '',
      ].join('\n'),
    );
    expect(events.map((e) => e.kind)).toEqual([
      'message',
      'message',
      'message',
      'message',
      'assertion',
    ]);
    expect(events[4]).toMatchObject({
      kind: 'assertion',
      scope: 'verify',
      check: 'count',
      text: '38 findings, not 37',
    });
    expect(events[4]).not.toHaveProperty('expected');
  });
});

describe('summarize', () => {
  it('a whole run: GO, tiers committed and skipped, verified, ended, the sentinel', () => {
    const s = summarize(parse('packet-run'));
    expect(s.verdict).toBe('GO');
    expect(s.checks.map((p) => `${p.status} ${p.check}`)).toEqual([
      'INFO server_version',
      'PASS database',
      'PASS gate.ospa',
    ]);
    expect(trackTiers(parse('packet-run'), 'tier')).toEqual([
      { tier: 1, name: 'structure', status: 'ok' },
      { tier: 2, name: 'responsibility_axis', status: 'skipped' },
    ]);
    expect(s.verified.map((v) => v.check)).toEqual(['ledger.rows']);
    expect(s).toMatchObject({
      endedScripts: ['99_run_all.sql'],
      sentinels: ['00112233445566778899aabbccddeeff'],
      errors: [],
      assertions: [],
    });
  });

  it('a failed tier, NO-GO, REFUSED, a psql error', () => {
    const failed = summarize(parse('assert-tier'));
    expect(trackTiers(parse('assert-tier'), 'tier')).toEqual([
      { tier: 3, name: 'sovereign_ownership_seed', status: 'failed' },
    ]);
    expect(failed.assertions.map((a) => `${a.scope}.${a.check}`)).toEqual(['tier03.gap_zero']);
    // The ASSERT's ERROR is the assertion, not a second finding.
    expect(failed.errors).toHaveLength(0);
    expect(failed).toMatchObject({ endedScripts: [], sentinels: [] });

    const noGo = summarize(parse('no-go'));
    expect(noGo).toMatchObject({ verdict: 'NO-GO', noGo: ['gate.ospa', 'gate.apr'] });
    expect(noGo.checks.filter((p) => p.status === 'FAIL').map((p) => p.check)).toEqual([
      'gate.ospa',
      'gate.apr',
    ]);
    expect(summarize(parse('refused')).refused).toMatch(/^tier 03 cannot be rolled back/);
    expect(summarize(parse('include-missing')).errors.map((e) => e.severity)).toEqual([
      'psql error',
    ]);
    expect(trackTiers(parse('markers'), 'rollback')).toContainEqual({
      tier: 99,
      name: 'full_rollback',
      status: 'ok',
    });
    expect(summarize(parse('tags')).counts.warnings).toBe(1);
  });
});

describe('streaming', () => {
  /** Pushes each stream in the given pieces (stdout first, then stderr), then ends. */
  function parseInPieces(r: Recording, cutsOut: number[], cutsErr: number[]): PsqlEvent[] {
    const parser = createPsqlParser();
    const events: PsqlEvent[] = [];
    for (const [stream, bytes, cuts] of [
      ['stdout', r.stdout, cutsOut],
      ['stderr', r.stderr, cutsErr],
    ] as const) {
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        events.push(...parser.push(stream, bytes.subarray(from, cut)));
        from = cut;
      }
    }
    events.push(...parser.end());
    return events;
  }

  // One test per recording: all of them in one test took about the 5 s limit on a loaded machine.
  it.each(CASES)('the same events when %s is split at every byte offset', (name) => {
    const r = recording(name);
    const whole = parse(name);
    for (let cut = 0; cut <= Math.max(r.stdout.length, r.stderr.length); cut++) {
      const pieces = parseInPieces(
        r,
        cut <= r.stdout.length ? [cut] : [],
        cut <= r.stderr.length ? [cut] : [],
      );
      expect(pieces, `${name} cut at ${cut}`).toEqual(whole);
    }
  });

  it('the same events for many random splits, down to single bytes', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const cuts = (length: number) =>
      [...new Set(Array.from({ length: random(12) }, () => random(length + 1)))].sort(
        (a, b) => a - b,
      );
    for (const name of CASES) {
      const r = recording(name);
      const whole = parse(name);
      for (let round = 0; round < 30; round++)
        expect(parseInPieces(r, cuts(r.stdout.length), cuts(r.stderr.length)), name).toEqual(whole);
      const everyByte = (n: number) => Array.from({ length: n }, (_, i) => i);
      expect(parseInPieces(r, everyByte(r.stdout.length), everyByte(r.stderr.length))).toEqual(
        whole,
      );
    }
  });

  it('a UTF-8 character split across chunks is decoded whole', () => {
    const bytes = Buffer.from('psql:<stdin>:1: NOTICE:  café ✓ 漢字\n');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = createPsqlParser();
      const events = [
        ...parser.push('stderr', bytes.subarray(0, cut)),
        ...parser.push('stderr', bytes.subarray(cut)),
        ...parser.end(),
      ];
      expect(events).toMatchObject([{ kind: 'message', text: 'café ✓ 漢字' }]);
    }
  });

  it('a message is emitted when the next line arrives, on either stream, or at end()', () => {
    const parser = createPsqlParser();
    expect(
      parser.push('stderr', 'psql:<stdin>:1: NOTICE:  ONEROOF TIER 01 BEGIN structure\n'),
    ).toEqual([]);
    expect(parser.push('stdout', 'DO\n').map((e) => e.kind)).toEqual(['message', 'tier', 'tag']);
    expect(parser.push('stderr', 'psql:<stdin>:2: ERROR:  boom\nCONTEXT:  x\n')).toEqual([]);
    expect(parser.push('stdout', 'partial')).toEqual([]);
    expect(parser.end()).toMatchObject([
      { kind: 'message', severity: 'ERROR', text: 'boom', context: 'x' },
      { kind: 'output', stream: 'stdout', raw: ['partial'] },
    ]);
  });
});

describe('a merged log (psql … 2>&1 | tee)', () => {
  const parseCombined = (name: string) => {
    const parser = createPsqlParser();
    return [...parser.push('combined', readFileSync(`${DIR}${name}.combined`)), ...parser.end()];
  };
  const meaning = (events: PsqlEvent[]) =>
    events
      .filter((e) => e.kind !== 'output')
      .map(({ stream: _stream, ...rest }) => JSON.stringify(rest))
      .sort();

  it('gives the events of the separate streams, in the order psql wrote them', () => {
    // Not these: a multi-line message text (markers), an echoed multi-line statement
    // (echo-errors) and psql without -f (plain-stdin) are where a merge is ambiguous.
    const ambiguous = ['markers', 'echo-errors', 'plain-stdin'];
    for (const name of CASES.filter((n) => !ambiguous.includes(n)))
      expect(meaning(parseCombined(name)), name).toEqual(meaning(parse(name)));
    const order = parseCombined('packet-run')
      .filter((e) => e.kind === 'tier' || e.kind === 'tag')
      .map((e) => (e.kind === 'tier' ? `${e.phase} ${e.tier}` : e.command));
    expect(order).toEqual([
      'DO',
      'BEGIN',
      'BEGIN 1',
      'DO',
      'CREATE TABLE',
      'INSERT',
      'COMMIT 1',
      'DO',
      'COMMIT',
      'SKIP 2',
      'DO',
      'DO',
      'DO',
    ]);
    expect(
      parseCombined('packet-run').every(
        (e) => e.stream === (['tag', 'output', 'sentinel'].includes(e.kind) ? 'stdout' : 'stderr'),
      ),
    ).toBe(true);
  });

  it("loses only a message's own extra lines, which read as output", () => {
    const events = parseCombined('markers');
    expect(
      events.find((e) => e.kind === 'message' && e.text.startsWith('a message')),
    ).toMatchObject({ text: 'a message' });
    expect(events).toContainEqual({ kind: 'output', stream: 'stdout', raw: ['over two lines'] });
    expect(meaning(events).length).toBe(meaning(parse('markers')).length);
    expect(parseCombined('echo-errors')).toContainEqual(
      expect.objectContaining({ kind: 'message', statement: 'SELECT 1 +' }),
    );
  });
});

describe('mapping through a source map', () => {
  /** A bundle whose bytes are exactly the recorded case's SQL, split over two files. */
  async function mapFor(name: string, firstLines: number) {
    // The sentinel line is the runner's own (appended after the bundle, outside the allow-list).
    const sql = recording(name).sql;
    const sentinel = /\\echo ONEROOF SENTINEL [0-9a-f]+\n?$/.exec(sql)?.[0] ?? '';
    const lines = sql.slice(0, sql.length - sentinel.length).split('\n');
    const files: Record<string, string> = {
      'prod/00_preflight.sql': `${lines.slice(0, firstLines).join('\n')}\n\\ir lib/rest.sql\n`,
      'prod/lib/rest.sql': lines.slice(firstLines).join('\n'),
    };
    const reader: PacketReader = {
      readFile: (p) => Buffer.from(files[p.slice('/p/sql/'.length)]!),
      realpath: (p) => {
        if (p !== '/p/sql' && files[p.slice('/p/sql/'.length)] === undefined)
          throw new Error('ENOENT');
        return p;
      },
    };
    const bundle = await bundlePacket({ root: '/p/sql', entry: 'prod/00_preflight.sql', reader });
    expect(bundle.text + sentinel).toBe(sql);
    return sentinel === '' ? bundle.map : bundle.map.append(1, '<oneroof sentinel>');
  }

  it('a NOTICE and an ERROR land on their file and line; LINE n on the exact line', async () => {
    const map = await mapFor('undefined-column', 1);
    const [message] = parse('undefined-column', { map }).filter((e) => e.kind === 'message');
    expect(message).toMatchObject({
      location: stdin(5),
      at: { file: 'prod/lib/rest.sql', line: 4 },
      position: { lineInStatement: 3, at: { file: 'prod/lib/rest.sql', line: 3 } },
    });
  });

  it('every message and marker of a run is mapped', async () => {
    const map = await mapFor('packet-run', 9);
    const events = parse('packet-run', { map });
    const at = events.filter((e) => e.kind === 'tier').map((e) => [e.phase, e.tier, e.at]);
    expect(at).toEqual([
      ['BEGIN', 1, { file: 'prod/lib/rest.sql', line: 2 }],
      ['COMMIT', 1, { file: 'prod/lib/rest.sql', line: 5 }],
      ['SKIP', 2, { file: 'prod/lib/rest.sql', line: 7 }],
    ]);
    expect(events.find((e) => e.kind === 'verdict')?.at).toEqual({
      file: 'prod/00_preflight.sql',
      line: 9,
    });
  });

  it('generated lines say so; lines past the map have no `at`; another input is not mapped', async () => {
    const map = (await mapFor('packet-run', 9)).prepend(1, '<oneroof preamble>');
    const parser = createPsqlParser({ map });
    const events = [
      ...parser.push(
        'stderr',
        'psql:<stdin>:1: NOTICE:  a\npsql:<stdin>:999: NOTICE:  b\npsql:/x.sql:1: NOTICE:  c\n',
      ),
      ...parser.end(),
    ];
    expect(events.map((e) => (e.kind === 'message' ? e.at : null))).toEqual([
      { file: '<oneroof preamble>', line: 1, generated: true },
      undefined,
      { file: '/x.sql', line: 1 },
    ]);
    const staged = createPsqlParser({ map, input: '/tmp/stage.sql' });
    expect(
      staged.push('stderr', 'psql:/tmp/stage.sql:2: NOTICE:  a\n').concat(staged.end()),
    ).toMatchObject([{ at: { file: 'prod/00_preflight.sql', line: 1 } }]);
  });
});

describe('robustness', () => {
  it('garbage bytes: no throw, every line accounted for', () => {
    let seed = 7;
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      bytes[i] = seed % 256;
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const parser = createPsqlParser();
      const events = [...parser.push(stream, bytes), ...parser.end()];
      const lines = events
        .filter((e) => e.kind !== 'tier' && e.kind !== 'assertion')
        .flatMap((e) => e.raw);
      expect(lines).toHaveLength(bytes.toString('utf8').split('\n').length);
    }
  });

  it('a 10 MB line, in 64 KiB chunks, on either stream: linear, and cut to MAX_LINE_BYTES', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'x');
    const parser = createPsqlParser();
    const events: PsqlEvent[] = [];
    events.push(...parser.push('stderr', 'psql:<stdin>:1: NOTICE:  '));
    for (let at = 0; at < big.length; at += 65536) {
      events.push(...parser.push('stdout', big.subarray(at, at + 65536)));
      events.push(...parser.push('stderr', big.subarray(at, at + 65536)));
    }
    events.push(...parser.push('stdout', '\n'), ...parser.push('stderr', '\n'), ...parser.end());
    expect(events.map((e) => e.kind)).toEqual(['output', 'message']);
    const stdoutCut = 'x'.repeat(MAX_LINE_BYTES) + cutNote(big.length - MAX_LINE_BYTES);
    expect(events[0]!.raw[0]).toBe(stdoutCut);
    // The NOTICE's prefix counts toward its line's bytes; the text is what follows it.
    expect((events[1] as { text: string }).text).toMatch(/^x+ … \[\d+ more bytes of this line cut/);
    expect((events[1] as { text: string }).text.length).toBeLessThan(MAX_LINE_BYTES + 100);
  });

  it('CR: a CRLF line parses as the LF line, the raw keeps the CR; a lone CR is text', () => {
    const parser = createPsqlParser();
    const events = [
      ...parser.push('stderr', 'psql:<stdin>:3: ERROR:  boom\r\nDETAIL:  d\r\n'),
      ...parser.push('stdout', 'INSERT 0 1\r\na\rb\n'),
      ...parser.end(),
    ];
    expect(events).toEqual([
      {
        kind: 'message',
        stream: 'stderr',
        raw: ['psql:<stdin>:3: ERROR:  boom\r', 'DETAIL:  d\r'],
        location: stdin(3),
        severity: 'ERROR',
        text: 'boom',
        detail: 'd',
      },
      { kind: 'tag', stream: 'stdout', raw: ['INSERT 0 1\r'], command: 'INSERT', oid: 0, rows: 1 },
      { kind: 'output', stream: 'stdout', raw: ['a\rb'] },
    ]);
  });

  it('non-UTF-8 bytes become U+FFFD and the message still parses', () => {
    const parser = createPsqlParser();
    const events = [
      ...parser.push(
        'stderr',
        Buffer.concat([
          Buffer.from('psql:<stdin>:1: NOTICE:  caf'),
          Buffer.from([0xe9, 0xff]),
          Buffer.from('\n'),
        ]),
      ),
      ...parser.end(),
    ];
    expect(events).toMatchObject([
      { kind: 'message', severity: 'NOTICE', text: 'caf\ufffd\ufffd' },
    ]);
  });

  it('stray continuation lines on stderr with no message open are output', () => {
    const parser = createPsqlParser();
    expect([...parser.push('stderr', 'DETAIL:  orphan\n^\n'), ...parser.end()]).toEqual([
      { kind: 'output', stream: 'stderr', raw: ['DETAIL:  orphan'] },
      { kind: 'output', stream: 'stderr', raw: ['^'] },
    ]);
  });
});
