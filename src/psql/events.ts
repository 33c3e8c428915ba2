/**
 * What psql's output means, as typed events: a boundary (they go into run logs and --json), so
 * each has a zod schema. A discriminated union on `kind`. Every event carries the stream it came
 * from and its raw line(s) as received (without the LF); `at` is the packet file and line when
 * known (psql's location mapped through the bundle's SourceMap), `location` psql's own.
 *
 * Packet markers (the message contract, sql/README.md) are emitted *in addition to* the message they
 * came from, right after it: `message` is every server message, always; `tier`, `assertion`, …
 * say what a message means to the packet. So "all errors" = message events of severity ERROR
 * and up, and no marker is counted twice.
 */
import { z } from 'zod';

const streamSchema = z.enum(['stdout', 'stderr']);
export type PsqlStream = z.infer<typeof streamSchema>;

const positionSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  generated: z.literal(true).optional(),
});
export type Position = z.infer<typeof positionSchema>;

/** psql's own location prefix: `psql:<stdin>:12:` → { input: '<stdin>', line: 12 }. */
const locationSchema = z.object({ input: z.string(), line: z.number().int() });
export type PsqlLocation = z.infer<typeof locationSchema>;

const severitySchema = z.enum([
  'PANIC',
  'FATAL',
  'ERROR',
  'WARNING',
  'NOTICE',
  'INFO',
  'LOG',
  'DEBUG',
]);
export type Severity = z.infer<typeof severitySchema>;

const base = {
  stream: streamSchema,
  /** Absent in a oneroof-runlog/2 record (the lines are the .log's bytes): read as []. */
  raw: z.array(z.string()).default([]),
};
const placed = {
  location: locationSchema.optional(),
  at: positionSchema.optional(),
};

/** The server's `LINE n: …` and caret: where in the statement the error is. */
const statementPositionSchema = z.object({
  /** n of `LINE n:` — the line within the statement text (1-based). */
  lineInStatement: z.number().int(),
  /** Column of the caret within lineText (1-based); absent when no caret line followed. */
  caretColumn: z.number().int().optional(),
  lineText: z.string(),
  /** The packet file and line of that statement line, when the map knows the statement. */
  at: positionSchema.optional(),
});
export type StatementPosition = z.infer<typeof statementPositionSchema>;

const tagEventSchema = z.object({
  kind: z.literal('tag'),
  ...base,
  /** `INSERT`, `CREATE TABLE`, `COMMIT`, … */
  command: z.string(),
  rows: z.number().int().optional(),
  oid: z.number().int().optional(),
});

/** Any other line: query results on stdout, unattributable text on stderr. */
const outputEventSchema = z.object({ kind: z.literal('output'), ...base });

const messageEventSchema = z.object({
  kind: z.literal('message'),
  ...base,
  ...placed,
  severity: severitySchema,
  /** The primary message (more than one line when the message itself has newlines). */
  text: z.string(),
  detail: z.string().optional(),
  hint: z.string().optional(),
  /** PL/pgSQL call chain, one frame per line. */
  context: z.string().optional(),
  /** The internal query of an error inside a function (`QUERY:`). */
  query: z.string().optional(),
  /** The failing statement, when psql echoes it (`--echo-errors`). */
  statement: z.string().optional(),
  position: statementPositionSchema.optional(),
  queryPosition: statementPositionSchema.optional(),
});

/** psql's own errors (lower-case `error:`): meta-commands, connection failures. */
const psqlErrorEventSchema = z.object({
  kind: z.literal('psql-error'),
  ...base,
  ...placed,
  level: z.enum(['fatal', 'error', 'warning', 'info', 'other']),
  text: z.string(),
  detail: z.string().optional(),
  hint: z.string().optional(),
});

const marker = { ...base, ...placed, severity: severitySchema };

const preflightEventSchema = z.object({
  kind: z.literal('preflight'),
  ...marker,
  status: z.enum(['PASS', 'FAIL', 'INFO']),
  check: z.string(),
  /** PASS/INFO: the value; FAIL: what was found (after the last `, got `). */
  observed: z.string(),
  expected: z.string().optional(),
});

const verdictEventSchema = z.object({
  kind: z.literal('verdict'),
  ...marker,
  verdict: z.enum(['GO', 'NO-GO']),
  /** The checks that closed the gate (NO-GO); empty for GO. */
  checks: z.array(z.string()),
});

const phaseSchema = z.enum(['BEGIN', 'SKIP', 'COMMIT']);

const tierEventSchema = z.object({
  kind: z.literal('tier'),
  ...marker,
  tier: z.number().int(),
  phase: phaseSchema,
  name: z.string(),
  /** What follows the name after `: ` (SKIP's `already applied`). */
  note: z.string().optional(),
});

const rollbackEventSchema = z.object({
  kind: z.literal('rollback'),
  ...marker,
  tier: z.union([z.number().int(), z.literal('full')]),
  phase: phaseSchema,
  name: z.string(),
  note: z.string().optional(),
});

const verifyEventSchema = z.object({
  kind: z.literal('verify'),
  ...marker,
  check: z.string(),
  observed: z.string(),
});

const assertionEventSchema = z.object({
  kind: z.literal('assertion'),
  ...marker,
  /** tier<nn> | verify | rollback<nn> | rollback_full | revalidation */
  scope: z.string(),
  /** The tier number of a tier<nn> or rollback<nn> scope. */
  tier: z.number().int().optional(),
  check: z.string(),
  /** Everything after `<scope>.<check>: `. */
  text: z.string(),
  /** From `expected X, got Y` (split at the last `, got `); absent when the text is not so. */
  expected: z.string().optional(),
  got: z.string().optional(),
});

const refusedEventSchema = z.object({
  kind: z.literal('refused'),
  ...marker,
  reason: z.string(),
});

/** `ONEROOF LOCKED: <holders> holds the … lock`: the runner's lock is held elsewhere (exit 6). */
const lockedEventSchema = z.object({
  kind: z.literal('locked'),
  ...marker,
  holder: z.string(),
});

/**
 * --wait: `ONEROOF LOCK WAIT: <holders> holds the … lock` before blocking (phase waiting), and
 * `ONEROOF LOCK ACQUIRED: waited <seconds> s` once held (src/engine/lock.ts).
 */
const lockWaitEventSchema = z.object({
  kind: z.literal('lock-wait'),
  ...marker,
  phase: z.enum(['waiting', 'acquired']),
  holder: z.string().optional(),
  seconds: z.number().nonnegative().optional(),
});

const endEventSchema = z.object({ kind: z.literal('end'), ...marker, script: z.string() });

/** The runner's last line, `\echo ONEROOF SENTINEL <nonce>`: psql read the stream to its end. */
const sentinelEventSchema = z.object({
  kind: z.literal('sentinel'),
  ...base,
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
});

export const psqlEventSchema = z.discriminatedUnion('kind', [
  tagEventSchema,
  outputEventSchema,
  messageEventSchema,
  psqlErrorEventSchema,
  preflightEventSchema,
  verdictEventSchema,
  tierEventSchema,
  rollbackEventSchema,
  verifyEventSchema,
  assertionEventSchema,
  refusedEventSchema,
  lockedEventSchema,
  lockWaitEventSchema,
  endEventSchema,
  sentinelEventSchema,
]);

export type PsqlEvent = z.infer<typeof psqlEventSchema>;
export type MessageEvent = z.infer<typeof messageEventSchema>;
export type PsqlErrorEvent = z.infer<typeof psqlErrorEventSchema>;
type PreflightEvent = z.infer<typeof preflightEventSchema>;
type VerdictEvent = z.infer<typeof verdictEventSchema>;
type TierEvent = z.infer<typeof tierEventSchema>;
type RollbackEvent = z.infer<typeof rollbackEventSchema>;
type VerifyEvent = z.infer<typeof verifyEventSchema>;
type AssertionEvent = z.infer<typeof assertionEventSchema>;
type RefusedEvent = z.infer<typeof refusedEventSchema>;
type LockedEvent = z.infer<typeof lockedEventSchema>;
type LockWaitEvent = z.infer<typeof lockWaitEventSchema>;
type EndEvent = z.infer<typeof endEventSchema>;
export type MarkerEvent =
  | PreflightEvent
  | VerdictEvent
  | TierEvent
  | RollbackEvent
  | VerifyEvent
  | AssertionEvent
  | RefusedEvent
  | LockedEvent
  | LockWaitEvent
  | EndEvent;

/** Severities at which psql (with ON_ERROR_STOP) stops: the statement failed. */
export function isErrorSeverity(severity: Severity): boolean {
  return severity === 'ERROR' || severity === 'FATAL' || severity === 'PANIC';
}

/**
 * What a run log records of a batch of events (oneroof-runlog/2): every event but query output
 * (already in the .log byte for byte), each without its raw lines (they are the .log's bytes);
 * `urgent` when one is more than a command tag — it may be shown at once, so the records must
 * hold it first.
 */
export function forRecords(batch: readonly PsqlEvent[]): {
  events: Omit<PsqlEvent, 'raw'>[];
  urgent: boolean;
} {
  const events: Omit<PsqlEvent, 'raw'>[] = [];
  let urgent = false;
  for (const event of batch) {
    if (event.kind === 'output') continue;
    if (event.kind !== 'tag') urgent = true;
    const { raw: _raw, ...rest } = event;
    events.push(rest);
  }
  return { events, urgent };
}
