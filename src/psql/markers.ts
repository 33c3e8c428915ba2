/**
 * The packet's message contract (sql/README.md; fixed, the SQL is written against it):
 *
 *   ONEROOF PREFLIGHT PASS <check>: <observed>                          NOTICE
 *   ONEROOF PREFLIGHT FAIL <check>: expected <expected>, got <observed> NOTICE
 *   ONEROOF PREFLIGHT INFO <name>: <value>                              NOTICE
 *   ONEROOF PREFLIGHT GO                                                NOTICE
 *   ONEROOF NO-GO: <check>[, <check>…]                                  ERROR
 *   ONEROOF TIER <nn> BEGIN|SKIP|COMMIT <name>[: <note>]                NOTICE
 *   ONEROOF ROLLBACK <nn|full> BEGIN|SKIP|COMMIT <name>[: <note>]       NOTICE
 *   ASSERT <scope>.<check>: expected <expected>, got <observed>         ERROR
 *   ONEROOF REFUSED: <reason>                                           ERROR
 *   ONEROOF LOCKED: <holders> holds the run|preflight lock …            ERROR (src/engine/lock.ts)
 *   ONEROOF LOCK WAIT: <holders> holds the run|preflight lock …         NOTICE (--wait, ditto)
 *   ONEROOF LOCK ACQUIRED: waited <seconds> s                           NOTICE (ditto)
 *   ONEROOF VERIFY PASS <check>: <observed>                             NOTICE
 *   ONEROOF END <script>                                                NOTICE
 *
 * A marker is read from the first line of a message's text, anchored at its start, and only at
 * the severity the contract gives it: an ERROR-class marker (NO-GO, ASSERT, REFUSED) only from
 * ERROR/FATAL/PANIC, the others only from a non-error message. Values may hold spaces, colons
 * and commas: `expected X, got Y` splits at the last `, got `.
 */
import { posix } from 'node:path';
import type { SourceLookup } from '../packet/source-map.js';
import { nameAndNote, ROLLBACK_MARKER, TIER_MARKER } from '../packet/marker-sites.js';
import { isErrorSeverity, type MarkerEvent, type MessageEvent } from './events.js';
import { formatMatches } from './raise-format.js';

const CHECK = String.raw`[a-z0-9_]+(?:\.[a-z0-9_]+)*`;
const PREFLIGHT = new RegExp(String.raw`^ONEROOF PREFLIGHT (PASS|FAIL|INFO) (${CHECK}): (.*)$`);
const GO = /^ONEROOF PREFLIGHT GO$/;
const NO_GO = /^ONEROOF NO-GO: (.+)$/;
const ASSERT = new RegExp(
  String.raw`^ASSERT (tier\d+|verify|rollback\d+|rollback_full|revalidation)\.(${CHECK}): (.*)$`,
);
const REFUSED = /^ONEROOF REFUSED: (.+)$/;
const LOCKED = /^ONEROOF LOCKED: (.+)$/;
const LOCK_WAIT = /^ONEROOF LOCK WAIT: (.+) holds the (?:run|preflight) lock on this database$/;
const LOCK_ACQUIRED = /^ONEROOF LOCK ACQUIRED: waited (\d{1,7}\.\d{3}) s$/;
const VERIFY = new RegExp(String.raw`^ONEROOF VERIFY PASS (${CHECK}): (.*)$`);
const END = /^ONEROOF END (.+)$/;

/** The packet marker a message carries, if any. */
export function markerOf(message: MessageEvent): MarkerEvent | undefined {
  const first = message.text.split('\n', 1)[0]!;
  const common = {
    stream: message.stream,
    raw: message.raw.slice(0, 1),
    ...(message.location === undefined ? {} : { location: message.location }),
    ...(message.at === undefined ? {} : { at: message.at }),
    severity: message.severity,
  };
  let m: RegExpExecArray | null;
  if (isErrorSeverity(message.severity)) {
    if ((m = NO_GO.exec(first)) !== null)
      return {
        kind: 'verdict',
        ...common,
        verdict: 'NO-GO',
        checks: m[1]!
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      };
    if ((m = ASSERT.exec(first)) !== null) {
      const [, scope, check, text] = m as unknown as [string, string, string, string];
      const tier = /^(?:tier|rollback)(\d+)$/.exec(scope)?.[1];
      return {
        kind: 'assertion',
        ...common,
        scope,
        ...(tier === undefined ? {} : { tier: Number(tier) }),
        check,
        text,
        ...splitExpectedGot(text),
      };
    }
    if ((m = REFUSED.exec(first)) !== null) return { kind: 'refused', ...common, reason: m[1]! };
    if ((m = LOCKED.exec(first)) !== null) return { kind: 'locked', ...common, holder: m[1]! };
    return undefined;
  }
  if (GO.test(first)) return { kind: 'verdict', ...common, verdict: 'GO', checks: [] };
  if ((m = LOCK_WAIT.exec(first)) !== null)
    return { kind: 'lock-wait', ...common, phase: 'waiting', holder: m[1]! };
  if ((m = LOCK_ACQUIRED.exec(first)) !== null)
    return { kind: 'lock-wait', ...common, phase: 'acquired', seconds: Number(m[1]) };
  if ((m = PREFLIGHT.exec(first)) !== null) {
    const [, status, check, value] = m as unknown as [
      string,
      'PASS' | 'FAIL' | 'INFO',
      string,
      string,
    ];
    if (status === 'FAIL') {
      const split = splitExpectedGot(value);
      return split.got === undefined
        ? { kind: 'preflight', ...common, status, check, observed: value }
        : {
            kind: 'preflight',
            ...common,
            status,
            check,
            observed: split.got,
            expected: split.expected,
          };
    }
    return { kind: 'preflight', ...common, status, check, observed: value };
  }
  if ((m = TIER_MARKER.exec(first)) !== null)
    return {
      kind: 'tier',
      ...common,
      tier: Number(m[1]),
      phase: phase(m[2]!),
      ...nameAndNote(m[3]!),
    };
  if ((m = ROLLBACK_MARKER.exec(first)) !== null)
    return {
      kind: 'rollback',
      ...common,
      tier: m[1] === 'full' ? 'full' : Number(m[1]),
      phase: phase(m[2]!),
      ...nameAndNote(m[3]!),
    };
  if ((m = VERIFY.exec(first)) !== null)
    return { kind: 'verify', ...common, check: m[1]!, observed: m[2]! };
  if ((m = END.exec(first)) !== null) return { kind: 'end', ...common, script: m[1]! };
  return undefined;
}

/** `expected X, got Y` → { expected: X, got: Y }, splitting at the last `, got `. */
function splitExpectedGot(text: string): { expected?: string; got?: string } {
  if (!text.startsWith('expected ')) return {};
  const at = text.lastIndexOf(', got ');
  if (at < 'expected '.length) return {};
  return { expected: text.slice('expected '.length, at), got: text.slice(at + ', got '.length) };
}

function phase(word: string): 'BEGIN' | 'SKIP' | 'COMMIT' {
  return word as 'BEGIN' | 'SKIP' | 'COMMIT';
}

/**
 * Whether a marker came from the packet's own marker statement, not from any other RAISE.
 *
 * A message counts as a marker only when
 * - the map knows the packet's marker statements (maps since markers are checked) and psql
 *   reports the message at the line that ends one of them, and the message fits one of the
 *   RAISE formats that statement holds (`'ONEROOF PREFLIGHT PASS %: %'`): a NOTICE raised by any
 *   other statement — a database function, a view, a trigger, another file's RAISE — is text;
 * - and, when the packet's claims are known (`claims`: its contract's entries, passed down by
 *   the caller), it comes from the file that owns that kind of claim: PREFLIGHT PASS/FAIL/INFO
 *   and GO only from the preflight entry, VERIFY PASS only from the verify entry or the clone
 *   revalidation (packet.yml replica.revalidate) (a NO-GO, an ASSERT, a REFUSED may come from
 *   any marker statement: they stop a run).
 * Without such a map (a hand-made log, a log written before this check) only the file rule
 * applies, to the file psql names.
 */
export function markerFromPacket(
  message: MessageEvent,
  marker: MarkerEvent,
  map: SourceLookup | undefined,
  input: string,
  claims?: MarkerClaims,
): boolean {
  const file = message.at?.file ?? message.location?.input;
  if (claims && file !== undefined && file !== input && !fileMayRaise(marker, file, claims))
    return false;
  if (map === undefined || !map.knowsMarkers) return true;
  if (message.location === undefined || message.location.input !== input) return false;
  return map.markerFormats(message.location.line).some((f) => formatMatches(f, message.text));
}

/** Which packet files own which claims (src/contract/summary.ts markerClaims reads them). */
export interface MarkerClaims {
  /** ONEROOF PREFLIGHT PASS/FAIL/INFO and GO: packet files, relative to the packet. */
  preflight: readonly string[];
  /** ONEROOF VERIFY PASS. */
  verify: readonly string[];
}

function fileMayRaise(marker: MarkerEvent, file: string, claims: MarkerClaims): boolean {
  if (marker.kind === 'preflight') return isOneOf(file, claims.preflight);
  if (marker.kind === 'verdict')
    return marker.verdict === 'NO-GO' || isOneOf(file, claims.preflight);
  if (marker.kind === 'verify') return isOneOf(file, claims.verify);
  return true;
}

/**
 * Whether psql's file name (`prod/gate.sql` from the map; `sql/prod/gate.sql`, `../prod/gate.sql`
 * or `gate.sql` as psql ran it by hand) is one of these packet files (`prod/gate.sql`): the
 * same path, or one ends the other at a `/`.
 */
function isOneOf(file: string, packetFiles: readonly string[]): boolean {
  const path = posix.normalize(file);
  return packetFiles.some((p) => path === p || path.endsWith(`/${p}`) || p.endsWith(`/${path}`));
}
