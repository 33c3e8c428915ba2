/**
 * psql's output cut into lines with bounded memory: whatever the far side sends (a hostile
 * database can raise a NOTICE of any length), a parsed line holds at most MAX_LINE_BYTES and
 * says how much was cut; the .log keeps every byte (the runner tees before it parses).
 */
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/psql/lines.js';
import { cutNote, MAX_LINE_BYTES } from '../helpers/recording.js';
import { createPsqlParser } from '../../src/psql/parse.js';

/** Feeds `total` bytes of `fill` then an LF, in chunks of `chunk` bytes. */
function feed(splitter: LineSplitter, total: number, chunk: number, fill = 0x41): string[] {
  const piece = Buffer.alloc(chunk, fill);
  const lines: string[] = [];
  for (let sent = 0; sent < total; sent += chunk)
    lines.push(...splitter.push(piece.subarray(0, Math.min(chunk, total - sent))));
  lines.push(...splitter.push('\n'));
  return lines;
}

describe('hostile psql-output: a line longer than the cap', () => {
  it.each([
    ['one byte over, in one chunk', MAX_LINE_BYTES + 1, MAX_LINE_BYTES + 1],
    ['64 MiB in 64 KiB chunks', 64 * 1024 * 1024, 64 * 1024],
    ['3 MiB in chunks that straddle the cap', 3 * 1024 * 1024, 1000_003],
    ['2 MiB one byte at a time near the end', MAX_LINE_BYTES + 7, 1],
  ])('%s: the first MAX_LINE_BYTES bytes and a note of the rest', (_name, total, chunk) => {
    const lines = feed(new LineSplitter(), total, chunk);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('A'.repeat(MAX_LINE_BYTES) + cutNote(total - MAX_LINE_BYTES));
  });

  it('a line of exactly the cap is whole, and the next line is not affected', () => {
    const splitter = new LineSplitter();
    expect(feed(splitter, MAX_LINE_BYTES, 4096)).toEqual(['A'.repeat(MAX_LINE_BYTES)]);
    expect(splitter.push('next\n')).toEqual(['next']);
  });

  it('a cut line at the end of the stream (no LF) is cut the same way', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push('0123456789abcdef')).toEqual([]);
    expect(splitter.end()).toEqual(['0123456789' + cutNote(6)]);
    expect(splitter.end()).toEqual([]);
  });

  it('short lines around a long one keep their bytes exactly', () => {
    const splitter = new LineSplitter(8);
    expect(splitter.push('a\nbbbbbbbbbbbb\nc')).toEqual(['a', 'bbbbbbbb' + cutNote(4)]);
    expect(splitter.push('\n')).toEqual(['c']);
  });

  it('a NOTICE of 32 MiB from the database: one message event, its text cut and marked', () => {
    const parser = createPsqlParser();
    const events = [
      ...parser.push('stderr', 'psql:<stdin>:3: NOTICE:  '),
      ...parser.push('stderr', Buffer.alloc(32 * 1024 * 1024, 0x42)),
      ...parser.push('stderr', '\n'),
      ...parser.end(),
    ];
    const messages = events.filter((e) => e.kind === 'message');
    expect(messages).toHaveLength(1);
    const text = (messages[0] as { text: string }).text;
    expect(text.length).toBeLessThan(MAX_LINE_BYTES + 200);
    expect(text).toMatch(/more bytes of this line cut here; the whole line is in the \.log\]$/);
  });
});
