/**
 * The records of a run log as replay reads them (a boundary: zod). Every line has `seq`, `t`,
 * `time`, `record` and `chain` (src/audit/chain.ts); the rest depends on `record`. Readers
 * tolerate unknown fields and unknown record names — those are still chained and counted —
 * so a newer writer's logs replay with an older reader, minus what it does not know.
 */
import { z } from 'zod';
import { RUNLOG_FORMAT } from './chain.js';
import { packetSummarySchema } from '../contract/summary.js';

/** What every chained line carries. */
export const envelopeSchema = z.object({
  seq: z.number().int().nonnegative(),
  t: z.number().nonnegative().optional(),
  time: z.string().optional(),
  record: z.string(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const startRecordSchema = z.object({
  format: z.literal(RUNLOG_FORMAT),
  run: z.string(),
  kind: z.string(),
  target: z.string(),
  by: z.object({ user: z.string(), host: z.string() }).optional(),
  pid: z.number().optional(),
  argv: z.array(z.string()).default([]),
  /** The packet's names (src/contract/summary.ts); older logs have none: raw values shown. */
  packet: packetSummarySchema.optional().catch(undefined),
});

export const peerSchema = z.object({
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

export const connectedRecordSchema = z.object({ peer: peerSchema });

export const outputRecordSchema = z.object({
  stream: z.enum(['stdout', 'stderr']),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type OutputRecord = z.infer<typeof outputRecordSchema>;

export const streamRecordSchema = z.object({
  step: z.string().optional(),
  source: z.string(),
  length: z.number(),
  sha256: z.string(),
  files: z.array(z.object({ path: z.string(), sha256: z.string() })).default([]),
  variables: z.record(z.string(), z.string()).default({}),
  readOnly: z.boolean().optional(),
});

export const execRecordSchema = z.object({ step: z.string().optional(), commandLine: z.string() });

export const eventRecordSchema = z.object({ step: z.string().optional(), event: z.unknown() });

export const execEndSchema = z.union([
  z.object({ kind: z.literal('exit'), code: z.number() }),
  z.object({ kind: z.literal('signal'), signal: z.string() }),
  z.object({ kind: z.literal('lost'), reason: z.string() }),
]);
export type ExecEndInfo = z.infer<typeof execEndSchema>;

export const stepRecordSchema = z.object({ step: z.string() });

export const stepEndRecordSchema = z.object({
  step: z.string(),
  outcome: z.string(),
  end: execEndSchema.optional(),
  sentinelSeen: z.boolean().optional(),
  durationMs: z.number().optional(),
});

/** Who signed the packet's manifest, as the run found it (src/packet/signature.ts). */
export const packetSignatureSchema = z.object({
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

export const releaseRecordSchema = z.object({
  command: z.string(),
  apr: z.string().nullable().optional(),
  dryRun: z.boolean().optional(),
  manifest: z
    .object({
      sha256: z.string(),
      // Older logs have none; a shape this reader does not know is dropped, not fatal.
      signature: packetSignatureSchema.optional().catch(undefined),
    })
    .nullable()
    .optional(),
  target: z.string().optional(),
});

/** The state vector as the probe printed it: integers joined by |, one per column (packet.yml). */
export const stateRecordSchema = z.object({
  at: z.enum(['entry', 'exit']),
  vector: z.string(),
});

export const lockRecordSchema = z.object({
  acquired: z.boolean(),
  holder: z.string().optional(),
});

/** A step of the runner's pre-filled tier list (its `status`; `outcome` in older records). */
export const tierStatusSchema = z.enum([
  'ok',
  'failed',
  'skipped',
  'pending',
  'running',
  'unknown',
]);

/**
 * The end record. Its parts are read one by one (`catch`): a part this reader does not know the
 * shape of is dropped, the record still ends the run. The .log length it holds is checked.
 */
export const endRecordSchema = z.object({
  bytes: z.number().optional().catch(undefined),
  log: z.object({ bytes: z.number().int().nonnegative() }).optional().catch(undefined),
  outcome: z.string().optional().catch(undefined),
  exitCode: z.number().int().optional().catch(undefined),
  end: execEndSchema.optional().catch(undefined),
  sentinelSeen: z.boolean().optional().catch(undefined),
  durationMs: z.number().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  /** The run's own one-line summary (release commands): replay says exactly that. */
  message: z.string().max(4000).optional().catch(undefined),
  tiers: z
    .array(
      z
        .object({
          tier: z.number().int(),
          name: z.string(),
          status: tierStatusSchema.optional(),
          outcome: tierStatusSchema.optional(),
          durationMs: z.number().nullable().optional(),
        })
        .refine((t) => (t.status ?? t.outcome) !== undefined, 'a tier needs a status'),
    )
    .optional()
    .catch(undefined),
});
export type EndRecord = z.infer<typeof endRecordSchema>;

/** The schema of each record name replay understands; others are counted and skipped. */
export const RECORD_SCHEMAS = {
  start: startRecordSchema,
  connected: connectedRecordSchema,
  output: outputRecordSchema,
  stream: streamRecordSchema,
  exec: execRecordSchema,
  event: eventRecordSchema,
  step: stepRecordSchema,
  'step-end': stepEndRecordSchema,
  release: releaseRecordSchema,
  state: stateRecordSchema,
  lock: lockRecordSchema,
  end: endRecordSchema,
} as const;

export type KnownRecordName = keyof typeof RECORD_SCHEMAS;

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
