/**
 * One line of psql's stdout as an event: the runner's sentinel (its echo proves psql read the
 * whole stream), a command tag (`INSERT 0 5`, `UPDATE 3`), or query output. A trailing CR is
 * ignored for matching and kept in `raw`.
 */
import type { PsqlEvent } from './events.js';

const SENTINEL = /^ONEROOF SENTINEL ([0-9a-f]{32})$/;
const TAG = /^([A-Z]+(?: [A-Z]+)*)((?: \d+){0,2})$/;

/** The event of one stdout line (the parser closes any open stderr message first). */
export function stdoutEvent(raw: string): PsqlEvent {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let m: RegExpExecArray | null;
  if ((m = SENTINEL.exec(line)) !== null) {
    return { kind: 'sentinel', stream: 'stdout', raw: [raw], nonce: m[1]! };
  }
  if ((m = TAG.exec(line)) !== null) {
    const command = m[1]!;
    const numbers = m[2]!.trim() === '' ? [] : m[2]!.trim().split(' ').map(Number);
    const counts =
      command === 'INSERT' && numbers.length === 2
        ? { oid: numbers[0]!, rows: numbers[1]! }
        : numbers.length === 1
          ? { rows: numbers[0]! }
          : {};
    return { kind: 'tag', stream: 'stdout', raw: [raw], command, ...counts };
  }
  return { kind: 'output', stream: 'stdout', raw: [raw] };
}
