/**
 * `replay --cast FILE`: the run as an asciicast v2 recording (NDJSON: a header object, then
 * `[seconds, "o", text]` events, plus `[seconds, "m", label]` markers where tiers begin), so that
 * `asciinema play FILE` or asciinema-player shows it. psql wrote LF to a pipe, not a terminal:
 * the recording says CRLF, as a terminal would have shown it. Text is decoded as UTF-8 (invalid
 * bytes become U+FFFD): the recording is for watching; the evidence stays the .log.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { OneroofError } from '../errors.js';
import { StreamText, type OutputChunk } from './chunks.js';
import type { ReplayReport } from './report.js';

interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
  title: string;
  env: { TERM: string };
}

function castHeader(report: ReplayReport): CastHeader {
  const started = report.run.startedAt === null ? NaN : Date.parse(report.run.startedAt);
  return {
    version: 2,
    width: 160,
    height: 48,
    ...(Number.isNaN(started) ? {} : { timestamp: Math.floor(started / 1000) }),
    title: `${
      report.run.target === null
        ? `${basename(report.source.log)} (hand-made)`
        : `${report.run.command ?? report.run.kind ?? 'psql'} on ${report.run.target}`
    } (oneroof replay; integrity: ${report.integrity.verdict})`,
    env: { TERM: 'xterm-256color' },
  };
}

/** The lines of the recording, in time order (a generator: flat memory). */
export function* castLines(report: ReplayReport, chunks: Iterable<OutputChunk>): Generator<string> {
  yield JSON.stringify(castHeader(report));
  const markers = report.tiers
    .filter((t) => t.start !== undefined)
    .map((t) => ({ t: t.start!, label: `tier ${t.tier} ${t.name}` }))
    .sort((a, b) => a.t - b.t);
  const text = new StreamText();
  let clock = 0;
  let index = 0;
  let untimed = 0;
  for (const chunk of chunks) {
    // A hand-made log has no timing: a line every 20 ms, so the player still scrolls.
    const t = chunk.t ?? (untimed += 0.02);
    while (index < markers.length && markers[index]!.t <= t) {
      const marker = markers[index++]!;
      clock = Math.max(clock, marker.t);
      yield JSON.stringify([round(clock), 'm', marker.label]);
    }
    clock = Math.max(clock, t);
    const piece = text.decode(chunk).replace(/\r?\n/g, '\r\n');
    if (piece !== '') yield JSON.stringify([round(clock), 'o', piece]);
  }
  const rest = text.end();
  if (rest !== '') yield JSON.stringify([round(clock), 'o', rest.replace(/\r?\n/g, '\r\n')]);
}

export function writeCast(file: string, lines: Iterable<string>): void {
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o644);
  } catch (error) {
    throw new OneroofError('runtime', `cannot write ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    for (const line of lines) writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
