/**
 * The on-target anchor's line and the two commands that append and read it (src/runlog/anchor.ts
 * runs them): the scripts are constants, the line and the run id are positional parameters,
 * and every field is a plain token, so nothing reaches a shell unquoted.
 */
import type { RunLogSeal } from './writer.js';

const ANCHOR_FORMAT = 'oneroof-anchor/1';

const DIR = '"${PGDATA:-/var/lib/postgresql/data}/oneroof"';

const ANCHOR_WRITE_SCRIPT = [
  'set -u',
  `d=${DIR}`,
  'umask 022',
  'mkdir -p "$d" || exit 125',
  'printf \'%s\\n\' "$1" >> "$d/anchors" || exit 125',
  'printf \'%s\\n\' "$d/anchors"',
].join('\n');

const ANCHOR_READ_SCRIPT = [
  'set -u',
  `f=${DIR}/anchors`,
  'printf \'%s\\n\' "$f" >&2',
  '[ -f "$f" ] || exit 3',
  'grep -F -e " $1 " -- "$f"',
].join('\n');

export interface AnchorEntry {
  startedAt: string;
  run: string;
  name: string;
  records: number;
  head: string;
  log: { bytes: number };
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
