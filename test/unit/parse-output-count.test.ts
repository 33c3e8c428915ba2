/**
 * Replay's fast path (createPsqlParser's onOutputLines): lines that can only be query output
 * are counted, not decoded into events. Every other event must be exactly what the full parse
 * gives, and the count exactly its output events, for every recorded psql run and any chunking.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPsqlParser } from '../../src/psql/parse.js';
import type { PsqlEvent } from '../../src/psql/events.js';

const PSQL = join(import.meta.dirname, '..', 'fixtures', 'psql');
const CASES = readdirSync(PSQL)
  .filter((f) => f.endsWith('.combined'))
  .map((f) => f.slice(0, -'.combined'.length));

function parse(bytes: Buffer, size: number, count: boolean) {
  let counted = 0;
  const parser = createPsqlParser(count ? { onOutputLines: (n) => (counted += n) } : {});
  const events: PsqlEvent[] = [];
  for (let at = 0; at < bytes.length; at += size)
    events.push(...parser.push('combined', bytes.subarray(at, at + size)));
  events.push(...parser.end());
  return { events, counted };
}

describe('the parser counts plain query output lines without decoding them', () => {
  it.each(CASES.flatMap((c) => [7, 4096].map((size) => [c, size] as const)))(
    '%s in chunks of %i bytes: the same events, output lines counted',
    (name, size) => {
      const bytes = Buffer.concat([
        readFileSync(join(PSQL, `${name}.combined`)),
        Buffer.from(' 1 | a\n\n 2 | b\n-----\n(2 rows)\n'),
      ]);
      const full = parse(bytes, size, false);
      const fast = parse(bytes, size, true);
      const outputs = full.events.filter((e) => e.kind === 'output').length;
      expect(fast.counted).toBeGreaterThan(0);
      expect(fast.counted + fast.events.filter((e) => e.kind === 'output').length).toBe(outputs);
      const meaning = (events: PsqlEvent[]) => events.filter((e) => e.kind !== 'output');
      expect(meaning(fast.events)).toEqual(meaning(full.events));
    },
  );
});
