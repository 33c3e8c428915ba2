/** What a run log (./writer.ts) is opened with, and what closing it returns. */
import type { PacketSummary } from '../contract/summary.js';
import type { RunKind, RunLogPaths } from './log-files.js';
import type { RecordFields } from './records.js';

export interface RunLogOptions {
  dir: string;
  kind: RunKind;
  target: string;
  /** Injected clock (tests): the wall time of the file name, `startedAt` and every record's `time`. */
  now?: () => Date;
  /** Injected monotonic clock (tests): seconds since the log was opened, each record's `t`. */
  elapsed?: () => number;
  /** Injected run id (tests): the start record's `run`, the seal's and the anchor's. */
  runId?: string;
  /** Injected (tests): the bytes a held output record covers before it is written (MAX_HELD). */
  maxHeld?: number;
  /** Written into the first record; the command line as the user typed it, minus nothing secret. */
  argv?: readonly string[];
  /** Called once, at the first write error after opening (the run must stop: see release.ts). */
  onFailure?: (error: Error) => void;
  /** The packet's names, for replay without the packet (src/contract/summary.ts). */
  packet?: PacketSummary;
}

/** What the caller says of the run in its end record (the writer adds the .log's length). */
export type EndFields = Omit<RecordFields<'end'>, 'bytes' | 'log'>;

/** What close() returns: everything needed to sign the log and anchor it outside itself. */
export interface RunLogSeal {
  /** The random id of this run (the start record's `run`). */
  run: string;
  /** The file name without extension: `rollout_20261125T113005Z`. */
  name: string;
  target: string;
  startedAt: string;
  paths: RunLogPaths;
  /** How many records (lines) the records file holds, the end record included. */
  records: number;
  /** Hex chain digest of the last record: it commits to every record and every output byte. */
  head: string;
  /** The .log's length (its bytes are committed chunk by chunk, each output record's sha256). */
  log: { bytes: number };
  /** Set when a write failed: the files hold a valid prefix only. */
  failure?: string;
}
