/**
 * The exit code of a group of targets (src/commands/run/fleet.ts runs them): the worst of its
 * members' — one more verdict of the model, from the same table as one run's (EXIT).
 */
import { EXIT, type ExitCode } from '../errors.js';

/** Worst last: ok, NO-GO, locked, assertion, runtime, integrity, then a usage error. */
const SEVERITY: readonly ExitCode[] = [
  EXIT.ok,
  EXIT.noGo,
  EXIT.locked,
  EXIT.assertion,
  EXIT.runtime,
  EXIT.integrity,
  EXIT.usage,
];

export function worstExit(codes: readonly ExitCode[]): ExitCode {
  return codes.reduce<ExitCode>(
    (worst, code) => (SEVERITY.indexOf(code) > SEVERITY.indexOf(worst) ? code : worst),
    EXIT.ok,
  );
}
