/**
 * Truncation safety. psql executes whatever is left in its buffer at end of input:
 * a stream cut after `DELETE FROM t` empties the table and exits 0. So psql never reads the
 * network. The bytes are first staged into a file inside the container; only when the file
 * holds exactly the announced length and sha256 is psql started, reading that file on stdin.
 * A cut anywhere in transit leaves a short file, the check fails, and nothing runs.
 *
 * A large stream may travel gzip-compressed (src/runner/compress.ts): it is
 * decoded on the far side as it arrives, and the length and digest checked are those of the
 * decoded bytes, the very bytes psql reads; a cut gzip stream decodes short and is refused.
 *
 * The script is a constant; the length, digest, encoding and psql's argv arrive as positional
 * parameters ("$@"), so nothing is ever spliced into shell text. It needs only POSIX sh,
 * mktemp, tee, wc, sha256sum, and gunzip for a compressed stream (Debian's coreutils and gzip,
 * or busybox: both postgres images).
 */

/** The staged bytes did not arrive whole (short, long or altered): nothing was run. */
export const STAGE_EXIT_INCOMPLETE = 124;
/** Staging itself failed on the far side (no temp file, no sha256sum): nothing was run. */
export const STAGE_EXIT_FAILED = 125;

const STAGE_SCRIPT = [
  'set -u',
  'n=$1 h=$2 z=$3',
  'shift 3',
  'd=$(mktemp -d "${TMPDIR:-/tmp}/oneroof-stage.XXXXXXXX") || { echo "oneroof-stage: cannot create a temporary directory; nothing was run" >&2; exit 125; }',
  'trap \'rm -rf "$d"\' EXIT',
  "trap 'exit 129' HUP INT TERM",
  'f=$d/stream',
  'case $z in',
  '  identity) cat > "$f" || { echo "oneroof-stage: cannot write $f; nothing was run" >&2; exit 125; } ;;',
  // A cut or corrupt gzip stream decodes short (or to other bytes): the checks below refuse it.
  '  gzip) command -v gunzip > /dev/null || { echo "oneroof-stage: gunzip not found; nothing was run" >&2; exit 125; }',
  '    gunzip -c > "$f" 2> /dev/null ;;',
  '  *) echo "oneroof-stage: unknown encoding $z; nothing was run" >&2; exit 125 ;;',
  'esac',
  'got=$(wc -c < "$f" | tr -d " ")',
  '[ "$got" = "$n" ] || { echo "oneroof-stage: received $got of $n bytes; nothing was run" >&2; exit 124; }',
  'sum=$(sha256sum < "$f") || { echo "oneroof-stage: sha256sum failed; nothing was run" >&2; exit 125; }',
  'sum=${sum%% *}',
  '[ "$sum" = "$h" ] || { echo "oneroof-stage: sha256 $sum, expected $h; nothing was run" >&2; exit 124; }',
  // Open, then unlink: psql reads a file nobody else can see or change, and nothing is left behind.
  'exec 3< "$f" && rm -rf "$d"',
  '"$@" <&3',
].join('\n');

export interface StagedPayload {
  /** The payload's length, as psql will read it (after decoding). */
  length: number;
  /** Lower-case hex sha256 of the payload, as psql will read it (after decoding). */
  sha256: string;
  /** How the bytes travel: as they are, or gzip-compressed (decoded on the far side). */
  encoding?: StagedEncoding;
}

export type StagedEncoding = 'identity' | 'gzip';

/** `sh -c STAGE_SCRIPT oneroof-stage LENGTH SHA256 ENCODING ARGV…` — run inside the container. */
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
    payload.encoding ?? 'identity',
    ...argv,
  ];
}
