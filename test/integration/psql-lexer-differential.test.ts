/**
 * The packet lexer (src/packet/psql-lexer.ts) against real psql 15: both read the same scripts,
 * and both must see the same backslash commands, in the same order, with the same arguments.
 *
 * How psql is observed without harm. Every meta-command in these scripts is one whose effect
 * shows on stderr, which psql writes unbuffered and in order:
 *   \warn MARK WORDS…   psql prints `MARK WORDS…` (each case's marks are unique: m<case>_<n>)
 *   \r MARK ARGS…       \r takes no argument, so psql names every argument it split off:
 *                       `\r: extra argument "ARG" ignored` — one line per argument, value as
 *                       psql built it. psql scans these in an ignored branch, so a backquote
 *                       is never run and a variable never expanded (`:{?x}` reads FALSE).
 *   \! echo MARK >&2    (hostile cases only) a shell command: harmless, in the testbed's own
 *                       replica container, which runs with --network none
 *   \bogus              psql: `invalid command \bogus`, and it drops the rest of that line
 * Marks also sit inside SQL strings, comments and dollar quotes (`'\warn m3_1'`): if psql read
 * one of those as a command, a mark the lexer did not predict would appear. SQL is only SELECTs
 * of literals (psql -v ON_ERROR_STOP=0, so a syntax error in a generated line does not stop the
 * script; its ERROR lines carry no mark at a line start and are ignored).
 *
 * The lexer's prediction is computed from its MetaCommand list the same way: \warn → its
 * arguments joined by a space; \r → one entry per argument; \! → the shell line's first word;
 * a name psql does not know → "invalid" and nothing more on that line. The two lists must be
 * equal, case by case.
 *
 * Inputs: 300 generated cases (a seeded generator: the same cases on every run) and a hand-made
 * hostile list. All cases of a kind go through one psql session; every case closes what it
 * opens, so a case cannot disturb the next (and a divergence shows in the first case it hits).
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { scanPsqlScript, type MetaCommand } from '../../src/packet/psql-lexer.js';
import { connectDocker } from '../../src/docker/client.js';
import { dockerExec } from '../../src/docker/exec.js';

const testbed = inject('testbed');

type Seen =
  | { kind: 'warn'; mark: string; text: string }
  | { kind: 'r'; mark: string; args: string[] }
  | { kind: 'shell'; mark: string }
  | { kind: 'invalid'; name: string; line?: number };

/** Commands psql 15 knows, among the ones these scripts use (anything else is invalid). */
const KNOWN = new Set(['warn', 'r', '!', 'echo', 'set', 'if', 'else', 'endif', 'elif']);

/** What the lexer says psql will see. */
function predict(text: string): Seen[] {
  const seen: Seen[] = [];
  let deadLine = -1;
  const shown = (value: string) => value.replace(/:\{\?[A-Za-z0-9_]+\}/g, 'FALSE');
  for (const command of scanPsqlScript(text).commands) {
    if (command.line === deadLine) continue;
    if (!KNOWN.has(command.name)) {
      seen.push({ kind: 'invalid', name: command.name });
      deadLine = command.line;
      continue;
    }
    const values = command.argv.map((a) => a.value);
    if (command.name === 'warn' && isMark(values[0]))
      seen.push({ kind: 'warn', mark: values[0], text: shown(values.slice(1).join(' ')) });
    else if (command.name === 'r' && isMark(values[0]))
      seen.push({ kind: 'r', mark: values[0], args: values.slice(1).map(shown) });
    else if (command.name === 'r') {
      // psql's lines for this \r carry no mark: they read as more arguments of the one before.
      const last = seen.at(-1);
      if (last?.kind === 'r') last.args.push(...values.map(shown));
    } else if (command.name === '!') {
      const mark = /^\s*echo (m\d+_\d+)/.exec(command.args)?.[1];
      if (mark !== undefined) seen.push({ kind: 'shell', mark });
    }
  }
  return seen;
}

function isMark(value: string | undefined): value is string {
  return value !== undefined && /^m\d+_\d+$/.test(value);
}

/** What psql printed on stderr, as the same records. */
function observe(stderr: string): Seen[] {
  const seen: Seen[] = [];
  let open: Extract<Seen, { kind: 'r' }> | undefined;
  for (const line of stderr.split('\n')) {
    const extra = /^psql:[^:]*:\d+: warning: \\r: extra argument "(.*)" ignored$/s.exec(line);
    if (extra !== null) {
      const value = extra[1]!;
      if (isMark(value)) {
        open = { kind: 'r', mark: value, args: [] };
        seen.push(open);
      } else open?.args.push(value);
      continue;
    }
    open = undefined;
    const invalid = /^psql:[^:]*:(\d+): error: invalid command \\(.*)$/.exec(line);
    if (invalid !== null) {
      seen.push({ kind: 'invalid', name: invalid[2]!, line: Number(invalid[1]) });
      continue;
    }
    const marked = /^(m\d+_\d+)(?: (.*))?$/.exec(line);
    if (marked !== null) seen.push({ kind: 'warn', mark: marked[1]!, text: marked[2] ?? '' });
  }
  return seen;
}

/**
 * Groups records by case: a mark names its case; an invalid command has no mark, only psql's
 * line number, which falls in one case's lines (`starts`: each case's first line, ascending).
 */
function byCase(records: Seen[], starts: number[]): Map<number, Seen[]> {
  const cases = new Map<number, Seen[]>();
  for (const record of records) {
    let n: number;
    if ('mark' in record) n = Number(/^m(\d+)_/.exec(record.mark)![1]);
    else {
      n = starts.findLastIndex((start) => start <= record.line!);
      delete record.line;
    }
    const list = cases.get(n) ?? [];
    list.push(record);
    cases.set(n, list);
  }
  return cases;
}

function firstLines(cases: string[]): number[] {
  const starts: number[] = [];
  let line = 1;
  for (const text of cases) {
    starts.push(line);
    line += text.split('\n').length - 1;
  }
  return starts;
}

/** A shell line's output reads like a \warn line: compare shell marks by mark only. */
function comparable(records: Seen[]): Seen[] {
  return records.map((r) => (r.kind === 'shell' ? { kind: 'warn', mark: r.mark, text: '*' } : r));
}

function normalizeObserved(observed: Seen[], predicted: Seen[]): Seen[] {
  const shellMarks = new Set(predicted.filter((r) => r.kind === 'shell').map((r) => r.mark));
  return observed.map((r) =>
    r.kind === 'warn' && shellMarks.has(r.mark) ? { kind: 'warn', mark: r.mark, text: '*' } : r,
  );
}

async function runPsql(script: string, onErrorStop = 0) {
  const docker = await connectDocker();
  const argv = ['psql', '-X', '-q', '-U', testbed.user, '-d', testbed.database];
  return dockerExec(
    docker,
    testbed.container,
    [...argv, '-v', `ON_ERROR_STOP=${onErrorStop}`, '-f', '-'],
    { stdin: script },
  );
}

// ---- the seeded generator ---------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GENERATED = 300;
const SEED = 0x0e1f00f;

/** One generated case: a few lines of SQL fragments and \warn / \r commands, marked m<n>_<k>. */
function generateCase(n: number, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let k = 0;
  const mark = () => `m${n}_${k++}`;
  const arg = (forR: boolean) =>
    pick([
      'a',
      'b1',
      "'q s'",
      "'it''s'",
      "'\\x41\\101'",
      "'tab\\tx'",
      "'bs\\\\x'",
      '"d q"',
      '"x\\y"',
      ':nosuch',
      ":'nosuch'",
      ':"nosuch"',
      ':{?nosuch}',
      'x:nosuch',
      'a;',
      '|p',
      "pre'mid'post",
      ':',
      '::x',
      ...(forR ? ['`echo no`', "'`'", '"`"'] : []),
    ]);
  const meta = () => {
    const r = random() < 0.4;
    const args = Array.from({ length: Math.floor(random() * 4) }, () => arg(r));
    return `\\${r ? 'r' : 'warn'} ${[mark(), ...args].join(pick([' ', '  ', '\t']))}`;
  };
  const sql = () =>
    pick([
      'SELECT 1',
      `SELECT '\\warn ${mark()}'`,
      `SELECT 'x''\\warn ${mark()}'`,
      `SELECT E'\\'\\warn ${mark()}'`,
      `SELECT "\\warn ${mark()}"`,
      `SELECT $$ \\warn ${mark()} $$`,
      `SELECT $q$ $$ \\warn ${mark()} $q$`,
      `/* \\warn ${mark()} /* nested */ \\warn ${mark()} */`,
      ';',
      '(',
      ')',
      'SELECT 1::int',
      "SELECT :'nosuch'",
      'SELECT 2 \\; SELECT 3',
      'SELECT a\\:b',
    ]);
  const lines: string[] = [];
  const count = 1 + Math.floor(random() * 3);
  for (let l = 0; l < count; l++) {
    const parts: string[] = [];
    const segments = 1 + Math.floor(random() * 4);
    for (let s = 0; s < segments; s++) {
      const roll = random();
      if (roll < 0.45) parts.push(meta());
      else if (roll < 0.55 && parts.length > 0) parts.push('\\\\');
      else parts.push(sql());
    }
    let line = parts.join(pick([' ', '']));
    if (random() < 0.15) line += ` -- \\warn ${mark()}`;
    lines.push(line);
  }
  // Close the statement, whatever was left open, so the next case starts clean.
  lines.push('\\r', ');', ';');
  return `${lines.join('\n')}\n`;
}

const random = mulberry32(SEED);
const generated = Array.from({ length: GENERATED }, (_, n) => generateCase(n, random));

// ---- the hand-made hostile list ---------------------------------------------------------

/** [title, script]: hostile shapes, written with observable commands; `N` is the case number. */
const HOSTILE: [string, (n: number) => string][] = [
  ['\\echo hi \\! … runs a shell: two commands', (n) => `\\warn m${n}_0 hi \\! echo m${n}_1 >&2\n`],
  [
    '\\! takes the whole line, \\\\ and later commands included',
    (n) => `\\! echo m${n}_0 >&2 \\\\ \\warn m${n}_1\n`,
  ],
  ['a \\\\ separator then a command', (n) => `\\warn m${n}_0 \\\\ \\warn m${n}_1\n`],
  ['a command glued to the argument', (n) => `\\warn m${n}_0 x\\warn m${n}_1\n`],
  ['a command glued to the name', (n) => `\\warn\\warn m${n}_0\n`],
  ['a backslash inside single quotes does not split', (n) => `\\warn m${n}_0 'a \\warn no'\n`],
  ['an escaped quote then a split', (n) => `\\warn m${n}_0 'it\\'s' \\warn m${n}_1\n`],
  ['a doubled quote then a split', (n) => `\\warn m${n}_0 'it''s' \\warn m${n}_1\n`],
  ['a backslash inside double quotes splits nothing', (n) => `\\warn m${n}_0 "a \\warn" m${n}_x\n`],
  ['a backquote protects a backslash (\\r: never run)', (n) => `\\r m${n}_0 \`echo \\warn\` b\n`],
  ['a command after a SQL string on the same line', (n) => `SELECT 'x' \\warn m${n}_0\n;\n`],
  ['a command inside a string is not one', (n) => `SELECT '\\warn m${n}_0';\n`],
  ['a command inside a multi-line string is not one', (n) => `SELECT 'a\n\\warn m${n}_0\n';\n`],
  ['a command inside a dollar quote is not one', (n) => `SELECT $$\n\\warn m${n}_0\n$$;\n`],
  ['a command inside a tagged dollar quote', (n) => `SELECT $t$ $$ \n\\warn m${n}_0 $t$;\n`],
  ['a command inside a block comment', (n) => `/*\n\\warn m${n}_0\n*/ SELECT 1;\n`],
  ['a command inside a nested block comment', (n) => `/* /* */\n\\warn m${n}_0\n*/ SELECT 1;\n`],
  ['a command after a line comment is not one', (n) => `SELECT 1; -- \\warn m${n}_0\n`],
  ['a command inside a quoted identifier', (n) => `SELECT 1 AS "\\warn m${n}_0";\n`],
  ['a command after an E string escape', (n) => `SELECT E'\\\\' \\warn m${n}_0\n;\n`],
  ['an E string hides an escaped quote', (n) => `SELECT E'\\' \\warn m${n}_0';\n`],
  ['\\; and \\: are SQL, not commands', (n) => `SELECT 1 \\; SELECT 2 \\warn m${n}_0\n;\n`],
  ['a command right after a semicolon', (n) => `SELECT 1;\\warn m${n}_0\n`],
  ['tabs between arguments', (n) => `\\warn\tm${n}_0\ta\t'b'\n`],
  ['a carriage return ends nothing but an argument', (n) => `\\warn m${n}_0 a\r\n`],
  [
    'an unknown command drops the rest of its line',
    (n) => `\\bogus \\warn m${n}_0\n\\warn m${n}_1\n`,
  ],
  ['an unknown command glued to a known one', (n) => `\\warn m${n}_0 \\nope\\warn m${n}_1\n`],
  [
    'variables stay as written when unset',
    (n) => `\\warn m${n}_0 :nosuch :'nosuch' :"nosuch" :{?nosuch}\n`,
  ],
  ['a variable glued to a word', (n) => `\\warn m${n}_0 a:nosuch:'x'\n`],
  ['a pipe is only special for \\g/\\o/\\w', (n) => `\\warn m${n}_0 |cat\n`],
  [
    '\\r splits quoted and unquoted pieces into one argument',
    (n) => `\\r m${n}_0 a'b c'd "e f"g\n`,
  ],
  ['\\r with escapes in single quotes', (n) => `\\r m${n}_0 '\\t' '\\x41' '\\101' '\\q' '\\\\'\n`],
  ['\\r with a lone colon and a cast', (n) => `\\r m${n}_0 : ::int :'\n`],
  ['\\r with a backslash-quoted quote', (n) => `\\r m${n}_0 'a\\'b'\n`],
  [
    '\\if false skips \\! but still splits the line',
    (n) => `\\if false\n\\warn m${n}_0 \\! echo m${n}_1 >&2\n\\endif\n\\warn m${n}_2\n`,
  ],
  [
    '\\if true runs both halves',
    (n) => `\\if true\n\\warn m${n}_0 \\! echo m${n}_1 >&2\n\\endif\n`,
  ],
  [
    '\\else branch with a split',
    (n) => `\\if false\n\\else\n\\warn m${n}_0 \\warn m${n}_1\n\\endif\n`,
  ],
  [
    'a variable holding a command is run by psql when interpolated',
    (n) => `\\set v '\\\\warn m${n}_0'\n:v\n`,
  ],
  [
    'COPY data is not lexed as commands when COPY works',
    (n) =>
      `CREATE TEMP TABLE t${n} (a text);\nCOPY t${n} FROM STDIN;\n\\warn no\n\\.\n\\warn m${n}_0\n`,
  ],
  [
    'a failed COPY makes its data lines commands',
    (n) => `COPY no_such_table_${n} FROM STDIN;\n\\warn m${n}_0\n\\.\n`,
  ],
  ['a command after a parenthesis left open', (n) => `SELECT (1\n\\warn m${n}_0\n);\n`],
  ['three commands on one line', (n) => `\\warn m${n}_0 \\warn m${n}_1 \\\\ \\warn m${n}_2\n`],
  ['the name ends at a quote? no: at space or backslash', (n) => `\\warn'x' m${n}_0\n`],
];

const FIRST_HOSTILE = 1000;
/** Each case ends with a mark both must see: the lexer's state after the case is psql's too. */
const hostile = HOSTILE.map(([title, make], i) => ({
  title,
  text: `${make(FIRST_HOSTILE + i)}\\warn m${FIRST_HOSTILE + i}_99 end\n`,
}));

describe('the packet lexer against real psql 15', () => {
  let generatedSeen: Map<number, Seen[]>;
  let hostileSeen: Map<number, Seen[]>;

  beforeAll(async () => {
    generatedSeen = byCase(
      observe((await runPsql(generated.join(''))).stderr),
      firstLines(generated),
    );
    const outputs = await Promise.all(hostile.map(async (h) => (await runPsql(h.text)).stderr));
    hostileSeen = new Map(
      outputs.map(
        (stderr, i) =>
          [
            FIRST_HOSTILE + i,
            observe(stderr).map((r) => ('line' in r ? { ...r, line: undefined } : r)),
          ] as const,
      ),
    );
  }, 120_000);

  it('the generator is deterministic and its cases are not trivial', () => {
    const again = mulberry32(SEED);
    expect(Array.from({ length: GENERATED }, (_, n) => generateCase(n, again))).toEqual(generated);
    const commands = generated.flatMap((c) => scanPsqlScript(c).commands);
    expect(commands.filter((c) => c.name === 'warn').length).toBeGreaterThan(200);
    expect(commands.filter((c) => c.name === 'r').length).toBeGreaterThan(100);
    expect(generated.filter((c) => c.includes('\\\\ ')).length).toBeGreaterThan(20);
  });

  it('hostile packet-meta: \\gset cannot turn ON_ERROR_STOP off (psql ignores it; the allow-list relies on that)', async () => {
    const result = await runPsql(
      [
        `SELECT 'off' AS "ON_ERROR_STOP", 'off' AS "on_error_stop" \\gset`,
        'SELECT 1/0;',
        '\\warn still running',
        '',
      ].join('\n'),
      1,
    );
    expect(result.stderr).toContain(
      'attempt to \\gset into specially treated variable "ON_ERROR_STOP" ignored',
    );
    expect(result.stderr).toContain('division by zero');
    expect(result.stderr).not.toContain('still running');
    expect(result.exitCode).toBe(3);
  });

  it.each(generated.map((text, n) => [n, text] as const))(
    'generated case %i: the same meta-commands, order and arguments',
    (n, text) => {
      const predicted = predict(text);
      const observed = normalizeObserved(generatedSeen.get(n) ?? [], predicted);
      expect(observed, text).toEqual(comparable(predicted));
    },
  );

  it.each(hostile.map((h, i) => [h.title, i, h.text] as const))(
    'hostile packet-meta: %s (psql sees what the lexer sees)',
    (_title, i, text) => {
      const predicted = predictHostile(text);
      const observed = normalizeObserved(hostileSeen.get(FIRST_HOSTILE + i) ?? [], predicted);
      expect(observed, text).toEqual(comparable(predicted));
      expect(predicted.length, 'the case observes something').toBeGreaterThan(0);
    },
  );
});

/**
 * The hostile cases include what psql does beyond lexing, which the prediction models
 * explicitly: a false \if branch runs nothing; an interpolated variable is lexed again; a failed
 * COPY reads its data as commands (all three are why the packet's rules forbid these shapes).
 */
function predictHostile(text: string): Seen[] {
  const scan = scanPsqlScript(text);
  const falseBranch = (c: MetaCommand) => inFalseBranch(scan.commands, c);
  const seen = predict(text).filter((record) => {
    const command = scan.commands.find(
      (c) =>
        'mark' in record &&
        (c.argv.some((a) => a.value === record.mark) || c.args.includes(record.mark)),
    );
    return command === undefined || !falseBranch(command);
  });
  const variable = /^\\set v '\\\\warn (m\d+_\d+)'\n:v\n/.exec(text);
  if (variable !== null) seen.unshift({ kind: 'warn', mark: variable[1]!, text: '' });
  const failedCopy = /^COPY no_such_table_\d+ FROM STDIN;\n\\warn (m\d+_\d+)\n/.exec(text);
  if (failedCopy !== null)
    seen.unshift({ kind: 'warn', mark: failedCopy[1]!, text: '' }, { kind: 'invalid', name: '.' });
  return seen;
}

function inFalseBranch(commands: MetaCommand[], target: MetaCommand): boolean {
  let depth = 0;
  let falseAt = -1;
  for (const c of commands) {
    if (c === target) return falseAt >= 0;
    if (c.name === 'if') {
      depth += 1;
      if (falseAt < 0 && c.argv[0]?.value === 'false') falseAt = depth;
    } else if (c.name === 'else' && falseAt === depth) falseAt = -1;
    else if (c.name === 'endif') {
      if (falseAt === depth) falseAt = -1;
      depth -= 1;
    }
  }
  return false;
}
