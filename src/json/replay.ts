/** `oneroof replay LOG --json`: the run rebuilt from its log, its integrity checked first. */
import { z } from 'zod';
import type { ReplayReport, StateVector } from '../audit/report.js';
import { execEndSchema } from '../runlog/end-record.js';
import { count, document, iso, nul } from './define.js';
import {
  finding,
  gateCheck,
  packetSignature,
  packetSummary,
  peer,
  signatureCheck,
  stateVector,
  tierStep,
  verifiedCheck,
  who,
} from './parts.js';

const execEnd = execEndSchema;

const tierReport = tierStep.extend({
  at: nul(z.string()),
  note: nul(z.string()),
  /** Seconds since the log opened. */
  start: nul(z.number()),
  end: nul(z.number()),
});

const integrity = z.object({
  verdict: z.enum(['verified', 'signed', 'unsigned', 'tampered']),
  summary: z.string(),
  chain: z.enum(['intact', 'broken', 'none']),
  records: nul(count),
  head: nul(z.string()),
  complete: nul(z.boolean()),
  log: z.object({ bytes: count, sha256: nul(z.string()), unindexed: count }),
  signature: signatureCheck,
  anchor: z.object({
    status: z.enum(['not-checked', 'matches', 'differs', 'missing']),
    target: nul(z.string()),
    file: nul(z.string()),
    line: nul(z.string()),
    detail: nul(z.string()),
  }),
  firstBad: nul(
    z.object({
      file: z.enum(['records', 'log', 'signature', 'anchor']),
      line: nul(count),
      record: nul(count),
      recordName: nul(z.string()),
      bytes: nul(z.object({ from: count, to: count })),
      reason: z.string(),
    }),
  ),
});

const run = z.object({
  runId: nul(z.string()),
  kind: nul(z.string()),
  command: nul(z.string()),
  target: nul(z.string()),
  by: nul(who),
  argv: z.array(z.string()),
  startedAt: nul(iso),
  endedAt: nul(iso),
  durationMs: nul(count),
  peer: nul(peer),
  commandLine: nul(z.string()),
  apr: nul(z.string()),
  dryRun: nul(z.boolean()),
  manifest: nul(z.string()),
  packetSignature: nul(packetSignature),
  packet: nul(packetSummary),
  reader: nul(z.object({ role: z.string(), file: z.string() })),
  stream: nul(z.object({ source: z.string(), sha256: z.string(), length: count })),
  files: z.array(z.object({ path: z.string(), sha256: z.string() })),
  confirmation: nul(
    z.object({
      confirmed: z.boolean(),
      via: z.enum(['prompt', 'not-asked']),
      by: nul(who),
      at: nul(iso),
      typed: nul(z.string()),
    }),
  ),
  interrupt: nul(
    z.object({
      at: nul(iso),
      reason: z.enum(['interrupt', 'log-failure']),
      mainStarted: z.boolean(),
    }),
  ),
});

const step = z.object({
  step: z.string(),
  source: nul(z.string()),
  sha256: nul(z.string()),
  length: nul(count),
  readOnly: nul(z.boolean()),
  commandLine: nul(z.string()),
  outcome: nul(z.string()),
  end: nul(execEnd),
  durationMs: nul(count),
  start: nul(z.number()),
});

export const replayDocument = document('replay', 1, {
  replay: z.object({ format: z.literal('oneroof-replay/1'), generatedAt: iso }),
  onTarget: nul(
    z.object({
      target: z.string(),
      applied: z.array(z.number().int()),
      server: z.enum(['running', 'finished', 'unread']),
      message: z.string(),
    }),
  ),
  source: z.object({
    kind: z.enum(['oneroof', 'tee']),
    log: z.string(),
    records: nul(z.string()),
    signature: nul(z.string()),
  }),
  integrity,
  run,
  gate: z.object({
    verdict: nul(z.enum(['GO', 'NO-GO'])),
    noGo: z.array(z.string()),
    // A hand-made log's check lines are read as they are: any status word.
    checks: z.array(gateCheck.extend({ status: z.string() })),
  }),
  lock: nul(z.object({ acquired: z.boolean(), holder: nul(z.string()) })),
  state: z.object({ entry: nul(stateVector), exit: nul(stateVector) }),
  steps: z.array(step),
  tiers: z.array(tierReport),
  rollbacks: z.array(tierReport),
  verified: z.array(verifiedCheck),
  assertions: z.array(finding),
  errors: z.array(finding),
  counts: z.object({
    assertions: count,
    errors: count,
    warnings: count,
    events: count,
    records: count,
  }),
  output: z.object({
    bytes: count,
    stdout: count,
    stderr: count,
    chunks: count,
    firstT: nul(z.number()),
    lastT: nul(z.number()),
  }),
  outcome: z.object({
    outcome: z.string(),
    exitCode: nul(z.number().int()),
    derived: z.boolean(),
    summary: z.string(),
    end: nul(execEnd),
    sentinelSeen: nul(z.boolean()),
    endedScripts: z.array(z.string()),
    fromEvents: z.object({
      outcome: z.string(),
      exitCode: nul(z.number().int()),
      message: z.string(),
      tiers: z.array(tierStep),
    }),
  }),
  notes: z.array(z.string()),
});

const vector = (v: StateVector | null) =>
  v === null ? null : { text: v.raw, values: v.values ?? null };

/** The report as its document: a state vector's line is `text`, the run's id `runId`. */
export function replayBody(report: ReplayReport): Omit<z.input<typeof replayDocument>, 'schema'> {
  const { id, ...runRest } = report.run;
  return {
    ...report,
    run: { ...runRest, runId: id },
    state: { entry: vector(report.state.entry), exit: vector(report.state.exit) },
  };
}
