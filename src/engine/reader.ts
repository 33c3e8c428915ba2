/**
 * The read role (issue 11): preflight, verify and status log in as the target's `read_user`, a
 * NOSUPERUSER role with pg_read_all_data + pg_read_all_stats and default_transaction_read_only
 * on the role, so the server itself refuses every write and every superuser-only function.
 *
 *   - `readerMissing`: the first session's own failure says the role is not there (psql's
 *     `FATAL:  role "…" does not exist` while connecting), so no extra round trip is needed;
 *   - `runReaderSetup`: `oneroof reader setup --target T`, a mutating run like apply (logged,
 *     confirmed, anchored, signed) that streams the packet's reader file (packet.yml
 *     `entries.reader`).
 */
import { EXIT, OneroofError, type ExitCode } from '../errors.js';
import type { Target } from '../inventory/load.js';
import type { PsqlEvent } from '../psql/events.js';
import { summarize } from '../model/findings.js';
import { judge } from '../model/judge.js';
import { readerLine, readerScript } from '../model/reader-lines.js';
import { logFailureOf, unjudgedFailure } from './release-result.js';
import {
  prepareStep,
  RunSession,
  sessionExtras,
  type RunResult,
  type SessionClose,
} from '../runner/run.js';
import type { RunLogPaths } from '../runlog/writer.js';
import type { Peer, Transport } from '../transport/types.js';
import { applicationName } from './lock.js';
import type { PacketSignature } from '../packet/signature.js';
import { checkPacket } from './packet-check.js';
import { loadPacket } from '../contract/load.js';
import { markerClaims, packetVariables } from '../contract/summary.js';
import { seal, type AuditSummary } from './seal.js';
import { confirmationOf } from './confirmation.js';

function setupCommand(target: Target): string {
  return `oneroof reader setup --target ${target.name}`;
}

/**
 * psql could not log in because the read role does not exist: exit 2 with its connection
 * error naming exactly that role. Any other failure (a password rule, a missing database, a
 * lost link) is not a missing role.
 */
export function readerMissing(run: RunResult, role: string): boolean {
  if (run.outcome !== 'psql-failed') return false;
  const line = new RegExp(
    `^psql: error: connection to server .* failed: FATAL: {2}role "${role}" does not exist$`,
  );
  return run.events.some((e) => e.stream === 'stderr' && e.raw.some((raw) => line.test(raw)));
}

export function readerMissingError(target: Target, command: string): OneroofError {
  return new OneroofError(
    'runtime',
    `${command} on ${target.name}: the read role ${target.reader.user} does not exist on the server; nothing was run. Create it with \`${setupCommand(target)}\``,
    {
      hint: `or set read_only: session on the target (weaker: the client's setting only) in ${target.source}`,
    },
  );
}

export interface ReaderSetupOptions {
  target: Target;
  transport: Transport;
  logDir: string;
  packet: string;
  argv?: readonly string[];
  now?: () => Date;
  /** Injected monotonic clock and run id (tests: deterministic fixture runs), for the run log. */
  elapsed?: () => number;
  runId?: string;
  /** Asked after connecting and before anything runs; false stops the run. */
  confirm?: (about: { target: string; peer: Peer; role: string }) => Promise<boolean>;
  onConnected?: (peer: Peer) => void;
  onEvent?: (event: PsqlEvent) => void;
  signingKey?: string;
  signingPassphrase?: () => string | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface ReaderSetupResult {
  command: 'reader setup';
  target: string;
  role: string;
  exitCode: ExitCode;
  /** The judge's word (src/model/judge.ts): ready, refused, sql-error, lost, … */
  outcome: string;
  message: string;
  /** What the setup did or found, one line each (the packet's ONEROOF READER notices). */
  actions: string[];
  /** What it found wrong that it cannot fix (a pg_hba rule that asks for a password). */
  warnings: string[];
  peer: Peer;
  log: RunLogPaths;
  manifestSha256: string;
  packetSignature?: PacketSignature;
  audit?: AuditSummary;
}

export async function runReaderSetup(options: ReaderSetupOptions): Promise<ReaderSetupResult> {
  const { target } = options;
  const role = target.reader.user;
  const descriptor = await loadPacket(options.packet);
  const readerFile = descriptor.entries.reader;
  const packet = await checkPacket(options.packet, {
    signers: target.packetSigners,
    ...(options.env ? { env: options.env } : {}),
  });
  const step = await prepareStep(target, {
    name: 'main',
    source: {
      kind: 'packet',
      root: options.packet,
      entry: readerFile,
      packetVariables: packetVariables(descriptor),
      claims: markerClaims(descriptor),
    },
    variables: { reader: role },
    env: { PGAPPNAME: applicationName('reader-setup') },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const session = await RunSession.open({
    kind: 'reader',
    target,
    transport: options.transport,
    logDir: options.logDir,
    ...sessionExtras(options),
  });
  session.record('reader-setup', {
    target: target.name,
    role,
    file: readerFile,
    manifest: { sha256: packet.manifestSha256, root: packet.root, signature: packet.signature },
  });
  let result: Omit<ReaderSetupResult, 'audit'> | undefined;
  let run: RunResult | undefined;
  let closed!: SessionClose;
  try {
    if (options.confirm) {
      const confirmed = await options.confirm({ target: target.name, peer: session.peer, role });
      session.record('confirmation', confirmationOf(confirmed, target.name));
      if (!confirmed)
        throw new OneroofError(
          'usage',
          `reader setup on ${target.name} not confirmed; nothing was run`,
        );
    }
    run = await session.run(step);
    result = judgeSetup(target, role, readerFile, run, session, packet.manifestSha256);
  } finally {
    // A mutating run: its log's head is anchored on the target, as apply's.
    closed = await session.close(
      result === undefined
        ? { outcome: 'error' }
        : { outcome: result.outcome, exitCode: result.exitCode, actions: result.actions },
      { anchor: true },
    );
  }
  // Reached only when the try block did not throw: result and run are set. A log that failed
  // only as it closed (its end record, its fsync) is judged again: never exit 0 on it.
  const late = unjudgedFailure(closed, run.logFailure);
  if (late !== undefined)
    result = judgeSetup(
      target,
      role,
      readerFile,
      { ...run, logFailure: late },
      session,
      packet.manifestSha256,
    );
  return {
    ...result,
    ...(packet.signature ? { packetSignature: packet.signature } : {}),
    audit: await seal(closed, options),
  };
}

/** What the setup said (its ONEROOF READER lines), judged by the one judge (src/model/judge.ts). */
function judgeSetup(
  target: Target,
  role: string,
  readerFile: string,
  run: RunResult,
  session: RunSession,
  manifestSha256: string,
): Omit<ReaderSetupResult, 'audit'> {
  const said = (severity: 'NOTICE' | 'WARNING') =>
    run.events
      .map((e) => readerLine(e, severity))
      .filter((text) => text !== undefined)
      // Text from the server: no control character reaches the terminal.
      .map((text) =>
        [...text].map((c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' ? '?' : c)).join(''),
      );
  const actions = said('NOTICE');
  const warnings = said('WARNING');
  const verdict = judge({
    command: 'reader setup',
    target: target.name,
    main: { outcome: run.outcome, end: run.end },
    mainStarted: true,
    cancelled: false,
    logFailure: logFailureOf(run.logFailure, session),
    findings: summarize(run.events),
    dryRun: false,
    setup: { role, script: readerScript(readerFile), warnings: warnings.length },
  });
  return {
    command: 'reader setup',
    target: target.name,
    role,
    actions,
    warnings,
    peer: session.peer,
    log: session.log.paths,
    manifestSha256,
    // The live run always knows how it ended: only replay of a cut log may not.
    exitCode: verdict.exitCode ?? EXIT.runtime,
    outcome: verdict.outcome,
    message: verdict.message,
  };
}
