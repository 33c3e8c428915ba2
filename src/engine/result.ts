/**
 * The release engine's shared shapes: the six commands, a run's options, what the operator
 * confirms, and the result the summary and --json print. Types only, so that every piece of the
 * engine (src/engine/release.ts and the files it uses) can share them without an import cycle.
 */
import type { ExitCode } from '../errors.js';
import type { Target } from '../inventory/load.js';
import type { PsqlEvent } from '../psql/events.js';
import type { Finding, GateCheck } from '../model/findings.js';
import type { RunOutcome } from '../model/judge.js';
import type { TierStep } from '../model/tiers.js';
import type { RunLogPaths } from '../runlog/writer.js';
import type { Peer, Transport } from '../transport/types.js';
import type { PacketSignature } from '../packet/signature.js';
import type { AuditSummary } from './seal.js';
import type { LastRun } from './last-run.js';
import type { AliveSession, Approval, LedgerRow, StateVector } from './probes.js';
import type { PacketSummary } from '../contract/summary.js';
import type { LiveRecord } from '../runner/live-record.js';

export type ReleaseCommand =
  | 'preflight'
  | 'apply'
  | 'verify'
  | 'rollback'
  | 'status'
  /** The packet's clone revalidation (replica.revalidate), rolled back; local replicas only. */
  | 'revalidate';

export interface ReleaseOptions {
  target: Target;
  transport: Transport;
  logDir: string;
  /** The packet folder (holds packet.yml, manifest-sha256.txt and the files they name). */
  packet: string;
  argv?: readonly string[];
  /** The ratified APR code (apply: required; preflight: optional). */
  apr?: string;
  dryRun?: boolean;
  /** Rollback: 'full' or one tier that has a per-tier rollback (packet.yml). */
  rollback?: 'full' | number;
  /** Seconds to wait for the run lock (default: refuse at once). */
  waitSeconds?: number;
  now?: () => Date;
  /** Injected monotonic clock and run id (tests: deterministic fixture runs), for the run log. */
  elapsed?: () => number;
  runId?: string;
  /** Mutating runs: asked after connecting and before anything runs; false stops the run. */
  confirm?: (about: Confirmation) => Promise<boolean>;
  onConnected?: (peer: Peer) => void;
  /** A step staged or ended, the log sealed (the runner's records, src/runner/live-record.ts). */
  onRecord?: (record: LiveRecord) => void;
  /** A tier moved (running, ok, failed, skipped): live progress. */
  onTier?: (step: TierStep) => void;
  onEvent?: (event: PsqlEvent) => void;
  /**
   * The operator interrupted (Ctrl-C): the server is asked to cancel the session's running
   * statement, as psql does on Ctrl-C. The open tier rolls back; earlier tiers stay committed.
   * (Dropping the connection would not stop anything: the staged script runs on.)
   */
  interrupt?: AbortSignal;
  /** The ssh key that signs the log (src/ssh/sign.ts findSigningKey); none: unsigned. */
  signingKey?: string;
  /** The signing key's passphrase when the operator typed it in this run: asked once. */
  signingPassphrase?: () => string | undefined;
  /** For ssh-keygen (SSH_AUTH_SOCK). */
  env?: NodeJS.ProcessEnv;
}

export interface Confirmation {
  command: ReleaseCommand;
  target: string;
  peer: Peer;
  apr?: string;
  dryRun: boolean;
  rollback?: 'full' | number;
  /** What the run will change, from the packet's contract (packet.yml), not from the target. */
  change: {
    tiers: { tier: number; name: string }[];
    /** The state vector the packet promises after it (state.applied / state.baseline). */
    expectedAfter?: string;
    legend: string;
    /** The state vector read before the prompt (read-only); undefined: it could not be read. */
    before?: string;
    /** Every tier of the release: as the ledger showed it before the prompt, and after the run. */
    steps: {
      tier: number;
      name: string;
      before: 'applied' | 'pending' | 'unknown';
      after: 'applied' | 'pending' | 'unknown';
    }[];
    /** The main session refuses (exit 3, nothing changed) when the state under the lock differs. */
    guarded: boolean;
  };
}

export interface ReleaseResult {
  command: ReleaseCommand;
  target: string;
  exitCode: ExitCode;
  /** One word for scripts: GO, NO-GO, applied, no-op, rehearsed, verified, rolled-back, locked, … */
  outcome: string;
  /** One line for a human. */
  message: string;
  peer?: Peer;
  log?: RunLogPaths;
  apr?: string;
  dryRun: boolean;
  manifestSha256: string;
  /** The packet's names (packet.yml): its tiers, state columns and verify probes. */
  packet?: PacketSummary;
  /** Who signed the packet's manifest, checked against packet_signers when set. */
  packetSignature?: PacketSignature;
  runOutcome?: RunOutcome;
  /**
   * before: the state the run went by — read before the prompt when the operator confirmed
   * (apply, rollback), else the state at entry, under the run lock.
   */
  state: { before?: StateVector; entry?: StateVector; exit?: StateVector; unchanged?: boolean };
  preflight: GateCheck[];
  verdict?: 'GO' | 'NO-GO';
  noGo: string[];
  tiers: TierStep[];
  verified: { check: string; observed: string }[];
  assertions: Finding[];
  errors: Finding[];
  refused?: string;
  lockHolder?: string;
  /** --wait found the run lock busy: who held it, and the seconds waited (null: not acquired). */
  lockWait?: { holder: string; seconds: number | null };
  probes: {
    /** The packet's verify probes that finished, by name: the lines each printed. */
    verify?: Record<string, string[]>;
    fingerprint?: string;
    ledger?: LedgerRow[];
    approvals?: Approval[];
    alive?: AliveSession[];
  };
  durationMs: number;
  /** status: the last apply/rollback logged here that did not end normally, and its fate. */
  lastRun?: LastRun;
  /** Set once the log is sealed: its head, anchor and signature. */
  audit?: AuditSummary;
  /** Read-only commands: how the server is kept from writing (the role, or the weaker session). */
  readOnly?: { mode: 'role' | 'session'; user: string };
}
