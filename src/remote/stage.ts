/**
 * Truncation safety. psql executes whatever is left in its buffer at end of input:
 * a stream cut after `DELETE FROM t` empties the table and exits 0. So psql never reads the
 * network. The bytes are first staged into a file inside the container; only when the file
 * holds exactly the announced length and sha256 is psql started, reading that file on stdin.
 * A cut anywhere in transit leaves a short file, the check fails, and nothing runs.
 *
 * The script is a constant; the length, digest and psql's argv arrive as positional
 * parameters ("$@"), so nothing is ever spliced into shell text. It needs only POSIX sh,
 * mktemp, cat, wc and sha256sum (Debian's coreutils or busybox: both postgres images).
 */

/** The staged bytes did not arrive whole (short, long or altered): nothing was run. */
export const STAGE_EXIT_INCOMPLETE = 124;
/** Staging itself failed on the far side (no temp file, no sha256sum): nothing was run. */
export const STAGE_EXIT_FAILED = 125;

const STAGE_SCRIPT = [
  'set -u',
  'n=$1 h=$2',
  'shift 2',
  'f=$(mktemp "${TMPDIR:-/tmp}/oneroof-stage.XXXXXXXX") || { echo "oneroof-stage: cannot create a temporary file; nothing was run" >&2; exit 125; }',
  'trap \'rm -f "$f"\' EXIT',
  "trap 'exit 129' HUP INT TERM",
  'cat > "$f" || { echo "oneroof-stage: cannot write $f; nothing was run" >&2; exit 125; }',
  'got=$(wc -c < "$f" | tr -d " ")',
  '[ "$got" = "$n" ] || { echo "oneroof-stage: received $got of $n bytes; nothing was run" >&2; exit 124; }',
  'sum=$(sha256sum < "$f") || { echo "oneroof-stage: sha256sum failed; nothing was run" >&2; exit 125; }',
  'sum=${sum%% *}',
  '[ "$sum" = "$h" ] || { echo "oneroof-stage: sha256 $sum, expected $h; nothing was run" >&2; exit 124; }',
  // Open, then unlink: psql reads a file nobody else can see or change, and nothing is left behind.
  'exec 3< "$f" && rm -f "$f"',
  '"$@" <&3',
].join('\n');

export interface StagedPayload {
  length: number;
  /** Lower-case hex sha256 of the payload. */
  sha256: string;
}

/** `sh -c STAGE_SCRIPT oneroof-stage LENGTH SHA256 ARGV…` — run inside the container. */
export function buildStagedArgv(argv: readonly string[], payload: StagedPayload): string[] {
  if (!Number.isSafeInteger(payload.length) || payload.length < 0)
    throw new RangeError(`staged length must be a non-negative integer, got ${payload.length}`);
  if (!/^[0-9a-f]{64}$/.test(payload.sha256))
    throw new RangeError(`staged sha256 must be 64 lower-case hex digits, got ${payload.sha256}`);
  if (argv.length === 0) throw new RangeError('nothing to run after staging');
  return [
    'sh',
    '-c',
    STAGE_SCRIPT,
    'oneroof-stage',
    String(payload.length),
    payload.sha256,
    ...argv,
  ];
}
