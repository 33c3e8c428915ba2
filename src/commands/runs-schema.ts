/** The `oneroof runs --json` document (`oneroof/runs/1`), as zod: what the command prints. */
import { z } from 'zod';

export const RUNS_SCHEMA_ID = 'oneroof/runs/1';

const runSchema = z.object({
  /** The run's .log (its records file when there is none). */
  log: z.string(),
  startedAt: z.string(),
  command: z.string(),
  target: z.string().nullable(),
  /** null: the records have no end record (still running, or cut short). */
  outcome: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  endedAt: z.string().nullable(),
  signature: z.enum(['present', 'absent']),
  /** not-checked unless --check replayed the log: then replay's integrity verdict. */
  integrity: z.enum(['not-checked', 'verified', 'signed', 'unsigned', 'tampered', 'unreadable']),
});

export const runsDocumentSchema = z.object({
  schema: z.literal(RUNS_SCHEMA_ID),
  logDir: z.string(),
  /** Not on a target: a mutating run's anchor is checked by replay --target. */
  anchors: z.literal('not-checked'),
  runs: z.array(runSchema),
});

export type RunsDocument = z.infer<typeof runsDocumentSchema>;
