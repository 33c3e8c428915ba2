/**
 * The on-target anchor: the final chain head of a run log, appended by the same session that
 * ran the SQL (one more exec on the same connection, after RunLog.close()) to a file inside the
 * target's container, in the PostgreSQL data volume:
 *
 *     $PGDATA/oneroof/anchors      one line per run, never rewritten:
 *     oneroof-anchor/1 <started ISO> <run id> <log name> <records> <head> <log bytes>
 *
 * Someone who rewrites the whole log on the operator's machine (and recomputes the chain) cannot
 * make it agree with this line unless they can also write on the database host. It is a file,
 * not a database object: the database catalog is untouched (the full rollback needs it
 * byte-identical), and read-only commands write nothing into the database. It lives in the
 * data volume so that it outlives the container, and goes wherever the data directory's
 * backups go. The script is a constant; the line arrives as a positional parameter.
 */
import type { Connection, RunningCommand } from '../transport/types.js';
import {
  anchorLine,
  type AnchorEntry,
  buildAnchorReadArgv,
  buildAnchorWriteArgv,
  parseAnchorLine,
} from './anchor-line.js';
import type { RunLogSeal } from './writer.js';

/** Relative to $PGDATA (default /var/lib/postgresql/data, the official image's). */
const ANCHOR_PATH = 'oneroof/anchors';

export interface AnchorReceipt {
  /** The anchors file on the target (inside the container). */
  file: string;
  line: string;
}

/**
 * Appends the seal's line to the target's anchors file over the run's own connection. Call it
 * after RunLog.close() and before Connection.close(), and not when the connection was lost.
 * Throws an Error saying why when the far side could not write it: the caller reports that
 * to the operator (the log itself is closed and stays valid; the run's result stands).
 */
export async function anchorRunLog(
  connection: Connection,
  target: { container: string },
  seal: RunLogSeal,
): Promise<AnchorReceipt> {
  const line = anchorLine(seal);
  const result = await collect(
    connection.exec({ container: target.container, argv: buildAnchorWriteArgv(line) }),
  );
  const file = result.stdout.trim();
  if (result.end !== 0 || file === '')
    throw new Error(
      `could not write the anchor on the target (${result.end === null ? 'connection lost' : `exit ${result.end}`}): ${result.stderr.trim()}`,
    );
  return { file, line };
}

export interface AnchorLookup {
  file: string;
  entries: AnchorEntry[];
  /** No anchors file at all on the target. */
  missingFile: boolean;
}

/** The anchor lines for one run id, read from the target. */
export async function readAnchors(
  connection: Connection,
  target: { container: string },
  run: string,
): Promise<AnchorLookup> {
  const result = await collect(
    connection.exec({ container: target.container, argv: buildAnchorReadArgv(run) }),
  );
  const file = result.stderr.split('\n')[0]?.trim() ?? ANCHOR_PATH;
  if (result.end === 3) return { file, entries: [], missingFile: true };
  if (result.end !== 0 && result.end !== 1)
    throw new Error(
      `could not read the anchors on the target (${result.end === null ? 'connection lost' : `exit ${result.end}`}): ${result.stderr.trim()}`,
    );
  const entries = result.stdout
    .split('\n')
    .map(parseAnchorLine)
    .filter((e): e is AnchorEntry => e !== undefined && e.run === run);
  return { file, entries, missingFile: false };
}

async function collect(
  running: RunningCommand,
): Promise<{ stdout: string; stderr: string; end: number | null }> {
  let stdout = '';
  let stderr = '';
  running.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  running.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const end = await running.done;
  return { stdout, stderr, end: end.kind === 'exit' ? end.code : null };
}
