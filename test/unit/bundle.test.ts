/**
 * The packet bundler and its source map: includes expanded as psql would, text that only looks
 * like an include left alone, every refusal with file, line and caret, and every bundle line
 * mapped back to the file and line it came from.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BundleError, bundlePacket, type Bundle } from '../../src/packet/bundle.js';
import { SourceMap } from '../../src/packet/source-map.js';
import { OneroofError } from '../../src/errors.js';
import { MEMORY_ROOT, memoryReader } from '../helpers/memory-packet.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/packet/', import.meta.url));
const ROOT = MEMORY_ROOT;

function bundleMemory(
  files: Record<string, string | Buffer>,
  entry = 'prod/run.sql',
  symlinks = {},
) {
  return bundlePacket({ root: ROOT, entry, reader: memoryReader(files, symlinks) });
}

async function refusal(promise: Promise<unknown>): Promise<BundleError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  return error as BundleError;
}

/** Every bundle line, looked up, is byte-for-byte the line of the file it names. */
async function expectLinesMapBack(
  bundle: Bundle,
  root: string,
  files: Record<string, string> = {},
) {
  const lines = bundle.text.split('\n');
  expect(lines.at(-1)).toBe('');
  lines.pop();
  expect(bundle.map.lines).toBe(lines.length);
  for (const [index, text] of lines.entries()) {
    const at = bundle.map.lookup(index + 1);
    expect(at, `bundle line ${index + 1}`).toBeDefined();
    const source = files[at!.file] ?? (await readFile(path.join(root, at!.file), 'utf8'));
    expect(text, `bundle line ${index + 1} = ${at!.file}:${at!.line}`).toBe(
      source.replace(/^\ufeff/, '').split('\n')[at!.line - 1],
    );
  }
}

describe('bundlePacket on a packet on disk', () => {
  const root = path.join(FIXTURES, 'basic/sql');

  it('expands \\ir, \\include_relative, \\i (against the parent of root) and quoted names, in order', async () => {
    const bundle = await bundlePacket({ root, entry: 'prod/99_run_all.sql' });
    const heres = [...bundle.text.matchAll(/'([^']+ line \d+)'/g)].map((m) => m[1]);
    expect(heres).toEqual([
      'prod/99_run_all.sql line 3',
      'prod/00_preflight.sql line 1',
      'prod/00_preflight.sql line 2',
      'prod/00_preflight.sql line 3',
      'prod/lib/10_tier.sql line 1',
      'common/nested.sql line 1',
      'prod/lib/10_tier.sql line 3',
      'common/shared.sql line 1',
      'prod/quoted name.sql line 1',
      'prod/99_run_all.sql line 19',
      'prod/99_run_all.sql line 20',
    ]);
    expect(bundle.files.map((f) => f.path)).toEqual([
      'prod/99_run_all.sql',
      'prod/00_preflight.sql',
      'prod/lib/10_tier.sql',
      'common/nested.sql',
      'common/shared.sql',
      'prod/quoted name.sql',
    ]);
    for (const file of bundle.files)
      expect(file.sha256).toBe(sha256(await readFile(path.join(root, file.path))));
    expect(bundle.sha256).toBe(sha256(bundle.bytes));
    expect(bundle.text).toBe(bundle.bytes.toString('utf8'));
  });

  it('leaves includes inside dollar quotes, strings, comments and quoted identifiers alone', async () => {
    const bundle = await bundlePacket({ root, entry: 'prod/99_run_all.sql' });
    for (const text of [
      "  RAISE NOTICE 'in a DO body: \\ir not_a_file.sql';",
      "SELECT '\\ir not_a_file.sql' AS in_a_string, E'it\\'s \\ir still a string' AS escaped;",
      '/* \\ir in a block comment',
      '   /* nested */ \\ir still in the comment */',
      '-- \\ir in a line comment',
      'SELECT 1 AS "quoted \\ir identifier";',
    ])
      expect(bundle.text.split('\n')).toContain(text);
    expect(bundle.text).not.toMatch(/^\s*\\(ir|i|include|include_relative) /m);
  });

  it('maps every bundle line back to its file and line', async () => {
    const bundle = await bundlePacket({ root, entry: 'prod/99_run_all.sql' });
    await expectLinesMapBack(bundle, root);
    expect(bundle.map.lookup(1)).toEqual({ file: 'prod/99_run_all.sql', line: 1 });
    expect(bundle.map.lookup(4)).toEqual({ file: 'prod/00_preflight.sql', line: 1 });
    expect(bundle.map.lookup(bundle.map.lines)).toEqual({ file: 'prod/99_run_all.sql', line: 20 });
    expect(bundle.map.lookup(0)).toBeUndefined();
    expect(bundle.map.lookup(bundle.map.lines + 1)).toBeUndefined();
  });

  it('resolves \\i against an explicit cwd', async () => {
    const bundle = await bundlePacket({
      root,
      entry: 'prod/99_run_all.sql',
      cwd: path.join(FIXTURES, 'basic'),
    });
    expect(bundle.text).toContain("'common/shared.sql line 1'");
    const refused = await refusal(
      bundlePacket({ root, entry: 'prod/99_run_all.sql', cwd: path.dirname(FIXTURES) }),
    );
    expect(refused.reason).toBe('escape');
  });

  it('refuses an include that escapes the root through a symlink', async () => {
    const dir = await tempDir('oneroof-bundle-');
    await mkdir(path.join(dir, 'sql/prod'), { recursive: true });
    await mkdir(path.join(dir, 'outside'));
    await writeFile(path.join(dir, 'outside/secret.sql'), 'SELECT 1;\n');
    await symlink(path.join(dir, 'outside'), path.join(dir, 'sql/prod/linked'));
    await writeFile(path.join(dir, 'sql/prod/run.sql'), 'SELECT 0;\n\\ir linked/secret.sql\n');
    const error = await refusal(
      bundlePacket({ root: path.join(dir, 'sql'), entry: 'prod/run.sql' }),
    );
    expect(error.reason).toBe('escape');
    expect(error.message).toContain(
      'prod/run.sql:2:1: \\ir linked/secret.sql resolves (through a symlink)',
    );
    // A symlink that stays inside the root is fine.
    await symlink(path.join(dir, 'sql/prod/run2.sql'), path.join(dir, 'sql/prod/alias.sql'));
    await writeFile(path.join(dir, 'sql/prod/run2.sql'), 'SELECT 2;\n');
    await writeFile(path.join(dir, 'sql/prod/main.sql'), '\\ir alias.sql\n');
    const ok = await bundlePacket({ root: path.join(dir, 'sql'), entry: 'prod/main.sql' });
    expect(ok.text).toBe('SELECT 2;\n');
    expect(ok.map.lookup(1)).toEqual({ file: 'prod/alias.sql', line: 1 });
  });
});

describe('bundlePacket refusals', () => {
  it('a missing file, with file, line, column, the text and a caret', async () => {
    const error = await refusal(bundleMemory({ 'prod/run.sql': 'SELECT 1;\n  \\ir nope.sql\n' }));
    expect(error.reason).toBe('missing');
    expect(error).toBeInstanceOf(OneroofError);
    expect(error.kind).toBe('config');
    expect(error).toMatchObject({ file: 'prod/run.sql', line: 2, column: 3 });
    expect(error.message).toBe(
      'prod/run.sql:2:3: \\ir: file prod/nope.sql does not exist (ENOENT)\n    \\ir nope.sql\n    ^',
    );
  });

  it('a missing entry file', async () => {
    const error = await refusal(bundleMemory({}, 'prod/run.sql'));
    expect(error).toMatchObject({ reason: 'missing', file: 'prod/run.sql' });
    const root = await refusal(bundlePacket({ root: '/no/such/sql', entry: 'prod/run.sql' }));
    expect(root).toMatchObject({ reason: 'missing', file: '/no/such/sql' });
  });

  it('a cycle, naming the chain', async () => {
    const error = await refusal(
      bundleMemory({
        'prod/run.sql': '\\ir a.sql\n',
        'prod/a.sql': 'SELECT 1;\n\\ir sub/b.sql\n',
        'prod/sub/b.sql': '\\ir ../a.sql\n',
      }),
    );
    expect(error.reason).toBe('cycle');
    expect(error.chain).toEqual(['prod/run.sql', 'prod/a.sql', 'prod/sub/b.sql', 'prod/a.sql']);
    expect(error.message).toContain(
      'prod/sub/b.sql:1:1: include cycle: prod/run.sql → prod/a.sql → prod/sub/b.sql → prod/a.sql',
    );
    const self = await refusal(bundleMemory({ 'prod/run.sql': '\\ir run.sql\n' }));
    expect(self.chain).toEqual(['prod/run.sql', 'prod/run.sql']);
  });

  it('the same file included twice is not a cycle', async () => {
    const bundle = await bundleMemory({
      'prod/run.sql': '\\ir a.sql\n\\ir a.sql\n',
      'prod/a.sql': 'SELECT 1;\n',
    });
    expect(bundle.text).toBe('SELECT 1;\nSELECT 1;\n');
    expect(bundle.files.map((f) => f.path)).toEqual(['prod/run.sql', 'prod/a.sql']);
  });

  it('an escape through ..', async () => {
    const error = await refusal(
      bundleMemory({ 'prod/run.sql': 'SELECT 1;\n\\ir ../../etc/passwd\n' }),
    );
    expect(error).toMatchObject({ reason: 'escape', line: 2, column: 1 });
    expect(error.message).toContain('resolves to ../etc/passwd, outside the packet root');
  });

  it('an escape through a symlink', async () => {
    const error = await refusal(
      bundleMemory(
        { 'prod/run.sql': '\\ir link.sql\n', '../elsewhere.sql': 'SELECT 1;\n' },
        'prod/run.sql',
        { 'prod/link.sql': '../elsewhere.sql' },
      ),
    );
    expect(error.reason).toBe('escape');
  });

  it('absolute and home paths', async () => {
    expect(
      (await refusal(bundleMemory({ 'prod/run.sql': '\\i /p/sql/prod/a.sql\n' }))).reason,
    ).toBe('absolute');
    expect((await refusal(bundleMemory({ 'prod/run.sql': '\\ir ~/a.sql\n' }))).reason).toBe(
      'absolute',
    );
  });

  it('an include with no file, extra arguments, or not alone on its line', async () => {
    const cases: [string, RegExp][] = [
      ['\\ir\n', /no file name/],
      ['\\ir   \n', /no file name/],
      ['\\ir a.sql b.sql\n', /extra argument "b.sql"/],
      ["\\ir 'a.sql\n", /unterminated quoted file name/],
      ['SELECT 1; \\ir a.sql\n', /must stand alone on its line/],
      ['\\ir a.sql \\\\ SELECT 1;\n', /must stand alone on its line/],
      ['SELECT 1\n\\ir a.sql\n;\n', /unterminated statement before it/],
    ];
    for (const [text, message] of cases) {
      const error = await refusal(
        bundleMemory({ 'prod/run.sql': text, 'prod/a.sql': 'SELECT 1;\n' }),
      );
      expect(error.reason, text).toBe('syntax');
      expect(error.message, text).toMatch(message);
    }
  });

  it('meta-commands that reach beyond the stream', async () => {
    for (const text of [
      "\\copy t from 'data.csv'\n",
      "\\copy t from program 'cat x'\n",
      "\\copy t to program 'cat'\n",
      '\\cd /tmp\n',
      '\\! ls\n',
      '\\lo_import x\n',
      '\\o /tmp/out\n',
      '\\ir `echo a.sql`\n',
      '\\ir :dir/a.sql\n',
    ]) {
      const error = await refusal(bundleMemory({ 'prod/run.sql': text }));
      expect(error.reason, text).toBe('unsupported');
    }
  });

  it('a file that ends inside a string, comment, dollar quote or COPY data, or mid-statement', async () => {
    const cases: [string, RegExp, number, number][] = [
      ["SELECT 1;\nSELECT 'abc\n", /string opened here is not closed/, 2, 8],
      ['SELECT 1;\n/* a /* b */\n', /comment opened here/, 2, 1],
      ['DO $x$ BEGIN\n', /dollar-quoted string \$x\$ opened here/, 1, 4],
      ['SELECT "a\n', /quoted identifier opened here/, 1, 8],
      ['COPY t FROM stdin;\n1\n', /COPY data opened here/, 2, 1],
      ['SELECT 1;\n  SELECT 2\n', /statement not terminated/, 2, 3],
    ];
    for (const [text, message, line, column] of cases) {
      const error = await refusal(
        bundleMemory({ 'prod/run.sql': '\\ir a.sql\n', 'prod/a.sql': text }),
      );
      expect(error, text).toMatchObject({ reason: 'syntax', file: 'prod/a.sql', line, column });
      expect(error.message, text).toMatch(message);
    }
  });

  it('the caret counts characters, not bytes', async () => {
    const error = await refusal(bundleMemory({ 'prod/run.sql': "SELECT 'é'; \\ir a.sql\n" }));
    expect(error.column).toBe(13);
    expect(error.message.split('\n').slice(1)).toEqual([
      "  SELECT 'é'; \\ir a.sql",
      `  ${' '.repeat(12)}^`,
    ]);
  });
});

describe('bundlePacket bytes and lines', () => {
  it('keeps CRLF byte for byte and maps lines', async () => {
    const files = {
      'prod/run.sql': 'SELECT 1;\r\n\\ir a.sql\r\nSELECT 3;\r\n',
      'prod/a.sql': 'SELECT 2;\r\nSELECT 22;\r\n',
    };
    const bundle = await bundleMemory(files);
    expect(bundle.text).toBe('SELECT 1;\r\nSELECT 2;\r\nSELECT 22;\r\nSELECT 3;\r\n');
    expect([1, 2, 3, 4].map((n) => bundle.map.lookup(n))).toEqual([
      { file: 'prod/run.sql', line: 1 },
      { file: 'prod/a.sql', line: 1 },
      { file: 'prod/a.sql', line: 2 },
      { file: 'prod/run.sql', line: 3 },
    ]);
  });

  it('ends a last line without newline, so the next file does not glue onto it', async () => {
    const files = {
      'prod/run.sql': '\\ir a.sql\n\\ir b.sql',
      'prod/a.sql': 'SELECT 1;',
      'prod/b.sql': 'SELECT 2; -- no newline',
    };
    const bundle = await bundleMemory(files);
    expect(bundle.text).toBe('SELECT 1;\nSELECT 2; -- no newline\n');
    await expectLinesMapBack(bundle, ROOT, files);
    expect(bundle.files.find((f) => f.path === 'prod/a.sql')?.sha256).toBe(
      sha256(Buffer.from('SELECT 1;')),
    );
  });

  it('drops a byte order mark at the start of a file (psql skips it only there)', async () => {
    const bom = '\ufeff';
    const files = {
      'prod/run.sql': `${bom}SELECT 1;\n\\ir a.sql\n`,
      'prod/a.sql': `${bom}\\ir b.sql\n`,
      'prod/b.sql': `${bom}SELECT 2;\n`,
    };
    const bundle = await bundleMemory(files);
    expect(bundle.text).toBe('SELECT 1;\nSELECT 2;\n');
    expect(bundle.files[1]!.sha256).toBe(sha256(Buffer.from(files['prod/a.sql'])));
  });

  it('copies non-UTF-8 bytes as they are', async () => {
    const latin1 = Buffer.from("SELECT 'caf\xe9';\n", 'latin1');
    const bundle = await bundleMemory({ 'prod/run.sql': '\\ir a.sql\n', 'prod/a.sql': latin1 });
    expect(bundle.bytes.equals(latin1)).toBe(true);
  });

  it('empty files and blank lines', async () => {
    const bundle = await bundleMemory({
      'prod/run.sql': '\n\\ir empty.sql\n\n',
      'prod/empty.sql': '',
    });
    expect(bundle.text).toBe('\n\n');
    expect(bundle.map.lookup(2)).toEqual({ file: 'prod/run.sql', line: 3 });
  });

  it('refuses COPY … FROM STDIN (a failed COPY makes its data lines commands), with a caret', async () => {
    for (const [text, line, column] of [
      ['SELECT 1;\n  COPY t (a, b) FROM STDIN;\n1\t2\n\\.\n', 2, 3],
      ['copy t from stdin with (format csv);\nx\n\\.\n', 1, 1],
      ['COPY t\n  FROM\n  stdin;\n\\.\n', 1, 1],
    ] as const) {
      const error = await refusal(bundleMemory({ 'prod/run.sql': text }));
      expect(error, text).toMatchObject({
        reason: 'unsupported',
        file: 'prod/run.sql',
        line,
        column,
      });
      expect(error.message, text).toMatch(/COPY … FROM STDIN is not allowed in a packet/);
    }
    // Not a COPY from stdin: a COPY to stdout, and the words inside a string.
    const bundle = await bundleMemory({
      'prod/run.sql': "COPY t TO STDOUT;\nSELECT 'COPY t FROM STDIN';\n",
    });
    expect(bundle.text).toBe("COPY t TO STDOUT;\nSELECT 'COPY t FROM STDIN';\n");
  });

  it('tokens that look like quotes do not confuse the lexer', async () => {
    const tricky = [
      "SELECT $1, a$b$c, $$x$$, $q$ it's $$ $q$ FROM t WHERE x = 'a''b' AND \"c\"\"d\" = E'\\'';",
      "SELECT U&'d\\0061', B'01', 1.5e3, :'apr', :\"ident\", 'x' \\; SELECT 2;",
      '/* a /* nested */ still */ SELECT (1; -- ) ;',
      ');',
      '\\ir a.sql',
      '',
    ].join('\n');
    const bundle = await bundleMemory({ 'prod/run.sql': tricky, 'prod/a.sql': 'SELECT 1;\n' });
    expect(bundle.text.split('\n').slice(0, 5)).toEqual([
      ...tricky.split('\n').slice(0, 4),
      'SELECT 1;',
    ]);
    expect(bundle.map.toJSON().statements).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
      [5, 5],
    ]);
  });

  it('expands includes in every \\if branch (documented: the files are ours)', async () => {
    const bundle = await bundleMemory({
      'prod/run.sql': '\\if :oneroof_a\n\\ir a.sql\n\\else\n\\ir b.sql\n\\endif\n',
      'prod/a.sql': 'SELECT 1;\n',
      'prod/b.sql': 'SELECT 2;\n',
    });
    expect(bundle.text).toBe('\\if :oneroof_a\nSELECT 1;\n\\else\nSELECT 2;\n\\endif\n');
  });

  it('parses file names by psql rules: quotes, escapes, double quotes kept', async () => {
    const bundle = await bundleMemory({
      'prod/run.sql': "\\ir 'it''s.sql'\n\\ir 'a\\x62.sql'\n\\ir sub/'c d'.sql\n\\ir \"q\".sql\n",
      "prod/it's.sql": 'SELECT 1;\n',
      'prod/ab.sql': 'SELECT 2;\n',
      'prod/sub/c d.sql': 'SELECT 3;\n',
      'prod/"q".sql': 'SELECT 4;\n',
    });
    expect(bundle.text).toBe('SELECT 1;\nSELECT 2;\nSELECT 3;\nSELECT 4;\n');
  });
});

describe('SourceMap', () => {
  const files = {
    'prod/run.sql': 'SELECT 1;\n\\ir a.sql\nSELECT\n  2\n  ;\nSELECT 3; SELECT\n 4;\n',
    'prod/a.sql': 'SELECT x,\n  y\nFROM t;\n',
  };

  it('resolves a line within a statement from the line that ended it', async () => {
    const { map } = await bundleMemory(files);
    // Bundle: 1 SELECT 1; | 2-4 a.sql | 5 SELECT | 6 2 | 7 ; | 8 SELECT 3; SELECT | 9 4;
    expect(map.resolveInStatement(4, 2)).toEqual({ file: 'prod/a.sql', line: 2 });
    expect(map.resolveInStatement(4, 3)).toEqual({ file: 'prod/a.sql', line: 3 });
    expect(map.resolveInStatement(7, 1)).toEqual({ file: 'prod/run.sql', line: 3 });
    expect(map.resolveInStatement(9, 2)).toEqual({ file: 'prod/run.sql', line: 7 });
    expect(map.resolveInStatement(8, 1)).toEqual({ file: 'prod/run.sql', line: 6 });
    expect(map.resolveInStatement(4, 4)).toBeUndefined();
    expect(map.resolveInStatement(3, 1)).toBeUndefined();
  });

  it('prepends and appends generated lines, and survives JSON', async () => {
    const { map } = await bundleMemory(files);
    const run = map.prepend(2, '<oneroof preamble>').append(1, '<oneroof sentinel>');
    expect(run.lines).toBe(map.lines + 3);
    expect(run.lookup(1)).toEqual({ file: '<oneroof preamble>', line: 1, generated: true });
    expect(run.lookup(2)).toEqual({ file: '<oneroof preamble>', line: 2, generated: true });
    expect(run.lookup(3)).toEqual({ file: 'prod/run.sql', line: 1 });
    expect(run.lookup(run.lines)).toEqual({ file: '<oneroof sentinel>', line: 1, generated: true });
    expect(run.resolveInStatement(6, 2)).toEqual({ file: 'prod/a.sql', line: 2 });
    const json = JSON.parse(JSON.stringify(run)) as unknown;
    const back = SourceMap.fromJSON(json);
    for (let line = 0; line <= run.lines + 1; line++)
      expect(back.lookup(line)).toEqual(run.lookup(line));
    expect(back.toJSON()).toEqual(run.toJSON());
    expect(map.lookup(1)).toEqual({ file: 'prod/run.sql', line: 1 }); // unchanged
    expect(JSON.stringify(map.toJSON())).toBe(
      '{"version":1,"lines":9,"sources":[{"name":"prod/run.sql"},{"name":"prod/a.sql"}],' +
        '"runs":[[1,1,0,1],[2,3,1,1],[5,5,0,3]],"statements":[[1,1],[2,4],[5,7],[8,8],[8,9]],"markers":[]}',
    );
  });

  it('rejects a damaged JSON form', () => {
    expect(() => SourceMap.fromJSON({ version: 2 })).toThrow();
    expect(() =>
      SourceMap.fromJSON({
        version: 1,
        lines: 3,
        sources: [{ name: 'a' }],
        runs: [[1, 2, 0, 1]],
        statements: [],
      }),
    ).toThrow(/cover 2 lines, expected 3/);
    expect(SourceMap.empty().lookup(1)).toBeUndefined();
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
