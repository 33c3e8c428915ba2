/**
 * The packet's meta-command allow-list (src/packet/meta-args.ts) on the lexer's split
 * (src/packet/psql-lexer.ts): every hostile shape is refused with file, line, column and a
 * caret, before anything is contacted; the forms the shipped packet and oneroof's own plans use
 * pass. (test/integration/psql-lexer-differential.test.ts proves the split against real psql.)
 */
import { packetVariables } from '../../src/contract/summary.js';
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BundleError, bundlePacket } from '../../src/packet/bundle.js';
import { scanPsqlScript } from '../../src/packet/psql-lexer.js';
import * as plans from '../../src/engine/plans.js';
import { prepareStream } from '../../src/runner/run.js';
import { MEMORY_ROOT, memoryReader } from '../helpers/memory-packet.js';

const ROOT = MEMORY_ROOT;
const SHIPPED = fileURLToPath(new URL('../../sql/', import.meta.url));

/** The hostile line sits on line 3 of an included file, after two harmless lines. */
async function refuse(text: string, generatedEntry = false): Promise<BundleError> {
  const files = {
    'prod/run.sql': '\\ir lib/x.sql\n',
    'prod/lib/x.sql': `SELECT 1;\n\\set oneroof_ok on\n${text}\n`,
  };
  const error: unknown = await bundlePacket({
    root: ROOT,
    entry: 'prod/run.sql',
    reader: memoryReader(files),
    generatedEntry,
    packetVariables: packetVariables(SHIPPED_PACKET),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, text).toBeInstanceOf(BundleError);
  return error as BundleError;
}

/** [case, text of line 3, column of the caret, what the message says] */
const HOSTILE: [string, string, number, RegExp][] = [
  [
    '\\echo hi \\! touch x is two commands, the second a shell',
    '\\echo hi \\! touch x',
    10,
    /\\!: runs a shell/,
  ],
  ['\\set then \\! on the same line', '\\set oneroof_a 1 \\! touch x', 18, /\\!: runs a shell/],
  ['\\! after a \\\\ separator', '\\set oneroof_a 1 \\\\ \\! touch x', 21, /\\!: runs a shell/],
  ['\\! glued to an argument', '\\set oneroof_a x\\! touch x', 17, /\\!: runs a shell/],
  ['\\! after SQL on the line', "SELECT 'a' \\! touch x", 12, /\\!: runs a shell/],
  ['\\! after a statement', 'SELECT 1;\\! touch x', 10, /\\!: runs a shell/],
  ['\\! alone', '\\! touch /tmp/x', 1, /\\!: runs a shell/],
  ['\\g |cmd pipes the result to a shell', 'SELECT 1 \\g |touch x', 10, /\\g: .*pipe/],
  ['\\g FILE writes a file', 'SELECT 1 \\g /tmp/out', 10, /\\g: /],
  ['\\gx FILE', 'SELECT 1 \\gx /tmp/out', 10, /\\gx: /],
  [
    '\\gset |cmd (only a prefix is allowed)',
    'SELECT 1 AS oneroof_a \\gset |touch',
    29,
    /prefix must be/,
  ],
  ['\\gset with a foreign prefix', 'SELECT 1 AS a \\gset ON_ERROR_', 21, /prefix must be/],
  ['\\gset with two arguments', 'SELECT 1 AS a \\gset oneroof_ x', 30, /at most a prefix/],
  ['\\o to a file', '\\o /tmp/out', 1, /\\o: writes/],
  ['\\o to a pipe', '\\o |cat', 1, /\\o: writes/],
  ['\\o with no argument', '\\o', 1, /\\o: writes/],
  ['\\w to a file', '\\w /tmp/buf', 1, /\\w: writes/],
  ['\\copy from a file', "\\copy t from '/etc/passwd'", 1, /\\copy: reads or writes/],
  ['\\copy from stdin', '\\copy t from stdin', 1, /\\copy: /],
  ['\\COPY in capitals', "\\COPY t to program 'sh'", 1, /\\COPY: reads or writes/],
  ['\\cd', '\\cd /tmp', 1, /\\cd: changes the directory/],
  ['\\setenv', '\\setenv PAGER sh', 1, /\\setenv: /],
  ['\\lo_import', '\\lo_import /etc/passwd', 1, /\\lo_import: reads a file/],
  ['\\lo_export', '\\lo_export 1 /tmp/x', 1, /\\lo_export: writes a file/],
  ['\\unset ON_ERROR_STOP', '\\unset ON_ERROR_STOP', 1, /\\unset: removes a variable/],
  ['\\set ON_ERROR_STOP off', '\\set ON_ERROR_STOP off', 20, /ON_ERROR_STOP stays on/],
  ['\\set ON_ERROR_STOP 0', '\\set ON_ERROR_STOP 0', 20, /ON_ERROR_STOP stays on/],
  ['\\set ON_ERROR_STOP with no value', '\\set ON_ERROR_STOP', 6, /ON_ERROR_STOP stays on/],
  ["\\set ON_ERROR_STOP 'on' quoted", "\\set ON_ERROR_STOP 'on'", 20, /ON_ERROR_STOP stays on/],
  ['\\set ON_ERROR_STOP on on', '\\set ON_ERROR_STOP on off', 20, /ON_ERROR_STOP stays on/],
  ['\\set on_error_stop off (any case)', '\\set on_error_stop off', 20, /ON_ERROR_STOP stays on/],
  ['\\set On_Error_Stop on (any case)', '\\set On_Error_Stop on', 20, /ON_ERROR_STOP stays on/],
  [
    '\\set :name (a variable that expands to ON_ERROR_STOP)',
    '\\set :v off',
    6,
    /written out plainly/,
  ],
  ["\\set :'name'", "\\set :'v' off", 6, /written out plainly/],
  ['\\set a quoted name', "\\set 'ON_ERROR_STOP' off", 6, /written out plainly/],
  ['\\set ON_ERROR_ROLLBACK', '\\set ON_ERROR_ROLLBACK on', 6, /only its own variables/],
  ['\\set AUTOCOMMIT off', '\\set AUTOCOMMIT off', 17, /AUTOCOMMIT may only be set to on/],
  ['\\set QUIET on in a packet file', '\\set QUIET on', 6, /only its own variables/],
  ['\\set SINGLESTEP', '\\set SINGLESTEP on', 6, /only its own variables/],
  ['\\set FETCH_COUNT', '\\set FETCH_COUNT 1', 6, /only its own variables/],
  ['\\set HISTFILE', '\\set HISTFILE /tmp/h', 6, /only its own variables/],
  ['\\set ECHO_HIDDEN', '\\set ECHO_HIDDEN on', 6, /only its own variables/],
  ["\\set the operator's ratified_apr", '\\set ratified_apr APR-1', 6, /given by oneroof/],
  [
    '\\set oneroof_lock_wait (given by oneroof)',
    '\\set oneroof_lock_wait 0',
    6,
    /given by oneroof/,
  ],
  ['\\set a value holding a command', "\\set oneroof_x '\\\\! touch x'", 16, /backslash/],
  ['\\set a value built by an escape', "\\set oneroof_x '\\x5c! touch x'", 16, /backslash/],
  ['\\set a value from another variable', '\\set oneroof_x :y', 16, /another variable/],
  ['\\set a backquoted value', '\\set oneroof_x `touch x`', 16, /backquoted/],
  ['\\i with a backquote', '\\i `echo x`', 4, /backquoted/],
  ['\\ir with a variable', '\\ir :dir/x.sql', 1, /psql variable in a file name/],
  ['\\gexec', 'SELECT 1 \\gexec', 10, /\\gexec: runs/],
  ['\\watch', 'SELECT 1 \\watch 1', 10, /\\watch: /],
  ['\\connect', '\\connect postgres', 1, /\\connect: connects/],
  ['\\c', '\\c postgres evil', 1, /\\c: connects/],
  ['\\password', '\\password', 1, /\\password: /],
  ['\\q ends the script early', '\\q', 1, /\\q: ends the script/],
  [
    '\\echo in a packet file (it could print a probe block or a sentinel)',
    '\\echo ONEROOF SENTINEL 00',
    1,
    /\\echo: /,
  ],
  ['\\qecho', '\\qecho x', 1, /\\qecho: /],
  ['\\warn', '\\warn x', 1, /\\warn: /],
  ['\\pset in a packet file', '\\pset format html', 1, /\\pset: /],
  ['\\prompt', '\\prompt x', 1, /\\prompt: /],
  ['\\e', '\\e', 1, /\\e: starts an editor/],
  ['an unknown command', '\\bogus', 1, /\\bogus: is not one of the meta-commands/],
  [
    'an empty command name (a lone backslash pair after SQL)',
    'SELECT 1 \\\\',
    10,
    /\\: is not one/,
  ],
  ['\\if with an expression that is not one variable', '\\if :a :b', 5, /expected one variable/],
  ['\\if with a backquote', '\\if `true`', 5, /backquoted/],
  ['\\if with a literal', '\\if true', 5, /expected one variable/],
  ['\\else with an argument', '\\else \\! touch x', 7, /\\!: runs a shell/],
  [
    'a refused command inside a false \\if branch',
    '\\if :oneroof_never\n\\! touch x\n\\endif',
    1,
    /\\!: /,
  ],
  ['an unterminated quote in an argument', "\\set oneroof_x 'abc", 1, /not closed/],
  [
    'COPY FROM STDIN (a failed COPY makes its data lines commands)',
    'COPY t FROM STDIN;\n\\! touch x\n\\.',
    1,
    /COPY … FROM STDIN is not allowed/,
  ],
  ["the operator's value unquoted in SQL (:ratified_apr)", 'SELECT :ratified_apr;', 8, /unquoted/],
  ['a -v value unquoted in SQL (:tier)', 'SELECT 1 WHERE :tier = 1;', 16, /unquoted/],
];

describe('the packet allow-list', () => {
  it.each(HOSTILE)(
    'hostile packet-meta: %s is refused with file:line and a caret',
    async (_t, text, column, message) => {
      const error = await refuse(text);
      expect(error.reason, error.message).toBe('unsupported');
      const line = /^\\if :oneroof_never/.test(text) ? 4 : 3;
      expect(error, error.message).toMatchObject({ file: 'prod/lib/x.sql', line, column });
      expect(error.message).toMatch(message);
      // file:line:column, the line, and a caret under the column; exit 2 (a usage/config error).
      const [head, shown, caret] = error.message.split('\n');
      expect(head).toMatch(new RegExp(`^prod/lib/x\\.sql:${line}:${column}: `));
      expect(shown).toBe(`  ${text.split('\n')[line - 3]!.replace(/\t/g, ' ')}`);
      expect(caret).toBe(`  ${' '.repeat(column - 1)}^`);
      expect(error.kind).toBe('config');
    },
  );

  it('the runner turns a refusal into a usage error (exit 2) before anything is contacted', async () => {
    const error: unknown = await prepareStream({
      kind: 'plan',
      root: ROOT,
      name: '<oneroof test>',
      text: '\\warn x\n',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'usage' });
  });

  it.each([
    ['\\ir lib/y.sql', 'an include'],
    [
      '\\if :oneroof_a\n\\elif :{?ratified_apr}\n\\else\n\\endif',
      '\\if :name, \\elif :{?name}, \\else, \\endif',
    ],
    ["\\set oneroof_b 'SAVEPOINT a; RELEASE SAVEPOINT a'", '\\set with a quoted value'],
    ['\\set oneroof_c \'{"a":"b"}\'', '\\set with JSON in quotes'],
    ['\\set oneroof_d false', '\\set with a word'],
    [
      '\\set ON_ERROR_STOP on\n\\set AUTOCOMMIT on\n\\set VERBOSITY default\n\\set SHOW_CONTEXT errors',
      'the four psql settings, each to its value',
    ],
    [
      'SELECT 1 AS oneroof_e \\gset\nSELECT 2 AS x \\gset oneroof_f_',
      '\\gset and \\gset oneroof_…',
    ],
    [
      'SELECT :\'ratified_apr\', :"oneroof_g", :oneroof_tier_begin;',
      'variables in SQL, operator values quoted',
    ],
    [
      "SELECT '\\! not a command', $$ \\! $$; -- \\! neither",
      'backslashes inside strings, dollar quotes and comments',
    ],
  ])('the packet form %s passes (%s)', async (text) => {
    await expect(
      bundlePacket({
        root: ROOT,
        entry: 'prod/run.sql',
        reader: memoryReader({ 'prod/run.sql': `${text}\n`, 'prod/lib/y.sql': 'SELECT 1;\n' }),
      }),
    ).resolves.toBeDefined();
  });

  it('every shipped packet file and every plan oneroof generates passes', async () => {
    const entries = [
      'prod/00_preflight.sql',
      'prod/99_run_all.sql',
      'prod/90_verify.sql',
      'prod_rollback/99_rollback_full.sql',
      'prod_rollback/per_tier_rollback.sql',
      'clone_revalidation/00_golden_clone.sql',
      'clone_revalidation/10_approve.sql',
      'clone_revalidation/20_revalidate.sql',
    ];
    for (const entry of entries) await bundlePacket({ root: SHIPPED, entry });
    const all = [
      plans.preflightPlan(SHIPPED_PACKET),
      plans.applyPlan(SHIPPED_PACKET),
      plans.verifyPlan(SHIPPED_PACKET),
      plans.rollbackPlan(SHIPPED_PACKET, 'full'),
      plans.rollbackPlan(SHIPPED_PACKET, 'tier'),
      plans.statusPlan(SHIPPED_PACKET),
      plans.statePlan(SHIPPED_PACKET),
    ];
    for (const plan of all) {
      const prepared = await prepareStream({ kind: 'plan', root: SHIPPED, ...plan });
      // The runner's sentinel is still the last line, after the checked bundle.
      expect((prepared.bytes as Buffer).toString('utf8')).toMatch(
        /\n\\echo ONEROOF SENTINEL [0-9a-f]{32}\n$/,
      );
    }
  });

  it('the plans may print (\\echo, \\pset, \\set QUIET); a packet file included by a plan may not', async () => {
    const files = {
      'prod/run.sql':
        '\\set QUIET on\n\\pset format unaligned\n\\echo ONEROOF PROBE x BEGIN\n\\ir lib/x.sql\n',
      'prod/lib/x.sql': '\\echo ONEROOF PROBE x END\n',
    };
    const error: unknown = await bundlePacket({
      root: ROOT,
      entry: 'prod/run.sql',
      reader: memoryReader(files),
      generatedEntry: true,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ reason: 'unsupported', file: 'prod/lib/x.sql', line: 1 });
  });
});

describe('the lexer splits as psqlscanslash does', () => {
  it.each([
    [
      '\\echo hi \\! touch x',
      [
        ['echo', ['hi']],
        ['!', []],
      ],
      [' touch x'],
    ],
    ['\\! a \\\\ \\echo b', [['!', []]], [' a \\\\ \\echo b']],
    [
      '\\set a 1 \\\\ \\set b 2',
      [
        ['set', ['a', '1']],
        ['set', ['b', '2']],
      ],
      [],
    ],
    [
      "\\set a 'x \\\\ y' b\\echo c",
      [
        ['set', ['a', 'x \\ y', 'b']],
        ['echo', ['c']],
      ],
      [],
    ],
    ['\\set a "q \\ r" `s \\ t`', [['set', ['a', '"q \\ r"', 's \\ t']]], []],
    ["\\set a 'it''s' pre'mid'post", [['set', ['a', "it's", 'premidpost']]], []],
    ['SELECT 1 \\gset oneroof_ \\\\ SELECT 2;', [['gset', ['oneroof_']]], []],
  ] as const)('%s', (text, expected, wholeLine) => {
    const commands = scanPsqlScript(`${text}\n`).commands;
    expect(commands.map((c) => [c.name, c.argv.map((a) => a.value)])).toEqual(expected);
    const whole = commands.filter((c) => c.name === '!').map((c) => c.args);
    expect(whole).toEqual(wholeLine);
  });
});
