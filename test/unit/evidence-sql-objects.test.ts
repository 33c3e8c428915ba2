/** Document 02's reading of a packet file's statements (src/evidence/sql-objects.ts). */
import { describe, expect, it } from 'vitest';
import { objectUses } from '../../src/evidence/sql-objects.js';

const uses = (sql: string) =>
  objectUses(sql).map((u) => `${u.line} ${u.action} ${u.kind} ${u.name}`);

describe('the objects a packet file touches', () => {
  it('reads DDL and row writes, with their lines, names as written (lower case unless quoted)', () => {
    expect(
      uses(
        [
          'CREATE SCHEMA IF NOT EXISTS governance;',
          'CREATE TABLE IF NOT EXISTS Governance.Ledger (id int);',
          'CREATE OR REPLACE VIEW governance.v_x AS SELECT 1;',
          'CREATE UNIQUE INDEX IF NOT EXISTS ix ON governance.ledger (id);',
          'ALTER TABLE ONLY "Gov"."T" ADD COLUMN c int;',
          'INSERT INTO governance.ledger (id)',
          '  SELECT 1 ON CONFLICT (id) DO UPDATE SET id = 2;',
          'UPDATE public.directus_folders SET name = 1;',
          'DELETE FROM governance.event;',
          "COMMENT ON TABLE governance.ledger IS 'x';",
        ].join('\n'),
      ),
    ).toEqual([
      '1 created schema governance',
      '2 created table governance.ledger',
      '3 created or replaced view governance.v_x',
      '4 created index ix',
      '5 altered table Gov.T',
      '6 rows inserted table governance.ledger',
      '8 rows updated table public.directus_folders',
      '9 rows deleted table governance.event',
      '10 commented table governance.ledger',
    ]);
  });

  it('reads the statements of a PL/pgSQL body (dollar-quoted code)', () => {
    expect(uses('DO $$\nBEGIN\n  INSERT INTO governance.event (e) VALUES (1);\nEND\n$$;')).toEqual([
      '3 rows inserted table governance.event',
    ]);
  });
});

describe('hostile packet-text: document 02 reads statements only', () => {
  it.each([
    ['a comment', '-- CREATE TABLE evil.t (id int);\nSELECT 1;'],
    ['a block comment', '/* DROP TABLE evil.t; */ SELECT 1;'],
    ['a literal', "SELECT 'DROP TABLE evil.t';"],
    ["a COMMENT's text", "COMMENT ON SCHEMA s IS 'then INSERT INTO evil.t';"],
  ])('%s is never taken for a statement', (_name, sql) => {
    expect(uses(sql).filter((u) => u.includes('evil'))).toEqual([]);
  });
});
