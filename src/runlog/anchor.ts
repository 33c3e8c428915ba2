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
import type { RunLogSeal } from './writer.js';

const ANCHOR_FORMAT = 'oneroof-anchor/1';
/** Relative to $PGDATA (default /var/lib/postgresql/data, the official image's). */
const ANCHOR_PATH = 'oneroof/anchors';

const DIR = '"${PGDATA:-/var/lib/postgresql/data}/oneroof"';

export const ANCHOR_WRITE_SCRIPT = [
  'set -u',
  `d=${DIR}`,
  'umask 022',
  'mkdir -p "$d" || exit 125',
  'printf \'%s\\n\' "$1" >> "$d/anchors" || exit 125',
  'printf \'%s\\n\' "$d/anchors"',
].join('\n');

export const ANCHOR_READ_SCRIPT = [
  'set -u',
  `f=${DIR}/anchors`,
  'printf \'%s\\n\' "$f" >&2',
  '[ -f "$f" ] || exit 3',
  'grep -F -e " $1 " -- "$f"',
].join('\n');

interface AnchorEntry {
  startedAt: string;
  run: string;
  name: string;
  records: number;
  head: string;
  log: { bytes: number };
}

export interface AnchorReceipt {
  /** The anchors file on the target (inside the container). */
  file: string;
  line: string;
}

const TOKEN = /^[A-Za-z0-9._:+/-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;

export function anchorLine(seal: RunLogSeal): string {
  const fields = [
    ANCHOR_FORMAT,
    seal.startedAt,
    seal.run,
    seal.name,
    String(seal.records),
    seal.head,
    String(seal.log.bytes),
  ];
  for (const field of fields)
    if (!TOKEN.test(field))
      throw new RangeError(`anchor field ${JSON.stringify(field)} is not a token`);
  return fields.join(' ');
}

export function parseAnchorLine(line: string): AnchorEntry | undefined {
  const parts = line.trim().split(' ');
  if (parts.length !== 7 || parts[0] !== ANCHOR_FORMAT) return undefined;
  const [, startedAt, run, name, records, head, bytes] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d+$/.test(records) || !/^\d+$/.test(bytes) || !HEX64.test(head)) return undefined;
  return { startedAt, run, name, records: Number(records), head, log: { bytes: Number(bytes) } };
}

/** `sh -c ANCHOR_WRITE_SCRIPT oneroof-anchor LINE`, inside the container. */
export function buildAnchorWriteArgv(line: string): string[] {
  return ['sh', '-c', ANCHOR_WRITE_SCRIPT, 'oneroof-anchor', line];
}

export function buildAnchorReadArgv(run: string): string[] {
  if (!TOKEN.test(run)) throw new RangeError(`run id ${JSON.stringify(run)} is not a token`);
  return ['sh', '-c', ANCHOR_READ_SCRIPT, 'oneroof-anchor', run];
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
