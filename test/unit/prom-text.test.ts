/**
 * The strict Prometheus text reader of the tests (test/helpers/prom-text.ts) refuses what the
 * format does not allow, so a metrics test that reads a file through it can fail.
 */
import { describe, expect, it } from 'vitest';
import { parsePromText } from '../helpers/prom-text.js';

const T = '# HELP a_b An a.\n# TYPE a_b gauge\n';

describe('the strict Prometheus text reader', () => {
  it('reads families, labels with escapes, and float values', () => {
    const f = parsePromText(`${T}a_b{x="1",y="q\\"\\\\\\n"} 1.5\na_b{x="2"} -Inf\na_b 1e3\n`);
    expect(f.get('a_b')).toEqual({
      help: 'An a.',
      type: 'gauge',
      samples: [
        { labels: { x: '1', y: 'q"\\\n' }, value: 1.5 },
        { labels: { x: '2' }, value: -Infinity },
        { labels: {}, value: 1000 },
      ],
    });
  });

  it.each([
    ['no final newline', `${T}a_b 1`],
    ['a sample before its TYPE', 'a_b 1\n'],
    ['TYPE twice', `${T}# TYPE a_b gauge\n`],
    ['a family split in two', `${T}a_b 1\n# TYPE c gauge\nc 1\na_b{x="1"} 2\n`],
    ['a duplicate series', `${T}a_b{x="1",y="2"} 1\na_b{y="2",x="1"} 2\n`],
    ['a value that is not a float', `${T}a_b one\n`],
    ['a bad label name', `${T}a_b{1x="1"} 1\n`],
    ['a bad escape', `${T}a_b{x="\\t"} 1\n`],
    ['a label twice', `${T}a_b{x="1",x="2"} 1\n`],
    ['a stray comment', `${T}# hello\na_b 1\n`],
    ['an unknown type', '# TYPE a_b meter\n'],
    ['a blank line', `${T}\na_b 1\n`],
  ])('%s is refused', (_, text) => {
    expect(() => parsePromText(text)).toThrow();
  });
});
