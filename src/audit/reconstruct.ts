/**
 * What a run was, rebuilt from its records (a oneroof log) or from psql's text alone (a
 * hand-made `tee` log): a pure, incremental reducer — records and events in, one report out —
 * in memory bounded by the number of tiers and checks, not by the size of the log (lists of
 * findings keep their first MAX_FINDINGS; the counts are exact).
 */
import { FULL_ROLLBACK_TIER } from '../contract/schema.js';
import { psqlEventSchema, type PsqlEvent } from '../psql/events.js';
import { describePosition } from '../psql/position.js';
import { FindingsCollector, MAX_FINDINGS } from '../model/findings.js';
import { judge, type JudgedCommand, type RunFacts, type RunOutcome } from '../model/judge.js';
import { TierTracker, type TierKind, type TierStep } from '../model/tiers.js';
import { describeIssues, isKnownRecord, parseRecord, type EndRecord } from '../runlog/records.js';
import type { ReplayReport, StateVector, StepReport, TierReport } from './report.js';
import type { VerifiedRecord } from './verify.js';

export { MAX_FINDINGS };

export type Reconstructed = Omit<ReplayReport, 'replay' | 'source' | 'integrity'>;

interface When {
  t?: number | undefined;
  time?: string | undefined;
  step?: string | undefined;
}

const JUDGED: readonly string[] = ['preflight', 'apply', 'verify', 'rollback', 'status'];

/** Where and when a tier's markers were seen (the timeline), beside the state machine. */
interface TierSeen {
  at?: string;
  note?: string;
  start?: number;
  end?: number;
}

export class Reconstruction {
  private readonly run: Reconstructed['run'] = {
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
    stream: null,
    files: [],
    confirmation: null,
    interrupt: null,
  };
  private readonly findings = new FindingsCollector();
  private readonly seen = new Map<string, TierSeen>();
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
        (step) => this.moved(kind, step),
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
    switch (parsed.name) {
      case 'start': {
        const s = parsed.fields;
        this.run.id = s.run;
        this.run.kind = s.kind;
        this.run.target = s.target;
        this.run.by = s.by ?? null;
        this.run.argv = s.argv;
        if (s.packet) this.run.packet = s.packet;
        this.run.startedAt = at;
        break;
      }
      case 'connected':
        this.run.peer = parsed.fields.peer;
        break;
      case 'release': {
        const r = parsed.fields;
        this.run.command = r.command;
        if (r.apr !== undefined) this.run.apr = r.apr;
        if (r.dryRun !== undefined) this.run.dryRun = r.dryRun;
        if (r.manifest !== undefined) this.run.manifest = r.manifest?.sha256 ?? null;
        if (r.manifest?.signature) this.run.packetSignature = r.manifest.signature;
        if (r.target !== undefined && this.run.target === null) this.run.target = r.target;
        // As the live run does: every tier of the packet listed pending before anything runs,
        // so a log that ends early still shows the tiers it never reached.
        if (r.command === 'apply' && this.run.packet)
          for (const t of this.run.packet.tiers)
            if (!this.trackers.tier.steps.some((s) => s.tier === t.tier))
              this.trackers.tier.steps.push({ tier: t.tier, name: t.name, status: 'pending' });
        break;
      }
      case 'reader-setup':
        this.run.command = 'reader setup';
        this.run.manifest = parsed.fields.manifest?.sha256 ?? null;
        break;
      case 'confirmation': {
        const c = parsed.fields;
        this.run.confirmation = {
          confirmed: c.confirmed,
          via: c.via ?? 'prompt',
          by: c.by ?? null,
          at,
          ...(c.typed === undefined ? {} : { typed: c.typed }),
        };
        break;
      }
      case 'interrupt':
        this.run.interrupt = {
          at,
          reason: parsed.fields.reason,
          mainStarted: parsed.fields.mainStarted,
        };
        break;
      case 'stream': {
        const s = parsed.fields;
        const step = this.stepNamed(s.step ?? 'main', when.t);
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
        const step = this.stepNamed(e.step ?? 'main', when.t);
        step.commandLine = e.commandLine;
        if (step.step === 'main' || this.run.commandLine === null)
          this.run.commandLine = e.commandLine;
        break;
      }
      case 'step-end': {
        const e = parsed.fields;
        const step = this.stepNamed(e.step, when.t);
        step.outcome = e.outcome;
        if (e.end) step.end = e.end;
        if (e.durationMs !== undefined) step.durationMs = e.durationMs;
        if (e.sentinelSeen === true) this.sentinelSeen = true;
        if (e.step === 'main' && e.end !== undefined && isRunOutcome(e.outcome))
          this.main = { outcome: e.outcome, end: e.end };
        break;
      }
      case 'event': {
        // An engine's log: the tiers and findings are the main session's (as the engine's).
        if (this.run.command !== null && (when.step ?? 'main') !== 'main') break;
        const event = psqlEventSchema.safeParse(parsed.fields.event);
        if (event.success) this.event(event.data, when);
        else
          this.note(
            `record #${verified.seq} (event) not understood: ${describeIssues(event.error)}`,
          );
        break;
      }
      case 'output':
        this.chunk(parsed.fields.stream, parsed.fields.length, when.t);
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

  /** A chunk of psql's output (counted; its bytes are the .log's). */
  chunk(stream: 'stdout' | 'stderr' | 'combined', length: number, t?: number): void {
    this.output.bytes += length;
    this.output.chunks++;
    if (stream !== 'combined') this.output[stream] += length;
    if (t !== undefined) {
      this.output.firstT ??= t;
      this.output.lastT = t;
    }
  }

  /** One psql event, from an event record or parsed from a hand-made log's text. */
  event(event: PsqlEvent, when: When = {}): void {
    this.nowT = when.t;
    this.findings.take(event, when);
    if (event.kind === 'sentinel') this.sentinelSeen = true;
    for (const tracker of Object.values(this.trackers)) tracker.take(event);
    if (event.kind === 'tier' || event.kind === 'rollback') {
      const seen = this.tierSeen(
        event.kind,
        event.tier === 'full' ? FULL_ROLLBACK_TIER : event.tier,
      );
      const at = describePosition(event);
      if (at !== undefined) seen.at = at;
      if (event.note !== undefined) seen.note = event.note;
    }
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
    const judged = this.judge();
    let tiers = this.table('tier', this.trackers.tier.steps);
    let rollbacks = this.table('rollback', this.trackers.rollback.steps);
    // The runner's own tier list, when it wrote one: its word stands (it is the live table).
    if (this.end?.tiers !== undefined) {
      const listed = this.runnerTable(this.run.command === 'rollback' ? rollbacks : tiers);
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
      outcome: this.outcome(judged),
      notes: this.notes,
    };
  }

  /** What the events alone say, by the engine's own judge (src/model/judge.ts). */
  private judge(): ReturnType<typeof judge> {
    const command = this.run.command;
    const f = this.findings.findings;
    const tee = this.kind === 'tee';
    const known = command !== null && JUDGED.includes(command);
    const tracker =
      command === 'rollback' || (tee && this.trackers.tier.steps.length === 0)
        ? this.trackers.rollback
        : this.trackers.tier;
    let main = this.main;
    // A hand-made log has no exit status: psql's text says how far it got.
    if (tee)
      main =
        f.endedScripts.length > 0
          ? { outcome: 'ok', end: { kind: 'exit', code: 0 } }
          : f.counts.errors + f.counts.assertions > 0 || f.verdict === 'NO-GO' || f.lockedBy
            ? { outcome: 'sql-error', end: { kind: 'exit', code: 3 } }
            : undefined;
    return judge({
      command: known ? (command as JudgedCommand) : null,
      target: this.run.target ?? 'the target',
      main,
      mainStarted: tee || this.mainStarted,
      cancelled: this.run.interrupt !== null,
      findings: f,
      tracker,
      dryRun: this.run.dryRun === true,
      state: {
        ...(this.state.entry ? { entry: this.state.entry.raw } : {}),
        ...(this.state.exit ? { exit: this.state.exit.raw } : {}),
        ...(this.unchanged === undefined ? {} : { unchanged: this.unchanged }),
      },
    });
  }

  private outcome(judged: ReturnType<typeof judge>): Reconstructed['outcome'] {
    const end = this.end;
    const lastStep = this.steps.at(-1);
    const common = {
      end: end?.end ?? lastStep?.end ?? null,
      sentinelSeen: this.kind === 'tee' ? null : (end?.sentinelSeen ?? this.sentinelSeen),
      endedScripts: this.findings.findings.endedScripts,
      fromEvents: {
        ...judged,
        tiers: (this.run.command === 'rollback'
          ? this.trackers.rollback
          : this.trackers.tier
        ).steps.map((t) => ({ tier: t.tier, name: t.name, status: t.status })),
      },
    };
    if (this.kind === 'tee') {
      const j = judged;
      return {
        ...common,
        outcome: j.outcome,
        exitCode: j.exitCode,
        derived: true,
        summary: `${j.message} (read from psql's text: a tee log holds no exit code)`,
      };
    }
    if (end !== undefined) {
      const outcome = end.outcome ?? judged?.outcome ?? 'unknown';
      const exitCode = end.exitCode ?? judged?.exitCode ?? null;
      if (judged && (judged.outcome !== outcome || judged.exitCode !== exitCode))
        this.note(
          `the run's end record says ${outcome} (exit ${exitCode ?? '?'}); its events alone say ${judged.outcome} (exit ${judged.exitCode ?? '?'})`,
        );
      return {
        ...common,
        outcome,
        exitCode,
        derived: end.exitCode === undefined,
        // The run's own words when it wrote them: replay never tells another story than the run.
        summary:
          end.message ??
          judged?.message ??
          `${outcome}${end.error ? `: ${end.error}` : ''}${common.end ? ` (${describeEnd(common.end)})` : ''}`,
      };
    }
    const open = this.trackers.tier.steps
      .concat(this.trackers.rollback.steps)
      .find((t) => t.status === 'unknown' || t.status === 'failed');
    // No end record: the runner never exited normally, so there is no exit code to give. What
    // its events say (the same judge as the live run's) is in fromEvents and the summary.
    const said =
      judged !== undefined && judged.exitCode !== null
        ? `; its events alone say: ${judged.outcome} (exit ${judged.exitCode}): ${judged.message}`
        : '';
    return {
      ...common,
      outcome: 'incomplete',
      exitCode: null,
      derived: true,
      summary: `the log ends without an end record: the runner stopped (killed, crashed, or the machine went down) ${
        lastStep ? `during step ${lastStep.step}` : 'before it ran anything'
      }${open ? `, with tier ${open.tier} ${open.name} begun and its end not in the log: unknown (the server committed it or rolled it back; \`oneroof replay --target T\` or \`oneroof status\` asks the target's ledger)` : ''}${this.lastTime ? `; the last record is from ${this.lastTime}` : ''}${said}`,
    };
  }

  private stepNamed(name: string, t: number | undefined): StepReport {
    let step = this.steps.findLast((s) => s.step === name);
    if (step === undefined || step.outcome !== undefined) {
      step = { step: name, ...(t === undefined ? {} : { start: t }) };
      this.steps.push(step);
    }
    return step;
  }

  private tierSeen(kind: TierKind, tier: number): TierSeen {
    const key = `${kind} ${tier}`;
    let seen = this.seen.get(key);
    if (seen === undefined) this.seen.set(key, (seen = {}));
    return seen;
  }

  /** The timeline of a tier the state machine moved: when it began and ended. */
  private moved(kind: TierKind, step: TierStep): void {
    const seen = this.tierSeen(kind, step.tier);
    const t = this.nowT;
    if (step.status === 'pending') {
      delete seen.start;
      delete seen.end;
    } else if (step.status === 'running') {
      delete seen.end;
      if (t !== undefined) seen.start = t;
    } else if (t !== undefined) {
      if (step.status === 'skipped') seen.start = t;
      seen.end = t;
    }
  }

  private table(kind: TierKind, steps: readonly TierStep[]): TierReport[] {
    return steps.map((step) => {
      const seen = this.seen.get(`${kind} ${step.tier}`) ?? {};
      const out: TierReport = { tier: step.tier, name: step.name, status: step.status, ...seen };
      if (out.start !== undefined && out.end !== undefined)
        out.durationMs = Math.round((out.end - out.start) * 1000);
      return out;
    });
  }

  /** The end record's tier list, with the timeline of the events; a difference is noted. */
  private runnerTable(fromEvents: TierReport[]): TierReport[] {
    return this.end!.tiers!.map((entry) => {
      const status = (entry.status ?? entry.outcome)!;
      const seen = fromEvents.find((t) => t.tier === entry.tier);
      if (seen !== undefined && seen.status !== status)
        this.note(
          `tier ${entry.tier}: psql's markers say ${seen.status}, the runner's end record says ${status}`,
        );
      return {
        ...(seen ?? {}),
        tier: entry.tier,
        name: entry.name,
        status,
        ...(entry.durationMs == null ? {} : { durationMs: entry.durationMs }),
      };
    });
  }
}

function isRunOutcome(outcome: string): outcome is RunOutcome {
  return ['ok', 'sql-error', 'not-run', 'psql-failed', 'lost', 'incomplete', 'failed'].includes(
    outcome,
  );
}

function describeEnd(end: NonNullable<Reconstructed['outcome']['end']>): string {
  if (end.kind === 'exit') return `exit ${end.code}`;
  if (end.kind === 'signal') return `signal ${end.signal}`;
  return `lost: ${end.reason}`;
}

/** A side record (a probe that failed, a weaker read-only mode, …) as one note. */
function describeSide(name: string, fields: Record<string, unknown>, at: string | null): string {
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
