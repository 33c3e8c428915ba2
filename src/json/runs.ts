/** `oneroof runs --json` (`oneroof/runs/1`): the run history of a log directory, newest first. */
import { z } from 'zod';
import { document, iso, nul } from './define.js';

const run = z.object({
  /** The run's .log (its records file when there is none). */
  log: z.string(),
  startedAt: iso,
  command: z.string(),
  target: nul(z.string()),
  /** null: the records have no end record (still running, or cut short). */
  outcome: nul(z.string()),
  exitCode: nul(z.number().int()),
  durationMs: nul(z.number()),
  endedAt: nul(iso),
  signature: z.enum(['present', 'absent']),
  /** not-checked unless --check replayed the log: then replay's integrity verdict. */
  integrity: z.enum(['not-checked', 'verified', 'signed', 'unsigned', 'tampered', 'unreadable']),
});

export const runsDocument = document('runs', 1, {
  logDir: z.string(),
  /** Not on a target: a mutating run's anchor is checked by replay --target. */
  anchors: z.literal('not-checked'),
  runs: z.array(run),
});
