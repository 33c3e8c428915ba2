/**
 * What the three transports share about streams: stdin from a caller's source with
 * backpressure, and a `done` that settles only once both outputs have ended.
 */
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ExecEnd, ExecRequest } from './types.js';

/** The request's stdin as a byte stream; null when there is none (the far side gets EOF at once). */
export function stdinSource(stdin: ExecRequest['stdin']): Readable | null {
  if (stdin === undefined) return null;
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    const bytes = Buffer.from(stdin);
    return Readable.from(bytes.length === 0 ? [] : [bytes], { objectMode: false });
  }
  return stdin;
}

/**
 * Streams the source into the far side's stdin, with backpressure, then ends it (EOF).
 * It waits for 'drain' *or* the destination's end, never for a write callback: a write into a
 * closing ssh2 channel never calls back (mscdex/ssh2#1508). It never destroys the destination
 * either (pipeline would, on any error, and take the unread output with it). A failure here
 * is not the command's end: the far side reports that itself. If the source fails, the far
 * side sees end of input — staging (src/remote/stage.ts) is what makes that harmless. The
 * caller owns the source and sees its own errors on it.
 */
export function feedStdin(source: Readable | null, destination: Writable): void {
  let gone = false;
  const markGone = (): void => {
    gone = true;
  };
  // EPIPE once the far side has gone is no news: the far side reports its own end.
  destination.on('error', markGone).on('close', markGone).on('finish', markGone);
  const open = (): boolean =>
    !gone && !destination.destroyed && !destination.writableEnded && destination.writable;
  const drainOrGone = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        destination.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      destination.on('drain', done).on('close', done).on('error', done);
    });
  void (async () => {
    if (source !== null) {
      try {
        for await (const chunk of source as AsyncIterable<Buffer | string>) {
          if (!open()) break;
          if (!destination.write(chunk) && open()) await drainOrGone();
        }
      } catch {
        // the source failed: end the input (below); the caller sees the source's error
      }
    }
    if (open()) destination.end();
  })();
}

/** Resolves once the stream has ended or was destroyed (never rejects). */
function outputEnded(stream: Readable): Promise<void> {
  return finished(stream, { writable: false }).catch(() => undefined);
}

/** `done`: the end, reported once stdout and stderr have both been read to their end. */
export async function settleAfterOutputs(
  stdout: Readable,
  stderr: Readable,
  end: Promise<ExecEnd>,
): Promise<ExecEnd> {
  const [result] = await Promise.all([end, outputEnded(stdout), outputEnded(stderr)]);
  return result;
}
