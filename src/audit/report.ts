/**
 * What `oneroof replay` reconstructs: one document, the same for the human text, `--json` and
 * the `--html` page. Times are ISO strings (the runner's clock); `t` values are seconds since
 * the log was opened (a monotonic clock), absent for a hand-made log, which has no timing.
 */
import type { PacketSummary } from '../contract/summary.js';
import type { Problem } from './verify.js';
import type { SignatureCheck } from '../ssh/sign.js';
import type { Finding } from '../model/findings.js';
import type { Judgement } from '../model/judge.js';
import type { TierStep } from '../model/tiers.js';
import type { ExecEndInfo } from '../runlog/end-record.js';
import type { PacketSignatureInfo, PeerInfo } from '../runlog/records.js';

export type IntegrityVerdict =
  /** Chain intact, signature valid and its signer in the allowed-signers file. */
  | 'verified'
  /** Chain intact, signature valid, but no allowed-signers file to say whose key it is. */
  | 'signed'
  /** Chain intact (or no chain: a hand-made log) and no signature: nothing proves it untouched. */
  | 'unsigned'
  /** Something was changed: see firstBad. Exit 5. */
  | 'tampered';

export interface AnchorCheck {
  status: 'not-checked' | 'matches' | 'differs' | 'missing';
  target?: string;
  file?: string;
  line?: string;
  detail?: string;
}

export interface Integrity {
  verdict: IntegrityVerdict;
  /** One sentence for a human. */
  summary: string;
  chain: 'intact' | 'broken' | 'none';
  records: number | null;
  head: string | null;
  /** The records end with an end record (false: the runner stopped, or they were cut). */
  complete: boolean | null;
  log: { bytes: number; sha256: string | null; unindexed: number };
  signature: SignatureCheck;
  anchor: AnchorCheck;
  firstBad: Problem | null;
}

export type { Finding };

/** A tier as replay shows it: the one state machine's step (src/model/tiers.ts), and when. */
export interface TierReport extends TierStep {
  /** Where its last marker was raised (`file:line`). */
  at?: string;
  note?: string;
  /** Seconds since the log opened. */
  start?: number;
  end?: number;
}

/** The state vector as recorded; `values` when it is integers joined by | (columns: run.packet). */
export interface StateVector {
  raw: string;
  values?: number[];
}

export interface StepReport {
  step: string;
  source?: string;
  sha256?: string;
  length?: number;
  readOnly?: boolean;
  commandLine?: string;
  outcome?: string;
  end?: ExecEndInfo;
  durationMs?: number;
  start?: number;
}

/** replay --target: what the target's ledger says now (read-only, by the status engine). */
export interface OnTarget {
  target: string;
  /** Tiers the ledger shows applied. */
  applied: number[];
  /** running: a oneroof session still holds the run lock there. */
  server: 'running' | 'finished' | 'unread';
  message: string;
}

export interface ReplayReport {
  replay: { format: 'oneroof-replay/1'; generatedAt: string };
  onTarget?: OnTarget;
  source: {
    kind: 'oneroof' | 'tee';
    log: string;
    records: string | null;
    signature: string | null;
  };
  integrity: Integrity;
  run: {
    id: string | null;
    kind: string | null;
    command: string | null;
    target: string | null;
    by: { user: string; host: string } | null;
    argv: string[];
    startedAt: string | null;
    endedAt: string | null;
    durationMs: number | null;
    peer: PeerInfo | null;
    commandLine: string | null;
    apr: string | null;
    dryRun: boolean | null;
    manifest: string | null;
    /** Who signed the packet that ran, as recorded at run time; null: not recorded. */
    packetSignature: PacketSignatureInfo | null;
    /** The packet's names as the run recorded them (its start record); null: an older log. */
    packet: PacketSummary | null;
    /** reader setup: the role it makes and the packet's reader file (its start record). */
    reader: { role: string; file: string } | null;
    stream: { source: string; sha256: string; length: number } | null;
    files: { path: string; sha256: string }[];
    /** The operator's answer before a mutating run: who, when, what they typed. */
    confirmation: {
      confirmed: boolean;
      /** prompt: asked on the terminal; not-asked: --yes. */
      via: 'prompt' | 'not-asked';
      by: { user: string; host: string } | null;
      at: string | null;
      /** The target's name, when that is what they typed (nothing else is ever kept). */
      typed?: string;
    } | null;
    /** Ctrl-C (or a failing log, which stops the run as Ctrl-C does): when. */
    interrupt: {
      at: string | null;
      reason: 'interrupt' | 'log-failure';
      /** false: before the main session started, so nothing ran. */
      mainStarted: boolean;
    } | null;
  };
  gate: {
    verdict: 'GO' | 'NO-GO' | null;
    noGo: string[];
    checks: {
      status: string;
      check: string;
      observed: string;
      expected?: string;
      at?: string;
    }[];
  };
  lock: { acquired: boolean; holder?: string } | null;
  state: { entry: StateVector | null; exit: StateVector | null };
  steps: StepReport[];
  tiers: TierReport[];
  rollbacks: TierReport[];
  verified: { check: string; observed: string }[];
  assertions: Finding[];
  errors: Finding[];
  counts: { assertions: number; errors: number; warnings: number; events: number; records: number };
  output: {
    bytes: number;
    stdout: number;
    stderr: number;
    chunks: number;
    firstT?: number;
    lastT?: number;
  };
  outcome: {
    outcome: string;
    /** The exit code oneroof gave (end record), or the one this outcome implies (derived). */
    exitCode: number | null;
    derived: boolean;
    summary: string;
    end: ExecEndInfo | null;
    sentinelSeen: boolean | null;
    endedScripts: string[];
    /** What the run's events alone say, by the engine's own judge (src/model/judge.ts). */
    fromEvents: Judgement & { tiers: TierStep[] };
  };
  notes: string[];
}
