/**
 * What a run was, rebuilt from its records (a oneroof log) or from psql's text alone (a
 * hand-made `tee` log): a pure, incremental reducer — records and events in, one report out —
 * in memory bounded by the number of tiers and checks, not by the size of the log (lists of
 * findings keep their first MAX_FINDINGS; the counts are exact).
 */
import { isErrorSeverity, psqlEventSchema, type PsqlEvent } from '../psql/events.js';
import { markerOf } from '../psql/markers.js';
import { describePosition } from '../psql/summary.js';
import { describeIssues, isKnownRecord, parseRecord, type EndRecord } from './records.js';
import type {
  Finding,
  ReplayReport,
  StateVector,
  StepReport,
  TierOutcome,
  TierReport,
} from './report.js';
import type { VerifiedRecord } from './verify.js';

export const MAX_FINDINGS = 200;

export type Reconstructed = Omit<ReplayReport, 'replay' | 'source' | 'integrity'>;

interface When {
  t?: number | undefined;
  time?: string | undefined;
  step?: string | undefined;
}

interface TierState extends TierReport {
  startTime?: string;
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
  };
  private readonly gate: Reconstructed['gate'] = { verdict: null, noGo: [], checks: [] };
  private readonly checks = new Map<string, Reconstructed['gate']['checks'][number]>();
  private lock: Reconstructed['lock'] = null;
  private readonly state: Reconstructed['state'] = { entry: null, exit: null };
  private readonly steps: StepReport[] = [];
  private readonly tiers = new Map<number, TierState>();
  private readonly rollbacks = new Map<number | 'full', TierState>();
  private readonly verified: Reconstructed['verified'] = [];
  private readonly assertions: Finding[] = [];
  private readonly errors: Finding[] = [];
  private readonly counts = { assertions: 0, errors: 0, warnings: 0, events: 0, records: 0 };
  private readonly output: Reconstructed['output'] = { bytes: 0, stdout: 0, stderr: 0, chunks: 0 };
  private readonly endedScripts: string[] = [];
  private readonly notes: string[] = [];
  private readonly unknown = new Map<string, number>();
  private sentinelSeen = false;
  private end: EndRecord | undefined;
  private lastT: number | undefined;
  private lastTime: string | undefined;
  private lostLock: Finding | undefined;

  constructor(private readonly kind: 'oneroof' | 'tee') {}

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
    switch (parsed.name) {
      case 'start': {
        const s = parsed.fields;
        this.run.id = s.run;
        this.run.kind = s.kind;
        this.run.target = s.target;
        this.run.by = s.by ?? null;
        this.run.argv = s.argv;
        if (s.packet) this.run.packet = s.packet;
        this.run.startedAt = when.time ?? null;
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
        break;
      }
      case 'step':
        this.stepNamed(parsed.fields.step, when.t);
        break;
      case 'stream': {
        const s = parsed.fields;
        const step = this.stepNamed(s.step ?? 'main', when.t);
        step.source = s.source;
        step.sha256 = s.sha256;
        step.length = s.length;
        if (s.readOnly !== undefined) step.readOnly = s.readOnly;
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
        break;
      }
      case 'event': {
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
        break;
      case 'lock': {
        const l = parsed.fields;
        this.lock = l.holder === undefined ? { acquired: l.acquired } : l;
        break;
      }
      case 'end':
        this.end = parsed.fields;
        this.run.endedAt = when.time ?? null;
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
    this.counts.events++;
    const at = describePosition(event as { at?: { file: string; line: number } });
    const where = {
      ...(at === undefined ? {} : { at }),
      ...(when.step === undefined ? {} : { step: when.step }),
      ...(when.time === undefined ? {} : { time: when.time }),
    };
    switch (event.kind) {
      case 'message':
        if (isErrorSeverity(event.severity)) {
          // An ERROR rolls the open tier back; a FATAL or PANIC (the server went away) may
          // come after its COMMIT: the tier stays unknown, as the runner says (steps.ts).
          if (event.severity === 'ERROR') this.failOpen(when);
          // A packet marker (ASSERT, NO-GO, REFUSED, LOCKED) is reported as what it means.
          if (markerOf(event) !== undefined) break;
          this.counts.errors++;
          this.keep(this.errors, {
            kind: 'error',
            severity: event.severity,
            text: event.text,
            ...(event.detail === undefined ? {} : { detail: event.detail }),
            ...(event.hint === undefined ? {} : { hint: event.hint }),
            ...where,
          });
        } else if (event.severity === 'WARNING') this.counts.warnings++;
        break;
      case 'psql-error':
        if (event.level === 'error' || event.level === 'fatal') {
          // psql's own error (a lost server, a meta-command) does not settle the open tier:
          // as the runner's tracker (steps.ts), it stays unknown.
          this.counts.errors++;
          this.keep(this.errors, {
            kind: 'error',
            severity: `psql ${event.level}`,
            text: event.text,
            ...(event.detail === undefined ? {} : { detail: event.detail }),
            ...(event.hint === undefined ? {} : { hint: event.hint }),
            ...where,
          });
        }
        break;
      case 'preflight':
        this.checks.set(event.check, {
          status: event.status,
          check: event.check,
          observed: event.observed,
          ...(event.expected === undefined ? {} : { expected: event.expected }),
          ...(at === undefined ? {} : { at }),
        });
        break;
      case 'verdict':
        this.gate.verdict = event.verdict;
        if (event.verdict === 'NO-GO')
          for (const check of event.checks)
            if (!this.gate.noGo.includes(check)) this.gate.noGo.push(check);
        break;
      case 'tier':
        this.phase(this.tiers, event.tier, event.phase, event.name, event.note, at, when);
        break;
      case 'rollback':
        this.phase(this.rollbacks, event.tier, event.phase, event.name, event.note, at, when);
        break;
      case 'verify':
        if (this.verified.length < MAX_FINDINGS * 5)
          this.verified.push({ check: event.check, observed: event.observed });
        break;
      case 'assertion':
        this.counts.assertions++;
        this.keep(this.assertions, {
          kind: 'assertion',
          text: `ASSERT ${event.scope}.${event.check}: ${event.text}`,
          scope: event.scope,
          check: event.check,
          ...(event.expected === undefined ? {} : { expected: event.expected }),
          ...(event.got === undefined ? {} : { got: event.got }),
          ...where,
        });
        break;
      case 'refused':
        this.counts.errors++;
        this.keep(this.errors, {
          kind: 'refused',
          text: `ONEROOF REFUSED: ${event.reason}`,
          ...where,
        });
        break;
      case 'locked':
        // Another run holds the target's lock: nothing of this run's script ran.
        this.lostLock = { kind: 'locked', text: `ONEROOF LOCKED: ${event.holder}`, ...where };
        this.lock = { acquired: false, holder: event.holder };
        break;
      case 'end':
        this.endedScripts.push(event.script);
        break;
      case 'sentinel':
        this.sentinelSeen = true;
        break;
      case 'tag':
      case 'output':
        break;
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
    const tiers = this.tierList(this.tiers);
    const rollbacks = this.tierList(this.rollbacks);
    // A rollback's end record lists rollback tiers; every other command's, the release tiers.
    this.mergeEndTiers(this.run.command === 'rollback' ? rollbacks : tiers);
    this.gate.checks = [...this.checks.values()];
    if (this.run.startedAt !== null && this.run.endedAt !== null)
      this.run.durationMs = Date.parse(this.run.endedAt) - Date.parse(this.run.startedAt);
    if (this.end?.durationMs !== undefined) this.run.durationMs = this.end.durationMs;
    for (const [name, count] of this.unknown)
      this.note(
        `${count} record(s) named "${name}": not known to this replay (chained and checked, not shown)`,
      );
    return {
      run: this.run,
      gate: this.gate,
      lock: this.lock,
      state: this.state,
      steps: this.steps,
      tiers,
      rollbacks,
      verified: this.verified,
      assertions: this.assertions,
      errors: this.errors,
      counts: this.counts,
      output: this.output,
      outcome: this.kind === 'oneroof' ? this.recordedOutcome(tiers) : this.derivedOutcome(tiers),
      notes: this.notes,
    };
  }

  private keep(list: Finding[], finding: Finding): void {
    if (list.length < MAX_FINDINGS) list.push(finding);
  }

  private stepNamed(name: string, t: number | undefined): StepReport {
    let step = this.steps.findLast((s) => s.step === name);
    if (step === undefined || step.outcome !== undefined) {
      step = { step: name, ...(t === undefined ? {} : { start: t }) };
      this.steps.push(step);
    }
    return step;
  }

  private phase<K extends number | 'full'>(
    map: Map<K, TierState>,
    tier: K,
    phase: 'BEGIN' | 'SKIP' | 'COMMIT',
    name: string,
    note: string | undefined,
    at: string | undefined,
    when: When,
  ): void {
    const outcome: TierOutcome =
      phase === 'BEGIN' ? 'unknown' : phase === 'SKIP' ? 'skipped' : 'committed';
    const state: TierState = map.get(tier) ?? { tier, name, outcome };
    state.name = name;
    state.outcome = outcome;
    if (at !== undefined) state.at = at;
    if (note !== undefined) state.note = note;
    if (phase !== 'COMMIT' && when.t !== undefined) state.start = when.t;
    if (phase !== 'COMMIT' && when.time !== undefined) state.startTime = when.time;
    if (phase === 'BEGIN') delete state.end;
    else if (when.t !== undefined) state.end = when.t;
    map.set(tier, state);
  }

  /** An error fails every tier still open: its transaction is rolled back (ON_ERROR_STOP). */
  private failOpen(when: When): void {
    for (const map of [this.tiers, this.rollbacks] as Map<unknown, TierState>[])
      for (const tier of map.values())
        if (tier.outcome === 'unknown') {
          tier.outcome = 'failed';
          if (when.t !== undefined) tier.end = when.t;
        }
  }

  private tierList<K extends number | 'full'>(map: Map<K, TierState>): TierReport[] {
    return [...map.values()].map(({ startTime: _startTime, ...tier }) => {
      const out: TierReport = { ...tier };
      // A tier still open when the log ends ran until the last thing the log saw.
      if (out.outcome === 'unknown' && out.start !== undefined && this.lastT !== undefined)
        out.end = this.lastT;
      if (out.start !== undefined && out.end !== undefined)
        out.durationMs = Math.round((out.end - out.start) * 1000);
      return out;
    });
  }

  /** The runner's own tier list (end record), when it wrote one: it adds what never began. */
  private mergeEndTiers(tiers: TierReport[]): void {
    const listed = this.end?.tiers;
    if (listed === undefined) return;
    const outcomes: Record<string, TierOutcome> = {
      ok: 'committed',
      failed: 'failed',
      skipped: 'skipped',
      pending: 'pending',
      running: 'unknown',
      unknown: 'unknown',
    };
    for (const entry of listed) {
      const status = (entry.status ?? entry.outcome)!;
      const outcome = outcomes[status] ?? 'unknown';
      const seen = tiers.find((t) => t.tier === entry.tier);
      if (seen === undefined) {
        tiers.push({
          tier: entry.tier,
          name: entry.name,
          outcome,
          ...(entry.durationMs == null ? {} : { durationMs: entry.durationMs }),
        });
        continue;
      }
      if (entry.durationMs != null) seen.durationMs = entry.durationMs;
      // The runner's word stands: it settled what its markers left open (the ledger read after
      // the run, src/engine/release.ts), or knew less than the markers (a tier begun, then lost).
      if (seen.outcome === 'unknown' && outcome !== 'pending') seen.outcome = outcome;
      else if (seen.outcome !== outcome && !(seen.outcome === 'unknown' && outcome === 'pending'))
        this.note(
          `tier ${entry.tier}: psql's markers say ${seen.outcome}, the runner's end record says ${status}`,
        );
    }
    tiers.sort((a, b) => Number(a.tier) - Number(b.tier));
  }

  private openTier(tiers: TierReport[]): TierReport | undefined {
    return tiers.find((t) => t.outcome === 'unknown' || t.outcome === 'failed');
  }

  private recordedOutcome(tiers: TierReport[]): Reconstructed['outcome'] {
    const lastStep = this.steps.at(-1);
    const end = this.end;
    if (end === undefined) {
      const open = this.openTier(tiers);
      return {
        outcome: 'incomplete',
        exitCode: null,
        derived: true,
        summary: `the log ends without an end record: the runner stopped (killed, crashed, or the machine went down) ${
          lastStep ? `during step ${lastStep.step}` : 'before it ran anything'
        }${open ? `, with tier ${open.tier} ${open.name} begun and its end not in the log: unknown (the server committed it or rolled it back; \`oneroof replay --target T\` or \`oneroof status\` asks the target's ledger)` : ''}${this.lastTime ? `; the last record is from ${this.lastTime}` : ''}`,
        end: lastStep?.end ?? null,
        sentinelSeen: this.sentinelSeen,
        endedScripts: this.endedScripts,
      };
    }
    const outcome = end.outcome ?? 'unknown';
    const exitCode = end.exitCode ?? this.impliedExit(outcome);
    return {
      outcome,
      exitCode,
      derived: end.exitCode === undefined,
      // The run's own words when it wrote them: replay never tells another story than the run.
      summary:
        end.message ?? this.describe(outcome, tiers, end.end ?? lastStep?.end, end.error, exitCode),
      end: end.end ?? lastStep?.end ?? null,
      sentinelSeen: end.sentinelSeen ?? this.sentinelSeen,
      endedScripts: this.endedScripts,
    };
  }

  /** A hand-made log has no exit code: the outcome is what psql's text says. */
  private derivedOutcome(tiers: TierReport[]): Reconstructed['outcome'] {
    let outcome: string;
    if (this.lostLock) outcome = 'locked';
    else if (this.assertions.length > 0) outcome = 'assertion-failed';
    else if (this.gate.verdict === 'NO-GO') outcome = 'no-go';
    else if (this.errors.length > 0) outcome = 'sql-error';
    else if (this.endedScripts.length > 0) outcome = 'ok';
    else outcome = 'incomplete';
    return {
      outcome,
      exitCode: this.impliedExit(outcome),
      derived: true,
      summary: `${this.describe(outcome, tiers, undefined, undefined)} (read from psql's text: a tee log holds no exit code)`,
      end: null,
      sentinelSeen: null,
      endedScripts: this.endedScripts,
    };
  }

  private impliedExit(outcome: string): number | null {
    if (outcome === 'ok') return 0;
    if (outcome === 'no-go') return 3;
    if (outcome === 'assertion-failed') return 4;
    if (outcome === 'locked') return 6;
    if (outcome === 'sql-error') {
      if (this.lostLock) return 6;
      if (this.gate.verdict === 'NO-GO' && this.assertions.length === 0) return 3;
      return 4;
    }
    if (
      [
        'lost',
        'psql-failed',
        'not-run',
        'failed',
        'incomplete',
        'error',
        'interrupted',
        'cancelled',
        'log-failed',
      ].includes(outcome)
    )
      return 1;
    return null;
  }

  private describe(
    outcome: string,
    tiers: TierReport[],
    end: { kind: string; code?: number; signal?: string; reason?: string } | undefined,
    error: string | undefined,
    exitCode: number | null = null,
  ): string {
    const assertion = this.assertions[0];
    const open = this.openTier(tiers);
    const committed = tiers.filter((t) => t.outcome === 'committed').map((t) => t.tier);
    const kept = committed.length ? `; committed: ${committed.join(', ')}` : '';
    if (this.lostLock) return `refused: another run holds the lock (${this.lostLock.text})`;
    if (assertion)
      return `an assertion failed: ${assertion.text}${assertion.at ? ` (${assertion.at})` : ''}${
        open ? `; tier ${open.tier} ${open.name} was not committed` : ''
      }${kept}`;
    if (this.gate.verdict === 'NO-GO')
      return `NO-GO: the gate is closed (${this.gate.noGo.join(', ')})${committed.length ? kept : '; nothing was mutated'}`;
    // The commands name their outcomes (applied, GO, rolled-back, …): exit 0 is a success.
    switch (exitCode === 0 ? 'ok' : outcome) {
      case 'ok':
        return `success${this.endedScripts.length ? `: psql reached ONEROOF END ${this.endedScripts.at(-1)}` : ''}${this.sentinelSeen ? ', and oneroof’s sentinel after the last statement' : ''}${kept}`;
      case 'lost':
        return `the connection was lost${end?.reason ? ` (${end.reason})` : ''}${
          open ? ` while tier ${open.tier} ${open.name} was running` : ''
        }: the far side may have gone on (a tier is one transaction: committed whole or not at all) — check the target (oneroof status)${kept}`;
      case 'incomplete':
        return `the output ends without ONEROOF END: cut short (connection lost?) or copied while still running${
          open ? `; tier ${open.tier} ${open.name} began and never committed` : ''
        }${kept}`;
      case 'sql-error': {
        const first = this.errors[0];
        return `psql stopped on an error${first ? `: ${first.text.split('\n', 1)[0]}${first.at ? ` (${first.at})` : ''}` : ''}${
          open ? `; tier ${open.tier} ${open.name} was not committed` : ''
        }${kept}`;
      }
      case 'error':
        return `the run failed before it finished${error ? `: ${error}` : ''}`;
      default:
        return `${outcome}${end ? ` (${end.kind}${end.code !== undefined ? ` ${end.code}` : ''}${end.signal ? ` ${end.signal}` : ''})` : ''}${kept}`;
    }
  }
}

/** The figures of a recorded state vector; their names are the packet's (run.packet.state). */
export function parseStateVector(raw: string): StateVector {
  const parts = raw.trim().split('|');
  const vector: StateVector = { raw };
  if (parts.every((p) => /^-?\d{1,15}$/.test(p))) vector.values = parts.map(Number);
  return vector;
}
