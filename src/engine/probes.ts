/**
 * The probes' results, read back from psql's stdout (plans.ts prints each between
 * `ONEROOF PROBE <name> BEGIN|END` lines) and parsed with zod: a boundary like any other.
 */
import { z } from 'zod';
import type { PsqlEvent } from '../psql/events.js';
import { PROBE_PREFIX, type ProbeName } from './plans.js';

const MARK = new RegExp(`^${PROBE_PREFIX} ([a-z_]+) (BEGIN|END)$`);
/** A probe prints a handful of lines; more means something else is talking. */
const MAX_PROBE_LINES = 10_000;

/** Collects probe output from a step's events (feed it every event, in order). */
export class ProbeCollector {
  private readonly results = new Map<string, string[]>();
  private open: string | undefined;

  take(event: PsqlEvent): void {
    if (event.kind !== 'output' || event.stream !== 'stdout') return;
    for (const line of event.raw) {
      const mark = MARK.exec(line);
      if (mark) {
        if (mark[2] === 'BEGIN') {
          this.open = mark[1]!;
          this.results.set(this.open, []);
        } else this.open = undefined;
        continue;
      }
      if (this.open === undefined) continue;
      const lines = this.results.get(this.open)!;
      if (lines.length < MAX_PROBE_LINES) lines.push(line);
    }
  }

  /** The lines a probe printed, or undefined when it did not finish (END not seen). */
  lines(name: ProbeName): string[] | undefined {
    if (this.open === name) return undefined;
    return this.results.get(name);
  }
}

const count = z.coerce.number().int();

/**
 * The state vector: one line of integers joined by |, one per column of the packet's
 * `state.columns` (packet.yml), in that order. `values[i]` is column i's.
 */
export interface StateVector {
  text: string;
  values: number[];
}

const VECTOR = /^-?\d+(?:\|-?\d+)*$/;

/** The probe's one line, when it has exactly one value per column; else undefined. */
export function parseStateVector(
  lines: string[] | undefined,
  columns: readonly { name: string }[],
): StateVector | undefined {
  if (lines?.length !== 1 || !VECTOR.test(lines[0]!)) return undefined;
  const values = lines[0]!.split('|').map(Number);
  if (values.length !== columns.length || !values.every(Number.isSafeInteger)) return undefined;
  return { text: lines[0]!, values };
}

/** The state vectors' figures compared, ignoring the volatile columns (other sessions come and go). */
export function sameState(
  a: StateVector,
  b: StateVector,
  columns: readonly { volatile: boolean }[],
): boolean {
  return columns.every((c, i) => c.volatile || a.values[i] === b.values[i]);
}

/** `tier|name|applied|attempt|file_sha256|apr_code|applied_at` (tier_status.sql). */
const ledgerRowSchema = z.object({
  tier: count,
  name: z.string().min(1),
  applied: z.enum(['t', 'f']).transform((v) => v === 't'),
  attempt: z.string(),
  fileSha256: z.string(),
  aprCode: z.string(),
  appliedAt: z.string(),
});
export type LedgerRow = z.infer<typeof ledgerRowSchema>;

/**
 * Rows of `a|b|c` lines into objects with the given field names, each checked by the schema;
 * undefined when the probe did not finish or any line does not fit (never a half answer).
 */
function parseRows<S extends z.ZodType>(
  lines: string[] | undefined,
  fields: readonly string[],
  schema: S,
  extra: (values: Record<string, string | undefined>) => Record<string, unknown> = () => ({}),
): z.infer<S>[] | undefined {
  if (lines === undefined) return undefined;
  const rows: z.infer<S>[] = [];
  for (const line of lines) {
    const parts = line.split('|');
    const values = Object.fromEntries(fields.map((field, i) => [field, parts[i]]));
    const parsed = schema.safeParse({ ...values, ...extra(values) });
    if (!parsed.success) return undefined;
    rows.push(parsed.data);
  }
  return rows;
}

export function parseLedger(lines: string[] | undefined): LedgerRow[] | undefined {
  return parseRows(
    lines,
    ['tier', 'name', 'applied', 'attempt', 'fileSha256', 'aprCode', 'appliedAt'],
    ledgerRowSchema,
  );
}

/** `apr_code|level|status|proposal|decided_at|opens_gate` (gate.sql). */
const approvalSchema = z.object({
  aprCode: z.string(),
  level: z.string(),
  status: z.string(),
  proposal: z.string(),
  decidedAt: z.string(),
  opensGate: z.enum(['t', 'f']).transform((v) => v === 't'),
});
export type Approval = z.infer<typeof approvalSchema>;

export function parseApprovals(lines: string[] | undefined): Approval[] | undefined {
  return parseRows(
    lines,
    ['aprCode', 'level', 'status', 'proposal', 'decidedAt', 'opensGate'],
    approvalSchema,
  );
}

/** `pid|application_name|state|backend_start|xact_start|lock mode` (plans.ts, alive). */
const aliveSessionSchema = z.object({
  pid: count,
  applicationName: z.string(),
  state: z.string(),
  backendStart: z.string(),
  xactStart: z.string(),
  holdsRunLock: z.boolean(),
  lockMode: z.string(),
});
export type AliveSession = z.infer<typeof aliveSessionSchema>;

export function parseAlive(lines: string[] | undefined): AliveSession[] | undefined {
  return parseRows(
    lines,
    ['pid', 'applicationName', 'state', 'backendStart', 'xactStart', 'lockMode'],
    aliveSessionSchema,
    (values) => ({
      holdsRunLock: (values.lockMode ?? '') !== '',
      lockMode: values.lockMode ?? '',
    }),
  );
}

/** A probe of one line (a count, a tuple, the fingerprint). */
export function singleLine(lines: string[] | undefined): string | undefined {
  return lines?.length === 1 ? lines[0] : undefined;
}
