/**
 * The confirmation record: who confirmed a mutating run, and how. The prompt's answer is kept
 * only when it was the target's name (what the operator was asked to type); any other answer
 * is never written, so a secret typed by mistake does not reach the log.
 */
import { whoAmI } from '../local/who.js';
import type { RecordFields } from '../runlog/records.js';

/** The prompt's answer as the log keeps it: the target's name when typed, else nothing typed. */
export function confirmationOf(confirmed: boolean, target: string): RecordFields<'confirmation'> {
  return { confirmed, via: 'prompt', by: whoAmI(), ...(confirmed ? { typed: target } : {}) };
}
