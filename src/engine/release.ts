/**
 * The engine behind preflight, apply, verify, rollback and status: one run on one target.
 *
 *   1. validate (APR code, tier, --wait) and check the packet against its manifest, and build
 *      every stream: exit 2 or 5 before anything is contacted;
 *   2. open the log, connect (host key verified);
 *   3. confirm with the operator (mutating runs), naming what was actually reached;
 *   4. the main session: the run lock, the state at entry, the packet entry file;
 *   5. a read-only session for the state at exit;
 *   6. judge: one exit code from the README's exit-code table, and a result the summary and --json print.
 *
 * Read-only commands (preflight, verify, status) log in as the target's read role, which the
 * server keeps from writing (src/runner/read-only.ts, src/engine/reader.ts); a missing role
 * stops them before anything ran, naming `oneroof reader setup`.
 */
import { EXIT } from '../errors.js';
import type { SessionClose } from '../runner/run.js';
import { summarize } from '../model/findings.js';
import type { RunFacts } from '../model/judge.js';
import { seal } from './seal.js';
import { checkPacket } from './packet-check.js';
import { readerMissing, readerMissingError } from './reader.js';
import { READ_ONLY, validate } from './release-options.js';
import { prepareSteps } from './release-steps.js';
import { confirmRun, openSession, recordStart } from './run-open.js';
import { stateAtExit } from './state-exit.js';
import {
  closeRun,
  collectProbes,
  judged,
  judgedAtClose,
  logFailureOf,
  noteLastRun,
  noteLateCancel,
} from './release-result.js';
import { fingerprintOf, parseStateVector, sameState } from './probes.js';
import { loadPacket } from '../contract/load.js';
import { summarizePacket } from '../contract/summary.js';

export type { Confirmation, ReleaseCommand, ReleaseOptions, ReleaseResult } from './result.js';
import type { ReleaseCommand, ReleaseOptions, ReleaseResult } from './result.js';

export async function runRelease(
  command: ReleaseCommand,
  options: ReleaseOptions,
): Promise<ReleaseResult> {
  // 1. Everything local first. The packet's names come from its descriptor (packet.yml).
  const descriptor = await loadPacket(options.packet);
  const summary = summarizePacket(descriptor);
  const columns = descriptor.state.columns;
  const variables = validate(command, options, descriptor);
  // The preflight judges the apply role's fitness, not the read role's it runs as.
  if (command === 'preflight') variables.apply_user = options.target.user;
  const packet = await checkPacket(options.packet, {
    signers: options.target.packetSigners,
    ...(options.env ? { env: options.env } : {}),
  });
  // Bundled from the bytes the manifest check read: the packet is read and hashed once.
  const steps = await prepareSteps(command, options, descriptor, variables, packet.reader);
  const { appName, readOnly, probes, tracker } = steps;

  // 2. The log, then the connection. A log that fails later stops the run as Ctrl-C does.
  const started = Date.now();
  let logFailure: string | undefined;
  let stop: (() => void) | undefined;
  const session = await openSession(command, options, summary, (error) => {
    logFailure ??= error.message;
    stop?.();
  });
  const base = recordStart(session, command, options, summary, packet, readOnly, appName);
  let result: ReleaseResult | undefined;
  let facts: RunFacts | undefined;
  let closed!: SessionClose;
  let failure: unknown;
  try {
    // 3. The operator sees what was reached before anything runs.
    const before = await confirmRun(session, command, options, descriptor, steps);

    // 4. The main session. A Ctrl-C (or a log that fails) before it starts: it never starts.
    // After it started, the server cancels it; the cancel waits for the session to appear,
    // so one that lands before psql has connected still stops it (see CANCEL_SQL, src/engine/release-steps.ts).
    let cancelled = false;
    let mainStarted = false;
    let mainEnded = false;
    const cancel = (): void => {
      if (cancelled || mainEnded) return;
      cancelled = true;
      session.record('interrupt', {
        applicationName: appName,
        reason: logFailure === undefined ? 'interrupt' : 'log-failure',
        mainStarted,
      });
      if (!mainStarted) return;
      // Not awaited once main has ended: it has nothing left to cancel (it ends by itself).
      session.run(steps.cancelStep).catch((error: unknown) => {
        session.record('interrupt-failed', { error: (error as Error).message });
      });
    };
    stop = cancel;
    if (options.interrupt?.aborted || logFailure !== undefined) cancel();
    else options.interrupt?.addEventListener('abort', cancel, { once: true });
    if (cancelled) {
      options.interrupt?.removeEventListener('abort', cancel);
      facts = {
        command,
        target: options.target.name,
        main: undefined,
        mainStarted: false,
        cancelled,
        logFailure: logFailureOf(logFailure, session),
        findings: summarize([]),
        tracker,
        dryRun: options.dryRun === true,
      };
      result = judged(facts, undefined, {
        ...base,
        state: {},
        tiers: tracker?.steps ?? [],
        probes: {},
        durationMs: Date.now() - started,
      });
    } else {
      mainStarted = true;
      const run = await session.run(steps.main).finally(() => {
        mainEnded = true;
        options.interrupt?.removeEventListener('abort', cancel);
      });
      if (
        readOnly &&
        options.target.reader.mode === 'role' &&
        readerMissing(run, options.target.reader.user)
      ) {
        session.record('reader-missing', { role: options.target.reader.user });
        throw readerMissingError(options.target, command);
      }
      tracker?.finish();
      const entry = parseStateVector(probes.lines('state_vector'), columns);
      if (entry)
        session.record('state', {
          at: 'entry',
          vector: entry.text,
          ...fingerprintOf(probes.lines('fingerprint')),
        });

      // 5. The state at exit, in a session of its own (the main one may have stopped on an error).
      // The main session's own last probe, under its lock; when an error stopped it before
      // that, a read-only session of its own.
      const exit = await stateAtExit(session, command, options, steps, run, entry, columns);

      // 6. Judge.
      const shown = before.vector ?? (READ_ONLY[command] ? undefined : entry);
      const state = {
        ...(shown ? { before: shown } : {}),
        ...(entry ? { entry } : {}),
        ...(exit ? { exit } : {}),
        ...(entry && exit ? { unchanged: sameState(entry, exit, columns) } : {}),
      };
      const found = collectProbes(probes, descriptor);
      const ledger = found.ledger;
      facts = {
        command,
        target: options.target.name,
        main: { outcome: run.outcome, end: run.end },
        mainStarted: true,
        cancelled,
        logFailure: logFailureOf(logFailure, session),
        findings: summarize(run.events),
        tracker,
        dryRun: options.dryRun === true,
        state: {
          ...(entry ? { entry: entry.text } : {}),
          ...(exit ? { exit: exit.text } : {}),
          ...(state.unchanged === undefined ? {} : { unchanged: state.unchanged }),
        },
        ...(ledger
          ? {
              status: {
                applied: ledger.filter((r) => r.applied).length,
                tiers: ledger.length,
                alive: found.alive?.length ?? 0,
              },
            }
          : {}),
        log: session.log.paths.output,
      };
      result = judged(facts, run.outcome, {
        ...base,
        state,
        tiers: tracker?.steps ?? [],
        probes: found,
        durationMs: Date.now() - started,
      });
      if (command === 'status' && result.exitCode === EXIT.ok)
        await noteLastRun(result, session, options);
      noteLateCancel(result, options.interrupt);
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    closed = await closeRun(session, command, result, failure);
  }
  // Reached only when the try block did not throw: result and facts are set.
  result = judgedAtClose(result, facts, closed, session);
  return { ...result, audit: await seal(closed, options) };
}
