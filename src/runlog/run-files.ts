/**
 * Which files make up one run in the log directory — the one list `logs prune` removes by and
 * `runs` reads by: `<base>.log` (psql's output), `<base>.jsonl` (the records), `<base>.jsonl.sig`
 * (their signature) and, while a run is being signed, `.<base>.jsonl.sig.<hex>.tmp`
 * (src/ssh/sign.ts). `<base>` is `<kind>_<UTC stamp>[-n]` (./log-name.ts).
 */
import type { RunKind } from './log-name.js';

const KINDS: readonly RunKind[] = [
  'rollout',
  'preflight',
  'verify',
  'rollback',
  'status',
  'reader',
  'run',
];
const BASE = `(?:${KINDS.join('|')})_\\d{8}T\\d{6}Z(?:-\\d+)?`;
const RUN_FILE = new RegExp(`^(${BASE})(\\.log|\\.jsonl|\\.jsonl\\.sig)$`);
const SIGNING = new RegExp(`^\\.(${BASE})\\.jsonl\\.sig\\.[0-9a-f]+\\.tmp$`);
/** Anything else that starts with a run's base: not ours, so that run is left alone. */
const LOOKS_LIKE_RUN = new RegExp(`^\\.?(${BASE})[.-]`);

export type RunFilePart = 'log' | 'records' | 'signature' | 'signing';

/** What a name in the log directory is: a part of run `base`, or unknown (maybe of `base`). */
export function runFileOf(
  name: string,
): { base: string; part: RunFilePart } | { base: string | undefined; part: 'unknown' } {
  const file = RUN_FILE.exec(name);
  if (file) {
    const part = file[2] === '.log' ? 'log' : file[2] === '.jsonl' ? 'records' : 'signature';
    return { base: file[1]!, part };
  }
  const signing = SIGNING.exec(name);
  if (signing) return { base: signing[1]!, part: 'signing' };
  return { base: LOOKS_LIKE_RUN.exec(name)?.[1], part: 'unknown' };
}

/** The run's UTC start, from its base name (to the second); the sort key of a directory. */
export function runStamp(base: string): { at: Date; order: string } {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?$/.exec(base)!;
  return {
    at: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)),
    order: `${m.slice(1, 7).join('')}-${(m[7] ?? '1').padStart(4, '0')}`,
  };
}
