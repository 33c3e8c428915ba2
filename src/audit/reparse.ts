/**
 * Replay of a run log of format /3: its records hold no psql event that the .log's bytes give
 * again, so the bytes of each output record — once the record's digest has matched them — are
 * parsed again with the one psql parser (src/psql/parse.ts), one parser per step as the runner
 * had, with the same source map answers (the records' excerpts: src/packet/map-excerpts.ts) and
 * the same claims (the stream record's `parse`). Each piece's events get the piece's time; the
 * parser's end is at the step's step-end record (or at the end of the records, for a log cut
 * short). Query output lines are not events here, as they were never recorded (forRecords).
 */
import { ExcerptMap } from '../packet/map-excerpts.js';
import type { MapExcerpt } from '../packet/source-map-parts.js';
import { piecesOf } from '../runlog/compact.js';
import { createPsqlParser } from '../psql/parse.js';
import type { PsqlEvent } from '../psql/events.js';
import type { PsqlParser } from '../psql/parser-options.js';
import type { KnownRecord } from '../runlog/records.js';
import type { OutputRecord } from '../runlog/output-records.js';
import type { ByteSource } from './log-check.js';
import type { Problem, VerifiedRecord } from './verify.js';

/** The formats whose events replay derives from the .log's bytes. */
export const REPARSED_FORMATS: readonly unknown[] = ['oneroof-runlog/3', 'oneroof-runlog/4'];

type StreamFields = Extract<KnownRecord, { name: 'stream' }>['fields'];

export interface ReparsedWhen {
  t: number | undefined;
  time: string | undefined;
  step: string;
}

interface StepParser {
  parser: PsqlParser;
  map: ExcerptMap | undefined;
}

/** Bytes fed to the parser at a time (flat memory whatever a record covers). */
const PIECE = 1 << 16;

export class Reparse {
  private readonly steps = new Map<string, StepParser>();
  private readonly buffer = Buffer.allocUnsafe(PIECE);
  /** The latest piece time fed. */
  private latest: number | undefined;

  constructor(
    private readonly source: ByteSource,
    private readonly emit: (event: PsqlEvent, when: ReparsedWhen) => void,
  ) {}

  /** A stream record: the step's parser, made as the runner made it. */
  stream(fields: StreamFields, when: Omit<ReparsedWhen, 'step'>): void {
    const step = fields.step ?? 'main';
    this.end(step, when);
    this.steps.set(step, this.parserFor(fields.parse, fields.files));
  }

  /** An output record whose bytes matched its digest: its pieces, parsed in order. */
  output(record: OutputRecord, when: Omit<ReparsedWhen, 'step'>): void {
    const step = record.step ?? 'main';
    let parsing = this.steps.get(step);
    if (parsing === undefined) {
      parsing = this.parserFor(undefined, []);
      this.steps.set(step, parsing);
    }
    parsing.map?.add(record.map ?? []);
    let position = record.offset;
    for (const { length, stream, t } of piecesOf(record, when.t)) {
      const at = { ...when, step, t };
      if (t !== undefined) this.latest = Math.max(this.latest ?? t, t);
      for (let done = 0; done < length;) {
        const got = this.source.read(this.buffer, Math.min(PIECE, length - done), position);
        if (got <= 0) return; // the checker has read these bytes: only a file changed under us
        const bytes = this.buffer.subarray(0, got);
        for (const event of parsing.parser.push(stream, bytes)) this.take(event, at);
        done += got;
        position += got;
      }
    }
  }

  /** A step ended (its step-end record, or the end of the records): the parser's last events. */
  end(step: string, when: Omit<ReparsedWhen, 'step'>, map: readonly MapExcerpt[] = []): void {
    const parsing = this.steps.get(step);
    if (parsing === undefined) return;
    parsing.map?.add(map);
    this.steps.delete(step);
    for (const event of parsing.parser.end()) this.take(event, { ...when, step });
  }

  /** The end of the records: every step still open ends. */
  finish(when: Omit<ReparsedWhen, 'step'>): void {
    // A piece may have come after the last record's `t` (its record's first chunk's).
    const t = Math.max(when.t ?? 0, this.latest ?? 0);
    for (const step of [...this.steps.keys()]) this.end(step, { ...when, t });
  }

  private take(event: PsqlEvent, when: ReparsedWhen): void {
    // As /2 held them: no query output, no raw lines (they are the .log's bytes).
    if (event.kind !== 'output') this.emit({ ...event, raw: [] }, when);
  }

  private parserFor(parse: StreamFields['parse'], files: StreamFields['files']): StepParser {
    const map =
      parse?.map === true
        ? new ExcerptMap(
            parse.markers,
            files.map((f) => f.path),
          )
        : undefined;
    return {
      parser: createPsqlParser({
        ...(map ? { map } : {}),
        ...(parse?.claims ? { claims: parse.claims } : {}),
      }),
      map,
    };
  }
}

/** A record's times, for the events its bytes (or its step's end) give. */
export function whenOf(record: VerifiedRecord): Omit<ReparsedWhen, 'step'> {
  const { t, time } = record.json;
  return {
    t: typeof t === 'number' ? t : undefined,
    time: typeof time === 'string' ? time : undefined,
  };
}

/** An output record whose pieces do not add up to its length: it cannot be parsed as recorded. */
export function piecesProblem(record: OutputRecord, at: VerifiedRecord): Problem | undefined {
  if (record.pieces === undefined) return undefined;
  const sum = record.pieces.reduce((total, [length]) => total + length, 0);
  if (sum === record.length) return undefined;
  return {
    file: 'records',
    line: at.line,
    record: at.seq,
    recordName: 'output',
    reason: `its pieces add up to ${sum} bytes, but it covers ${record.length}`,
  };
}
