/**
 * What an evidence document may say about one run: read from its log by replay (integrity
 * first, then the one reconstruction; src/audit/replay.ts), with the record number each figure
 * came from, so every figure cites its log, its run id and its record. A log that is tampered
 * with, incomplete or made by hand is refused: evidence is only written from a run oneroof
 * logged whole and whose chain is intact.
 */
import { recordEvents } from '../runlog/record-events.js';
import { basename } from 'node:path';
import { replayLog } from '../audit/replay.js';
import type { ReplayReport } from '../audit/report.js';
import type { VerifiedRecord } from '../audit/verify.js';
import { OneroofError } from '../errors.js';

export interface RunFacts {
  log: string;
  runId: string;
  /** The records' chain head (the last record's digest), as the run's end and seal have it. */
  head: string;
  records: number;
  integrity: { verdict: string; summary: string };
  command: string;
  target: string;
  startedAt: string | null;
  endedAt: string | null;
  by: string | null;
  apr: string | null;
  /** The packet manifest's sha256 the run recorded. */
  manifest: string | null;
  packetSigner: string | null;
  readOnly: boolean | null;
  outcome: { outcome: string; exitCode: number | null; summary: string };
  columns: { name: string; label: string; volatile: boolean }[];
  state: {
    entry: { raw: string; record?: number; fingerprint?: string } | null;
    exit: { raw: string; record?: number; fingerprint?: string } | null;
  };
  checks: (ReplayReport['gate']['checks'][number] & { record?: number })[];
  verdict: { verdict: 'GO' | 'NO-GO'; noGo: string[]; record?: number } | null;
  verified: { check: string; observed: string; record?: number }[];
  findings: { text: string; at?: string }[];
}

/** The record numbers of the figures, keyed as the reconstruction keys them. */
class RecordIndex {
  readonly state = new Map<string, number>();
  /** The fingerprint a state record carries (a revalidation's, before and after). */
  readonly fingerprint = new Map<string, string>();
  readonly checks = new Map<string, number>();
  readonly verified = new Map<string, number>();
  verdict: number | undefined;

  take(record: VerifiedRecord): void {
    const { json, name, seq } = record;
    if (name === 'state' && typeof json.at === 'string') {
      this.state.set(json.at, seq);
      if (typeof json.fingerprint === 'string') this.fingerprint.set(json.at, json.fingerprint);
    }
    for (const held of recordEvents(name, json))
      if (held.step === undefined || held.step === 'main') this.takeEvent(held.event, seq);
  }

  private takeEvent(value: unknown, seq: number): void {
    const event = value as { kind?: unknown; status?: unknown; check?: unknown } | undefined;
    if (event === undefined || event === null || typeof event.kind !== 'string') return;
    const check = typeof event.check === 'string' ? event.check : '';
    if (event.kind === 'preflight')
      this.checks.set(`${event.status === 'INFO' ? 'info ' : ''}${check}`, seq);
    else if (event.kind === 'verdict') this.verdict = seq;
    else if (event.kind === 'verify' && !this.verified.has(check)) this.verified.set(check, seq);
  }
}

const at = (record: number | undefined) => (record === undefined ? {} : { record });
const fingerprint = (value: string | undefined) =>
  value === undefined ? {} : { fingerprint: value };

/** The run logged in `path` (its .log or .jsonl), replayed and checked. */
export async function readRunFacts(path: string, env?: NodeJS.ProcessEnv): Promise<RunFacts> {
  const index = new RecordIndex();
  const report = await replayLog({ path, onRecord: (r) => index.take(r), ...(env ? { env } : {}) });
  return factsOf(report, index);
}

function factsOf(report: ReplayReport, index: RecordIndex): RunFacts {
  const { run, integrity } = report;
  const name = basename(report.source.log);
  const refuse = (why: string) =>
    new OneroofError(
      report.integrity.verdict === 'tampered' ? 'integrity' : 'usage',
      `${name}: not evidence: ${why}`,
      { hint: 'evidence is written from complete oneroof run logs whose chain is intact' },
    );
  if (integrity.verdict === 'tampered') throw refuse(`the log was edited (${integrity.summary})`);
  if (report.source.kind !== 'oneroof' || integrity.head === null || run.id === null)
    throw refuse('a log made by hand has no records to cite');
  if (integrity.complete !== true) throw refuse('the log ends without an end record');
  return {
    log: report.source.log,
    runId: run.id,
    head: integrity.head,
    records: integrity.records ?? 0,
    integrity: { verdict: integrity.verdict, summary: integrity.summary },
    command: run.command ?? run.kind ?? 'unknown',
    target: run.target ?? 'unknown',
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    by: run.by ? `${run.by.user}@${run.by.host}` : null,
    apr: run.apr,
    manifest: run.manifest,
    packetSigner: run.packetSignature?.principal ?? null,
    readOnly: report.steps.find((s) => s.step === 'main')?.readOnly ?? null,
    outcome: {
      outcome: report.outcome.outcome,
      exitCode: report.outcome.exitCode,
      summary: report.outcome.summary,
    },
    columns: run.packet?.state ?? [],
    state: {
      entry: report.state.entry && {
        raw: report.state.entry.raw,
        ...at(index.state.get('entry')),
        ...fingerprint(index.fingerprint.get('entry')),
      },
      exit: report.state.exit && {
        raw: report.state.exit.raw,
        ...at(index.state.get('exit')),
        ...fingerprint(index.fingerprint.get('exit')),
      },
    },
    checks: report.gate.checks.map((c) => ({
      ...c,
      ...at(index.checks.get(`${c.status === 'INFO' ? 'info ' : ''}${c.check}`)),
    })),
    verdict:
      report.gate.verdict === null
        ? null
        : { verdict: report.gate.verdict, noGo: report.gate.noGo, ...at(index.verdict) },
    verified: report.verified.map((v) => ({ ...v, ...at(index.verified.get(v.check)) })),
    findings: [...report.assertions, ...report.errors].map((f) => ({
      text: f.text,
      ...(f.at === undefined ? {} : { at: f.at }),
    })),
  };
}
