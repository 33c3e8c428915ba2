/**
 * What a run was, rebuilt from its records (a oneroof log) or from psql's text alone (a
 * hand-made `tee` log): a pure, incremental reducer — records and events in, one report out —
 * in memory bounded by the tiers and checks, not the log's size (lists of findings keep their
 * first MAX_FINDINGS; the counts are exact).
 */
import { stepNamed } from './step-named.js';
import { recordEvents } from '../runlog/record-events.js';
import { piecesOf } from '../runlog/compact.js';
import { FULL_ROLLBACK_TIER } from '../contract/schema.js';
import { psqlEventSchema, type PsqlEvent } from '../psql/events.js';
import { describePosition } from '../psql/position.js';
import { FindingsCollector, MAX_FINDINGS } from '../model/findings.js';
import { readerLine } from '../model/reader-lines.js';
import type { RunFacts } from '../model/judge.js';
import { TierTracker, type TierKind } from '../model/tiers.js';
import type { EndRecord } from '../runlog/end-record.js';
import { describeIssues, isKnownRecord, parseRecord } from '../runlog/records.js';
import { describeOutcome, judgeEvents, type OutcomeFacts } from './outcome.js';
import type { ReplayReport, StepReport } from './report.js';
import {
  describeSide,
  emptyRun,
  isRunOutcome,
  isRunRecord,
  parseStateVector,
  takeRunRecord,
} from './run-records.js';
import { runnerTable, TierTimeline } from './tier-timeline.js';
import type { VerifiedRecord } from './verify.js';
import type { ReparsedWhen } from './reparse.js';

export type Reconstructed = Omit<ReplayReport, 'replay' | 'source' | 'integrity'>;

type When = Partial<ReparsedWhen>;

export class Reconstruction {
  private readonly run: Reconstructed['run'] = emptyRun();
  private readonly findings = new FindingsCollector();
  /** A reader setup's warnings (src/model/reader-lines.ts), for the judge. */
  private readerWarnings = 0;
  private readonly timeline = new TierTimeline();
  private readonly trackers: Record<TierKind, TierTracker>;
  private readonly state: Reconstructed['state'] = { entry: null, exit: null };
  private unchanged: boolean | undefined;
  private readonly steps: StepReport[] = [];
  private readonly counts = { records: 0 };
  private readonly output: Reconstructed['output'] = { bytes: 0, stdout: 0, stderr: 0, chunks: 0 };
  private readonly notes: string[] = [];
  private readonly unknown = new Map<string, number>();
  private readonly settled: number[] = [];
  private sentinelSeen = false;
  private main: RunFacts['main'];
  private mainStarted = false;
  private end: EndRecord | undefined;
  private nowT: number | undefined;
  private lastT: number | undefined;
  private lastTime: string | undefined;

  constructor(private readonly kind: 'oneroof' | 'tee') {
    const tracker = (kind: TierKind) =>
      new TierTracker(
        [],
        kind,
        () => 0,
        (step) => this.timeline.moved(kind, step, this.nowT),
      );
    this.trackers = { tier: tracker('tier'), rollback: tracker('rollback') };
  }

  /** One verified record of a oneroof log. */
  record(verified: VerifiedRecord): void {
    this.counts.records++;
    const { json, name } = verified;
    const when: When = {
      t: typeof json.t === 'number' ? json.t : undefined,
      time: typeof json.time === 'string' ? json.time : undefined,
      step: typeof json.step === 'string' ? json.step : undefined,
    };
    if (when.t !== undefined) this.lastT = when.t;
    if (when.time !== undefined) this.lastTime = when.time;
    if (!isKnownRecord(name)) {
      this.unknown.set(name, (this.unknown.get(name) ?? 0) + 1);
      return;
    }
    const parsed = parseRecord(name, json);
    if ('error' in parsed) {
      this.note(`record #${verified.seq} (${name}) not understood: ${parsed.error}`);
      return;
    }
    const at = when.time ?? null;
    if (isRunRecord(parsed)) {
      takeRunRecord(this.run, parsed, at);
      // As the live run does: every tier of the packet listed pending before anything runs,
      // so a log that ends early still shows the tiers it never reached.
      if (parsed.name === 'release' && parsed.fields.command === 'apply' && this.run.packet)
        this.trackers.tier.expect(this.run.packet.tiers);
      return;
    }
    switch (parsed.name) {
      case 'stream': {
        const s = parsed.fields;
        const step = stepNamed(this.steps, s.step ?? 'main', when.t);
        step.source = s.source;
        step.sha256 = s.sha256;
        step.length = s.length;
        if (s.readOnly !== undefined) step.readOnly = s.readOnly;
        if (step.step === 'main') this.mainStarted = true;
        if (step.step === 'main' || this.run.stream === null) {
          this.run.stream = { source: s.source, sha256: s.sha256, length: s.length };
          this.run.files = s.files;
        }
        const gate = this.run.packet?.gate;
        const apr = gate === undefined ? undefined : s.variables[gate];
        if (apr !== undefined && this.run.apr === null) this.run.apr = apr;
        break;
      }
      case 'exec': {
        const e = parsed.fields;
        const step = stepNamed(this.steps, e.step ?? 'main', when.t);
        step.commandLine = e.commandLine;
        if (step.step === 'main' || this.run.commandLine === null)
          this.run.commandLine = e.commandLine;
        break;
      }
      case 'step-end': {
        const e = parsed.fields;
        const step = stepNamed(this.steps, e.step, when.t);
        step.outcome = e.outcome;
        if (e.end) step.end = e.end;
        if (e.durationMs !== undefined) step.durationMs = e.durationMs;
        if (e.sentinelSeen === true) this.sentinelSeen = true;
        if (e.step === 'main' && e.end !== undefined && isRunOutcome(e.outcome))
          this.main = { outcome: e.outcome, end: e.end };
        break;
      }
      case 'event':
      case 'output':
        if (parsed.name === 'output')
          for (const p of piecesOf(parsed.fields, when.t)) this.chunk(p.stream, p.length, p.t);
        for (const held of recordEvents(name, json))
          this.recordedEvent(held.event, { ...when, step: held.step }, verified.seq);
        break;
      case 'state':
        this.state[parsed.fields.at] = parseStateVector(parsed.fields.vector);
        if (parsed.fields.at === 'exit') this.unchanged = parsed.fields.unchanged;
        break;
      case 'tiers-settled':
        this.settled.push(...parsed.fields.committed);
        break;
      case 'end':
        this.end = parsed.fields;
        this.run.endedAt = at;
        break;
      case 'read-only-weak':
      case 'interrupt-failed':
      case 'reader-missing':
      case 'state-failed':
      case 'last-run':
      case 'last-run-failed':
        this.note(describeSide(parsed.name, parsed.fields, at));
        break;
    }
  }

  /** An event a record holds (an event record's, or one of an output record's in /2). */
  private recordedEvent(json: unknown, when: When, seq: number): void {
    const event = psqlEventSchema.safeParse(json);
    if (event.success) this.stepEvent(event.data, when);
    else this.note(`record #${seq} (event) not understood: ${describeIssues(event.error)}`);
  }

  /** An event of a step: recorded, or parsed again from the .log's bytes (/3: ./reparse.ts). */
  stepEvent(event: PsqlEvent, when: When): void {
    // An engine's log: the tiers and findings are the main session's (as the engine's).
    if (this.run.command !== null && (when.step ?? 'main') !== 'main') return;
    this.event(event, when);
  }

  /** A chunk (or /3 piece) of psql's output, counted (its bytes are the .log's). */
  chunk(stream: 'stdout' | 'stderr' | 'combined', length: number, t?: number): void {
    this.output.bytes += length;
    this.output.chunks++;
    if (stream !== 'combined') this.output[stream] += length;
    if (t !== undefined) {
      this.output.firstT ??= t;
      this.output.lastT = t;
      if (this.lastT === undefined || t > this.lastT) this.lastT = t; // a /3 piece's, later
    }
  }

  /** One psql event, from an event record or parsed from a hand-made log's text. */
  event(event: PsqlEvent, when: When = {}): void {
    this.nowT = when.t;
    this.findings.take(event, when);
    if (readerLine(event, 'WARNING') !== undefined) this.readerWarnings++;
    if (event.kind === 'sentinel') this.sentinelSeen = true;
    for (const tracker of Object.values(this.trackers)) tracker.take(event);
    if (event.kind === 'tier' || event.kind === 'rollback') {
      const seen = this.timeline.tierSeen(
        event.kind,
        event.tier === 'full' ? FULL_ROLLBACK_TIER : event.tier,
      );
      const at = describePosition(event);
      if (at !== undefined) seen.at = at;
      if (event.note !== undefined) seen.note = event.note;
    }
  }

  /** Lines of query output the parser counted without making events of them: as many events. */
  outputLines(count: number): void {
    this.findings.countOutput(count);
  }

  note(text: string): void {
    if (this.notes.length < MAX_FINDINGS) this.notes.push(text);
  }

  get sawSentinel(): boolean {
    return this.sentinelSeen;
  }

  get complete(): boolean {
    return this.end !== undefined;
  }

  get endRecord(): EndRecord | undefined {
    return this.end;
  }

  finish(): Reconstructed {
    this.nowT = this.lastT;
    for (const tracker of Object.values(this.trackers)) tracker.finish();
    if (this.settled.length > 0) this.trackers.tier.settle(new Set(this.settled));
    const f = this.findings.findings;
    const facts = this.outcomeFacts();
    const judged = judgeEvents(facts);
    let tiers = this.timeline.table('tier', this.trackers.tier.steps);
    let rollbacks = this.timeline.table('rollback', this.trackers.rollback.steps);
    // The runner's own tier list, when it wrote one: its word stands (it is the live table).
    if (this.end?.tiers !== undefined) {
      const listed = runnerTable(
        this.end.tiers,
        this.run.command === 'rollback' ? rollbacks : tiers,
        (text) => this.note(text),
      );
      if (this.run.command === 'rollback') rollbacks = listed;
      else tiers = listed;
    }
    if (this.run.startedAt !== null && this.run.endedAt !== null)
      this.run.durationMs = Date.parse(this.run.endedAt) - Date.parse(this.run.startedAt);
    if (this.end?.durationMs !== undefined) this.run.durationMs = this.end.durationMs;
    for (const [name, count] of this.unknown)
      this.note(
        `${count} record(s) named "${name}": not known to this replay (chained and checked, not shown)`,
      );
    return {
      run: this.run,
      gate: { verdict: f.verdict, noGo: f.noGo, checks: f.checks },
      lock: f.lockedBy === null ? null : { acquired: false, holder: f.lockedBy },
      state: this.state,
      steps: this.steps,
      tiers,
      rollbacks,
      verified: f.verified,
      assertions: f.assertions,
      errors: f.errors,
      counts: {
        assertions: f.counts.assertions,
        errors: f.counts.errors,
        warnings: f.counts.warnings,
        events: f.counts.events,
        records: this.counts.records,
      },
      output: this.output,
      outcome: describeOutcome(facts, judged),
      notes: this.notes,
    };
  }

  private outcomeFacts(): OutcomeFacts {
    return {
      kind: this.kind,
      run: this.run,
      findings: this.findings.findings,
      readerWarnings: this.readerWarnings,
      trackers: this.trackers,
      main: this.main,
      mainStarted: this.mainStarted,
      state: this.state,
      unchanged: this.unchanged,
      end: this.end,
      steps: this.steps,
      sentinelSeen: this.sentinelSeen,
      lastTime: this.lastTime,
      note: (text) => this.note(text),
    };
  }
}
