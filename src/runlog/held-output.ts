/**
 * The output record the writer (./writer.ts) holds while chunks of one stream and step keep
 * coming: one record for consecutive chunks, with the events parsed from them (format 2).
 */
import { createHash, type Hash } from 'node:crypto';
import type { RecordFields } from './records.js';

/** A held output record is written once it covers this many bytes. */
export const MAX_HELD = 1 << 20;

export interface HeldOutput {
  stream: 'stdout' | 'stderr';
  step: string | undefined;
  offset: number;
  length: number;
  hash: Hash;
  events: object[];
  /** When its first chunk arrived: the record's `t` (playback). */
  t: number;
}

export function heldOutput(
  stream: 'stdout' | 'stderr',
  step: string | undefined,
  offset: number,
  t: number,
): HeldOutput {
  return { stream, step, offset, length: 0, hash: createHash('sha256'), events: [], t };
}

/** The fields of the output record for what was held. */
export function outputFields(held: HeldOutput): RecordFields<'output'> {
  return {
    stream: held.stream,
    offset: held.offset,
    length: held.length,
    sha256: held.hash.digest('hex'),
    ...(held.step === undefined ? {} : { step: held.step }),
    ...(held.events.length === 0
      ? {}
      : { events: held.events.map((e) => sameStream(e, held.stream)) }),
  };
}

/** An event of an output record names its stream only when it is not the record's. */
function sameStream(event: object, stream: string): object {
  if (!('stream' in event) || event.stream !== stream) return event;
  const { stream: _stream, ...rest } = event;
  return rest;
}
