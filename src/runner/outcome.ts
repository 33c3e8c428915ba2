/** What one psql step's end means: its exit code (or signal, or lost connection) and the sentinel. */
import { STAGE_EXIT_FAILED, STAGE_EXIT_INCOMPLETE } from '../remote/stage.js';
import type { ExecEnd } from '../transport/types.js';
import type { RunOutcome } from '../model/judge.js';
import { EXIT, OneroofError } from '../errors.js';
import type { EndFields } from '../runlog/writer.js';

/**
 * ok           exit 0 and the sentinel seen: every statement ran
 * sql-error    psql stopped on an error (exit 3, ON_ERROR_STOP): see the events
 * not-run      the bytes did not arrive whole, or staging failed: psql never started
 * psql-failed  psql could not start or lost its server (exit 1 or 2)
 * lost         the connection went away: the far side may still be running
 * incomplete   exit 0 without the sentinel (the script stopped itself early: \q)
 * failed       any other end (another exit code, a signal)
 * (the type is the run model's, src/model/judge.ts, which judges it)
 */

export function classify(end: ExecEnd, sentinelSeen: boolean): RunOutcome {
  if (end.kind === 'lost') return 'lost';
  if (end.kind === 'signal') return 'failed';
  switch (end.code) {
    case 0:
      return sentinelSeen ? 'ok' : 'incomplete';
    case 3:
      return 'sql-error';
    case 1:
    case 2:
      return 'psql-failed';
    case STAGE_EXIT_INCOMPLETE:
    case STAGE_EXIT_FAILED:
      return 'not-run';
    default:
      return 'failed';
  }
}

/**
 * The end record of a run that stopped on an error before it could judge itself: the error and
 * the exit code oneroof leaves with for it (so replay says the exit code the run had).
 */
export function failedEnd(error: unknown): EndFields {
  return {
    outcome: 'error',
    ...(error === undefined ? {} : { error: errorText(error) }),
    exitCode: error instanceof OneroofError ? error.exitCode : EXIT.runtime,
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
