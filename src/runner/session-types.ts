/**
 * The shapes of a run session (./run.ts): what opening one takes, what a run gives back, and
 * what closing one leaves.
 */
import type { PacketSummary } from '../contract/summary.js';
import type { RunOutcome } from '../model/judge.js';
import type { Target } from '../inventory/load.js';
import type { PsqlEvent } from '../psql/events.js';
import type { RunKind, RunLogPaths, RunLogSeal } from '../runlog/writer.js';
import type { AnchorReceipt } from '../runlog/anchor.js';
import type { ExecEnd, Peer, Transport } from '../transport/types.js';
import type { LiveRecord } from './live-record.js';
import type { StepRequest } from './step.js';

export interface SessionRequest {
  kind: RunKind;
  target: Target;
  transport: Transport;
  logDir: string;
  /** The user's command line, for the log's first record. */
  argv?: readonly string[];
  now?: () => Date;
  /** Injected monotonic clock and run id (tests: deterministic fixture runs), for the run log. */
  elapsed?: () => number;
  runId?: string;
  onConnected?: (peer: Peer) => void;
  /** A record a live view follows was written (a step staged or ended, the log sealed). */
  onRecord?: (record: LiveRecord) => void;
  /** The log could not be written after it was opened (disk full, I/O error): called once. */
  onLogFailure?: (error: Error) => void;
  /** The packet's names, into the log's start record (replay names things as the packet does). */
  packet?: PacketSummary;
}

/** The optional parts of a session a command may pass on from its own options (clock, id, …). */
export type SessionExtras = Pick<
  SessionRequest,
  'argv' | 'now' | 'elapsed' | 'runId' | 'onConnected' | 'onRecord'
>;

/** Those of `options` that are set, ready to spread into RunSession.open. */
export function sessionExtras(options: SessionExtras): SessionExtras {
  const out: SessionExtras = {};
  if (options.argv) out.argv = options.argv;
  if (options.now) out.now = options.now;
  if (options.elapsed) out.elapsed = options.elapsed;
  if (options.runId) out.runId = options.runId;
  if (options.onConnected) out.onConnected = options.onConnected;
  if (options.onRecord) out.onRecord = options.onRecord;
  return out;
}

/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
export type RunRequest = SessionRequest & StepRequest;

export interface RunResult {
  outcome: RunOutcome;
  end: ExecEnd;
  peer: Peer;
  events: PsqlEvent[];
  log: RunLogPaths;
  commandLine: string;
  stream: { length: number; sha256: string; files: { path: string; sha256: string }[] };
  sentinelSeen: boolean;
  durationMs: number;
  /** Set when the log could not be written after the run started. */
  logFailure?: string;
}

/** What closing a session leaves: the log's seal, and where it was anchored (or why not). */
export interface SessionClose {
  seal: RunLogSeal;
  anchor?: AnchorReceipt;
  anchorError?: string;
}
