/**
 * A large stream through the real chain (ssh2 → sshd → docker exec → the stage script → psql,
 * and the other two transports): it travels gzip-compressed (src/runner/compress.ts), and psql
 * reads exactly the bytes of the file, which the server proves by digesting what it stored.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadInventory, type Inventory } from '../../src/inventory/load.js';
import { runSql } from '../../src/runner/run.js';
import { createTransport } from '../../src/transport/index.js';
import type { TransportKind } from '../../src/transport/types.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let inventory: Inventory;
let file: string;
let expected: { rows: number; md5: string };

/** Rows whose payload compresses (repeated text) and rows that do not (digests): 6 MiB. */
function copyRows(): { sql: string; rows: number; md5: string } {
  const rows: string[] = [];
  for (let i = 0; i < 6144; i++) {
    const payload =
      i % 2048 < 1024
        ? 'x'.repeat(960)
        : Array.from({ length: 15 }, (_, k) =>
            createHash('sha256').update(`${i}:${k}`).digest('hex'),
          ).join('');
    rows.push(`${i}\t${payload}`);
  }
  const md5 = createHash('md5').update(rows.join('\n')).digest('hex');
  const sql = [
    'CREATE TEMP TABLE gz_rows (id int, payload text);',
    'COPY gz_rows FROM STDIN;',
    ...rows,
    '\\.',
    "SELECT 'rows=' || count(*) || ' md5=' || md5(string_agg(id || E'\\t' || payload, E'\\n' ORDER BY id)) FROM gz_rows;",
    '',
  ].join('\n');
  return { sql, rows: rows.length, md5 };
}

beforeAll(async () => {
  inventory = await loadInventory(testbed.inventory);
  const dir = await tempDir('oneroof-gzip-');
  file = join(dir, 'rows.sql');
  const built = copyRows();
  expected = { rows: built.rows, md5: built.md5 };
  await writeFile(file, built.sql);
});

describe('a large stream on the wire', () => {
  it.each<TransportKind>(['ssh2', 'openssh', 'local'])(
    'through %s: sent compressed, psql reads exactly the file',
    async (kind) => {
      const target = inventory.targets.get(kind === 'local' ? 'replica' : testbed.ssh.alias)!;
      const result = await runSql({
        kind: 'run',
        target,
        source: { kind: 'file', path: file },
        transport: await createTransport(target, { transportOverride: kind }),
        logDir: join(await tempDir('oneroof-gzip-logs-'), 'logs'),
      });
      expect(result.outcome).toBe('ok');
      expect(result.commandLine).toMatch(/ oneroof-stage \d+ [0-9a-f]{64} gzip psql /);
      const out = result.events.flatMap((e) => (e.kind === 'output' ? e.raw : []));
      expect(out.map((l) => l.trim())).toContain(`rows=${expected.rows} md5=${expected.md5}`);
    },
  );
});
