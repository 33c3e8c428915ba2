/**
 * The replay page's Output section: psql's output copied from the .log chunk by chunk, escaped,
 * stderr in its own colour; above the limit only the head and the tail, naming the bytes left out.
 */
import { StreamText, type OutputChunk } from './chunks.js';
import { escapeHtml as e } from './html-parts.js';
import type { ReplayReport } from './report.js';

export function writeOutput(
  report: ReplayReport,
  chunks: Iterable<OutputChunk>,
  write: (text: string) => void,
  limit: number,
): void {
  const total = report.output.bytes;
  const headEnd = total > limit ? Math.floor(limit / 2) : total;
  const tailStart = total > limit ? total - Math.floor(limit / 2) : total;
  write(
    `<h2>Output</h2><p class="note">psql's output, byte for byte from the .log (${total} bytes)${report.source.records ? '; stderr in brown' : ''}.</p><pre id="output">`,
  );
  const text = new StreamText();
  let omitted = false;
  const emit = (chunk: OutputChunk, bytes: Buffer) => {
    const piece = text.decode({ ...chunk, bytes });
    if (piece !== '')
      write(chunk.stream === 'stderr' ? `<span class="e">${e(piece)}</span>` : e(piece));
  };
  for (const chunk of chunks) {
    const from = chunk.offset;
    const to = from + chunk.bytes.length;
    if (from < headEnd) emit(chunk, chunk.bytes.subarray(0, Math.min(to, headEnd) - from));
    if (to > headEnd && !omitted && tailStart > headEnd) {
      write(
        `<span class="omitted">… ${tailStart - headEnd} bytes (${headEnd}–${tailStart} of the .log) not shown here; they were verified with the rest: see the .log …</span>`,
      );
      omitted = true;
    }
    if (to > tailStart) emit(chunk, chunk.bytes.subarray(Math.max(from, tailStart) - from));
  }
  write(e(text.end()));
  write(`</pre>\n`);
}
