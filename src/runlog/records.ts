/**
 * The one catalogue of a run log's records: one zod schema per record kind, the shape the
 * writer writes (RunLog.record is typed by it) and the shape replay reads (a boundary: zod).
 * Every line has `seq`, `t`, `time`, `record` and `chain` (src/runlog/chain.ts); the rest
 * depends on `record`. Readers tolerate unknown fields and unknown record names — those are
 * still chained and counted — so a newer writer's logs replay with an older reader, minus what
 * it does not know. A kind is here only if oneroof writes it (test/unit/record-catalogue.test.ts).
 */
import { z } from 'zod';
import { RUNLOG_FORMATS } from './chain.js';
import { packetSummarySchema } from '../contract/summary.js';
import { endRecordSchema, execEndSchema } from './end-record.js';
import { mapExcerptSchema, outputRecordSchema, streamRecordSchema } from './output-records.js';

/** Who ran oneroof: the local user and machine. */
const whoSchema = z.object({ user: z.string(), host: z.string() });

const startRecordSchema = z.object({
  /** oneroof-runlog/1, /2, /3 or /4 (./chain.ts): where the events are (event records, output records, or the .log's bytes, re-parsed). */
  format: z.enum(RUNLOG_FORMATS),
  run: z.string(),
  kind: z.string(),
  target: z.string(),
  by: whoSchema.optional(),
  pid: z.number().optional(),
  argv: z.array(z.string()).default([]),
  /** The packet's names (src/contract/summary.ts); older logs have none: raw values shown. */
  packet: packetSummarySchema.optional().catch(undefined),
  output: z.string().optional(),
});

const peerSchema = z.object({
  transport: z.string(),
  host: z.string(),
  port: z.number().optional(),
  user: z.string().optional(),
  hostKeyFingerprint: z.string().optional(),
  jumps: z
    .array(z.object({ host: z.string(), port: z.number(), hostKeyFingerprint: z.string() }))
    .optional(),
});
export type PeerInfo = z.infer<typeof peerSchema>;

const connectedRecordSchema = z.object({ peer: peerSchema });

const execRecordSchema = z.object({ step: z.string().optional(), commandLine: z.string() });

/** One psql event: /1 with its raw lines; /2 only for events parsed with no chunk (the end). */
const eventRecordSchema = z.object({ step: z.string().optional(), event: z.unknown() });

const stepEndRecordSchema = z.object({
  step: z.string(),
  outcome: z.string(),
  end: execEndSchema.optional(),
  sentinelSeen: z.boolean().optional(),
  durationMs: z.number().optional(),
  /** /3: the source map's excerpts the parser's end asked for (as an output record's `map`). */
  map: z.array(mapExcerptSchema).optional(),
});

/** Who signed the packet's manifest, as the run found it (src/packet/signature.ts). */
const packetSignatureSchema = z.object({
  status: z.enum(['verified', 'signed', 'unsigned', 'invalid', 'not-allowed']),
  file: z.string(),
  namespace: z.string().optional(),
  key: z.string().optional(),
  principal: z.string().optional(),
  allowedSigners: z.string().nullable().optional(),
  principals: z.array(z.string()).optional(),
  detail: z.string().optional(),
});
export type PacketSignatureInfo = z.infer<typeof packetSignatureSchema>;

const manifestSchema = z
  .object({
    sha256: z.string(),
    root: z.string().optional(),
    // Older logs have none; a shape this reader does not know is dropped, not fatal.
    signature: packetSignatureSchema.optional().catch(undefined),
  })
  .nullable()
  .optional();

const releaseRecordSchema = z.object({
  command: z.string(),
  apr: z.string().nullable().optional(),
  dryRun: z.boolean().optional(),
  manifest: manifestSchema,
  target: z.string().optional(),
  rollback: z
    .union([z.literal('full'), z.number().int()])
    .nullable()
    .optional(),
  readOnly: z.boolean().optional(),
  readOnlyMode: z.enum(['role', 'session']).optional(),
  readUser: z.string().optional(),
  applicationName: z.string().optional(),
});

/** `oneroof reader setup`: what it is about to create. */
const readerSetupRecordSchema = z.object({
  target: z.string(),
  role: z.string(),
  file: z.string(),
  manifest: manifestSchema,
});

/**
 * The operator's answer to the confirmation prompt (`prompt`), or none asked (`not-asked`:
 * `--yes`). `typed` is what they typed only when it was the target's name (the expected
 * answer, never a secret); any other answer is recorded as not confirmed, never as text (it
 * could be a password typed into the wrong place).
 */
const confirmationRecordSchema = z.object({
  confirmed: z.boolean(),
  via: z.enum(['prompt', 'not-asked']).optional(),
  by: whoSchema.optional(),
  typed: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/)
    .optional(),
  /** What the operator was shown before the prompt: the state vector and the tiers applied. */
  state: z.string().optional(),
  applied: z.array(z.number().int()).optional(),
  /** The main session was held to that state under the run lock (src/engine/state-guard.ts). */
  guarded: z.boolean().optional(),
});

/** Ctrl-C (or a log that failed, which stops the run as Ctrl-C does). */
const interruptRecordSchema = z.object({
  applicationName: z.string().optional(),
  reason: z.enum(['interrupt', 'log-failure']),
  mainStarted: z.boolean(),
});

/** A probe or a cancel that failed: what went wrong (never fatal to the run). */
const failureRecordSchema = z.object({ error: z.string(), step: z.string().optional() });

/** A read-only command ran with the weaker read-only session, not the read role. */
const readOnlyWeakRecordSchema = z.object({ warning: z.string() });

/** The read role is missing on the target (`oneroof reader setup` creates it). */
const readerMissingRecordSchema = z.object({
  role: z.string(),
  step: z.string().optional(),
});

/** Tiers the target's ledger showed committed that the markers left open (src/model/tiers.ts). */
const tiersSettledRecordSchema = z.object({ committed: z.array(z.number().int()) });

/** status: the last apply/rollback here that did not end normally, and its fate. */
const lastRunRecordSchema = z.object({
  log: z.string(),
  command: z.string(),
  startedAt: z.string().nullable(),
  by: z.string().nullable(),
  ended: z.string(),
  server: z.enum(['running', 'finished']),
  committedAfter: z.array(z.number().int()),
  rolledBack: z.array(z.number().int()),
  message: z.string(),
});

/** The state vector as the probe printed it: integers joined by |, one per column (packet.yml). */
const stateRecordSchema = z.object({
  at: z.enum(['entry', 'exit']),
  vector: z.string(),
  /** The fingerprint read in the same session, when the command's plan reads it (revalidate). */
  fingerprint: z.string().optional(),
  /** At exit: the figures equal those at entry (the engine's comparison, idle aside). */
  unchanged: z.boolean().optional(),
});

/** Every record kind oneroof writes, and its schema; a log's others are counted and skipped. */
/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
export const RECORD_SCHEMAS = {
  start: startRecordSchema,
  connected: connectedRecordSchema,
  release: releaseRecordSchema,
  'reader-setup': readerSetupRecordSchema,
  'read-only-weak': readOnlyWeakRecordSchema,
  confirmation: confirmationRecordSchema,
  interrupt: interruptRecordSchema,
  'interrupt-failed': failureRecordSchema,
  stream: streamRecordSchema,
  exec: execRecordSchema,
  output: outputRecordSchema,
  event: eventRecordSchema,
  'step-end': stepEndRecordSchema,
  'reader-missing': readerMissingRecordSchema,
  state: stateRecordSchema,
  'state-failed': failureRecordSchema,
  'tiers-settled': tiersSettledRecordSchema,
  'last-run': lastRunRecordSchema,
  'last-run-failed': failureRecordSchema,
  end: endRecordSchema,
} as const;

export type KnownRecordName = keyof typeof RECORD_SCHEMAS;

/** What a writer passes for a record kind (before defaults). */
export type RecordFields<K extends KnownRecordName> = z.input<(typeof RECORD_SCHEMAS)[K]>;

export type KnownRecord = {
  [K in KnownRecordName]: { name: K; fields: z.infer<(typeof RECORD_SCHEMAS)[K]> };
}[KnownRecordName];

export function isKnownRecord(name: string): name is KnownRecordName {
  return Object.hasOwn(RECORD_SCHEMAS, name);
}

/** A record's fields checked against its schema: the typed record, or what is wrong. */
export function parseRecord(name: KnownRecordName, json: unknown): KnownRecord | { error: string } {
  const result = RECORD_SCHEMAS[name].safeParse(json);
  if (!result.success) return { error: describeIssues(result.error) };
  return { name, fields: result.data } as KnownRecord;
}

/** A zod error in one line: `path: message; …` (for "record #12 (output): …"). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}
