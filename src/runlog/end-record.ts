/**
 * How a run log says a run ended: how a session ended (exit code, signal, or the connection
 * lost), what a tier can be, and the end record that closes the log, each part read on its own
 * so that a part of an unknown shape is dropped and the record still ends the run. Part of the
 * record catalogue (records.ts), which lists these schemas with the others.
 */
import { z } from 'zod';

export const execEndSchema = z.union([
  z.object({ kind: z.literal('exit'), code: z.number() }),
  z.object({ kind: z.literal('signal'), signal: z.string() }),
  z.object({ kind: z.literal('lost'), reason: z.string() }),
]);
export type ExecEndInfo = z.infer<typeof execEndSchema>;

/**
 * What a tier can be (src/model/tiers.ts moves it): pending, running, ok (its COMMIT marker),
 * failed (an error rolled it back), skipped (already applied), unknown (begun, end not seen).
 * In the end record's tier list as `status` (`outcome` in older records).
 */
const tierStatusSchema = z.enum(['pending', 'running', 'ok', 'failed', 'skipped', 'unknown']);
export type TierStatus = z.infer<typeof tierStatusSchema>;

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
  runOutcome: z.string().nullable().optional().catch(undefined),
  /** reader setup: what it did on the target. */
  actions: z.array(z.string()).optional().catch(undefined),
  state: z
    .object({ entry: z.string().nullable(), exit: z.string().nullable() })
    .optional()
    .catch(undefined),
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
