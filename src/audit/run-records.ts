/**
 * The records of a oneroof log that describe the run itself (who started it, where, which
 * release and packet, its confirmation and interrupt) folded into the report's run section,
 * and the small readers a reconstruction uses for side records and state vectors.
 */
import type { RunOutcome } from '../model/judge.js';
import type { KnownRecord } from '../runlog/records.js';
import type { ReplayReport, StateVector } from './report.js';

const RUN_RECORDS = [
  'start',
  'connected',
  'release',
  'reader-setup',
  'confirmation',
  'interrupt',
] as const satisfies readonly KnownRecord['name'][];

type RunRecord = Extract<KnownRecord, { name: (typeof RUN_RECORDS)[number] }>;

export function isRunRecord(parsed: KnownRecord): parsed is RunRecord {
  return (RUN_RECORDS as readonly string[]).includes(parsed.name);
}

/** The run section before any record: nothing known. */
export function emptyRun(): ReplayReport['run'] {
  return {
    id: null,
    kind: null,
    command: null,
    target: null,
    by: null,
    argv: [],
    startedAt: null,
    endedAt: null,
    durationMs: null,
    peer: null,
    commandLine: null,
    apr: null,
    dryRun: null,
    manifest: null,
    packetSignature: null,
    packet: null,
    reader: null,
    stream: null,
    files: [],
    confirmation: null,
    interrupt: null,
  };
}

/**
 * One run-describing record into `run`. A release record's fields are taken here; the tiers
 * it lists pending are the reconstruction's.
 */
export function takeRunRecord(
  run: ReplayReport['run'],
  parsed: RunRecord,
  at: string | null,
): void {
  switch (parsed.name) {
    case 'start': {
      const s = parsed.fields;
      run.id = s.run;
      run.kind = s.kind;
      run.target = s.target;
      run.by = s.by ?? null;
      run.argv = s.argv;
      if (s.packet) run.packet = s.packet;
      run.startedAt = at;
      return;
    }
    case 'connected':
      run.peer = parsed.fields.peer;
      return;
    case 'release': {
      const r = parsed.fields;
      run.command = r.command;
      if (r.apr !== undefined) run.apr = r.apr;
      if (r.dryRun !== undefined) run.dryRun = r.dryRun;
      if (r.manifest !== undefined) run.manifest = r.manifest?.sha256 ?? null;
      if (r.manifest?.signature) run.packetSignature = r.manifest.signature;
      if (r.target !== undefined && run.target === null) run.target = r.target;
      return;
    }
    case 'reader-setup':
      run.command = 'reader setup';
      run.reader = { role: parsed.fields.role, file: parsed.fields.file };
      run.manifest = parsed.fields.manifest?.sha256 ?? null;
      return;
    case 'confirmation': {
      const c = parsed.fields;
      run.confirmation = {
        confirmed: c.confirmed,
        via: c.via ?? 'prompt',
        by: c.by ?? null,
        at,
        ...(c.typed === undefined ? {} : { typed: c.typed }),
      };
      return;
    }
    case 'interrupt':
      run.interrupt = {
        at,
        reason: parsed.fields.reason,
        mainStarted: parsed.fields.mainStarted,
      };
      return;
  }
}

export function isRunOutcome(outcome: string): outcome is RunOutcome {
  return ['ok', 'sql-error', 'not-run', 'psql-failed', 'lost', 'incomplete', 'failed'].includes(
    outcome,
  );
}

/** A side record (a probe that failed, a weaker read-only mode, …) as one note. */
export function describeSide(
  name: string,
  fields: Record<string, unknown>,
  at: string | null,
): string {
  const text =
    typeof fields.message === 'string'
      ? fields.message
      : typeof fields.error === 'string'
        ? fields.error
        : typeof fields.warning === 'string'
          ? fields.warning
          : typeof fields.role === 'string'
            ? `role ${fields.role} missing`
            : '';
  return `${name}${at ? ` at ${at}` : ''}: ${text}`;
}

/** The figures of a recorded state vector; their names are the packet's (run.packet.state). */
export function parseStateVector(raw: string): StateVector {
  const parts = raw.trim().split('|');
  const vector: StateVector = { raw };
  if (parts.every((p) => /^-?\d{1,15}$/.test(p))) vector.values = parts.map(Number);
  return vector;
}
