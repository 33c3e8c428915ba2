/**
 * The records of a run log that carry psql's output and how to read it again: `output` (the
 * .log's bytes and their digest) and `stream` (what was sent, and how replay re-parses). Part
 * of the one record catalogue, ./records.ts.
 */
import { z } from 'zod';
import { excerptObject, filesList, streamOfCode } from './compact.js';

/** A source of the map: its name, or its index in the step's files (the stream record's). */
const source = z.union([z.string(), z.number().int().nonnegative()]);

const excerptRun = z.union([
  z.tuple([z.number().int(), z.number().int().positive(), source, z.number().int()]),
  z.tuple([z.number().int(), z.number().int().positive(), source, z.number().int(), z.literal(1)]),
]);

/**
 * SourceMap.excerpt (src/packet/source-map.ts): what the map says of one bundle line, written
 * [line, runs, marker formats, statements] (./compact.ts).
 */
export const mapExcerptSchema = z
  .tuple([
    z.number().int(),
    z.array(excerptRun),
    z.array(z.string()),
    z.array(z.tuple([z.number().int(), z.number().int()])),
  ])
  .transform(excerptObject);

/** A stream record's files: [{path, sha256}], or (/3) {path: sha256} in order. */
const filesSchema = z
  .union([
    z.array(z.object({ path: z.string(), sha256: z.string() })),
    z.record(z.string(), z.string()).transform(filesList),
  ])
  .default([]);

/**
 * Bytes of psql's output: the .log's bytes offset..offset+length, all from `stream`, and their
 * sha256. In oneroof-runlog/2 one record covers consecutive chunks of one stream and step, and
 * holds the events parsed as they arrived (`events`, each without its raw lines: those are the
 * .log's bytes, once); in /1 one record per chunk, and events in event records of their own.
 */
const piece = z.union([
  z.tuple([z.number().int().positive(), z.enum(['o', 'e'])]),
  z.tuple([z.number().int().positive(), z.enum(['o', 'e']), z.number()]),
]);

const outputFields = z.object({
  /** The stream of all its bytes; /4 leaves it out when `pieces` names them. */
  stream: z.enum(['stdout', 'stderr']).optional(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  step: z.string().optional(),
  /**
   * /2: psql events (src/psql/events.ts) minus `raw`, and minus `stream` when it is the
   * record's; read through psqlEventSchema by replay. /3 has none: replay re-parses the bytes.
   */
  events: z.array(z.unknown()).optional(),
  /**
   * /3, when the record covers more than one run of chunks: each run's [length, stream (`o`
   * stdout, `e` stderr), t (when its first chunk arrived)], in order; they add up to `length`.
   * /4 leaves a run's t out when it is the one before it (the first run's: the record's `t`).
   */
  pieces: z.array(piece).nonempty().optional(),
  /** /3: what the packet's source map says of the lines psql first reported in these bytes. */
  map: z.array(mapExcerptSchema).optional(),
});

/** An output record, its `stream` the first piece's when /4 left it out. */
export const outputRecordSchema = outputFields.transform((record, ctx) => {
  const first = record.pieces?.[0];
  const stream = record.stream ?? (first ? streamOfCode(first[1]) : undefined);
  if (stream === undefined) {
    ctx.addIssue({ code: 'custom', message: 'names no stream: neither `stream` nor `pieces`' });
    return z.NEVER;
  }
  return { ...record, stream };
});
export type OutputRecord = z.infer<typeof outputRecordSchema>;

export const streamRecordSchema = z.object({
  step: z.string().optional(),
  source: z.string(),
  length: z.number(),
  sha256: z.string(),
  files: filesSchema,
  variables: z.record(z.string(), z.string()).default({}),
  readOnly: z.boolean().optional(),
  /** /1 only: the bundle's line map (src/packet/source-map.ts); /2 events carry their `at`. */
  map: z.unknown().optional(),
  /**
   * /3: how the step's output was parsed, for replay to parse it again: with a source map (its
   * excerpts are in the output records), one that knows the packet's marker statements, and
   * which packet files own which claims (src/psql/markers.ts).
   */
  parse: z
    .object({
      map: z.boolean(),
      markers: z.boolean(),
      claims: z.object({ preflight: z.array(z.string()), verify: z.array(z.string()) }).optional(),
    })
    .optional(),
});
