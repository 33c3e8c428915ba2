import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/options.js';
import {
  MANIFEST_FILE,
  ManifestError,
  checkManifest,
  compareManifest,
  describeDifference,
  formatChecksumsInclude,
  formatManifest,
  parseManifest,
  sha256Hex,
  writeManifest,
} from '../../src/packet/manifest.js';
import { tempDir } from '../helpers/tmp.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const SQL = join(PACKAGE_ROOT, 'sql');
const CHECKSUMS = SHIPPED_PACKET.checksums!;

describe('formatManifest / parseManifest', () => {
  it('writes sha256sum lines sorted bytewise, and reads them back', () => {
    const text = formatManifest([
      { path: 'prod/_session.sql', sha256: B },
      { path: 'README.md', sha256: A },
      { path: 'prod/00_preflight.sql', sha256: C },
    ]);
    expect(text).toBe(`${A}  README.md\n${C}  prod/00_preflight.sql\n${B}  prod/_session.sql\n`);
    expect(parseManifest(text)).toEqual([
      { path: 'README.md', sha256: A },
      { path: 'prod/00_preflight.sql', sha256: C },
      { path: 'prod/_session.sql', sha256: B },
    ]);
  });

  it('accepts sha256sum binary mode (*path)', () => {
    expect(parseManifest(`${A} *prod/x.sql\n`)).toEqual([{ path: 'prod/x.sql', sha256: A }]);
  });

  it('names the line of a malformed entry and of a duplicate', () => {
    expect(() => parseManifest(`${A}  ok.sql\nnot a line\n`)).toThrow(
      new ManifestError(
        'manifest-sha256.txt:2: expected "<64 hex digits>  <path>", got "not a line"',
      ),
    );
    expect(() => parseManifest(`${A}  x.sql\n${B}  x.sql\n`)).toThrow(
      'manifest-sha256.txt:2: x.sql listed twice',
    );
    expect(() => parseManifest(`${A.toUpperCase()}  x.sql\n`)).toThrow(/:1: expected/);
  });
});

describe('compareManifest', () => {
  it('reports mismatching, missing and extra files in path order, with both digests', () => {
    const differences = compareManifest(
      [
        { path: 'prod/10.sql', sha256: A },
        { path: 'prod/20.sql', sha256: B },
        { path: 'prod/keep.sql', sha256: C },
      ],
      [
        { path: 'prod/10.sql', sha256: C },
        { path: 'prod/keep.sql', sha256: C },
        { path: 'prod/new.sql', sha256: A },
      ],
    );
    expect(differences).toEqual([
      { path: 'prod/10.sql', kind: 'mismatch', expected: A, actual: C },
      { path: 'prod/20.sql', kind: 'missing', expected: B, actual: undefined },
      { path: 'prod/new.sql', kind: 'extra', expected: undefined, actual: A },
    ]);
    expect(differences.map(describeDifference)).toEqual([
      `mismatch  prod/10.sql: manifest ${A}, file ${C}`,
      `missing   prod/20.sql: manifest ${B}, file (absent)`,
      `extra     prod/new.sql: manifest (absent), file ${A}`,
    ]);
  });

  it('finds nothing when they agree', () => {
    const entries = [{ path: 'x.sql', sha256: A }];
    expect(compareManifest(entries, entries)).toEqual([]);
  });
});

describe('formatChecksumsInclude', () => {
  it('lists prod/ and prod_verify/ (not itself, not the rest) as one psql variable', () => {
    const text = formatChecksumsInclude(
      [
        { path: 'prod_rollback/99_rollback_full.sql', sha256: A },
        { path: 'prod_verify/state_vector.sql', sha256: B },
        { path: CHECKSUMS.include, sha256: C },
        { path: 'prod/10_structure.sql', sha256: A },
        { path: 'README.md', sha256: B },
      ],
      CHECKSUMS,
    );
    expect(text.split('\n').slice(-3)).toEqual([
      'SET client_min_messages = notice;',
      `\\set oneroof_checksums '{"prod/10_structure.sql":"${A}","prod_verify/state_vector.sql":"${B}"}'`,
      '',
    ]);
  });

  it('refuses a path that could not stand inside a psql literal', () => {
    expect(() => formatChecksumsInclude([{ path: "prod/it's.sql", sha256: A }], CHECKSUMS)).toThrow(
      ManifestError,
    );
  });
});

describe('the packet on disk', () => {
  it('sql/manifest-sha256.txt and sql/prod/_checksums.sql match this checkout (run `npm run manifest -- write` after editing sql/)', async () => {
    expect((await checkManifest(SQL, CHECKSUMS)).map(describeDifference)).toEqual([]);
  });

  it('write then check; then every kind of tampering is named', async () => {
    const dir = join(await tempDir(), 'sql');
    await cp(SQL, dir, { recursive: true });
    await rm(join(dir, MANIFEST_FILE));
    await writeFile(join(dir, CHECKSUMS.include), '-- stale\n');
    const written = await writeManifest(dir, CHECKSUMS);
    expect(written.manifestChanged).toBe(true);
    expect(written.checksumsChanged).toBe(true);
    expect(await readFile(join(dir, MANIFEST_FILE), 'utf8')).toBe(
      await readFile(join(SQL, MANIFEST_FILE), 'utf8'),
    );
    expect(await checkManifest(dir, CHECKSUMS)).toEqual([]);
    expect((await writeManifest(dir, CHECKSUMS)).manifestChanged).toBe(false);

    const tier = 'prod/30_sovereign_ownership.sql';
    const original = await readFile(join(dir, tier));
    await writeFile(join(dir, tier), Buffer.concat([original, Buffer.from('-- edited\n')]));
    await writeFile(join(dir, 'prod/extra.sql'), 'SELECT 1;\n');
    await rm(join(dir, 'prod_verify/gate.sql'));
    const differences = await checkManifest(dir, CHECKSUMS);
    expect(differences.map((d) => [d.kind, d.path])).toEqual([
      ['mismatch', tier],
      ['extra', 'prod/extra.sql'],
      ['missing', 'prod_verify/gate.sql'],
      ['stale', CHECKSUMS.include],
    ]);
    expect(differences[0]).toEqual({
      path: tier,
      kind: 'mismatch',
      expected: sha256Hex(original),
      actual: sha256Hex(Buffer.concat([original, Buffer.from('-- edited\n')])),
    });
  });

  it('an unreadable manifest is an integrity error naming the file', async () => {
    const dir = await tempDir();
    await expect(checkManifest(dir, CHECKSUMS)).rejects.toThrow(
      new RegExp(`${MANIFEST_FILE}: cannot be read \\(ENOENT\\)`),
    );
  });
});
