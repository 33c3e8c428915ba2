/**
 * The documents of preflight, apply, verify, rollback and status (one shape for the five, one
 * name each), and of a group run: per member, exactly a single run's document.
 */
import { z } from 'zod';
import type { ReleaseResult } from '../engine/result.js';
import { count, document, iso, nul } from './define.js';
import {
  audit,
  finding,
  gateCheck,
  packetSignature,
  packetSummary,
  peer,
  stateVector,
  tierStep,
  verifiedCheck,
} from './parts.js';

const lastRun = z.object({
  log: z.string(),
  command: z.string(),
  startedAt: nul(iso),
  by: nul(z.string()),
  ended: z.string(),
  server: z.enum(['running', 'finished']),
  committedAfter: z.array(z.number().int()),
  rolledBack: z.array(z.number().int()),
  message: z.string(),
});

const probes = z.object({
  verify: nul(z.record(z.string(), z.array(z.string()))),
  fingerprint: nul(z.string()),
  // A tier not applied has no attempt, file digest, APR code or time: null, not "".
  ledger: nul(
    z.array(
      z.object({
        tier: z.number().int(),
        name: z.string(),
        applied: z.boolean(),
        attempt: nul(count),
        fileSha256: nul(z.string()),
        aprCode: nul(z.string()),
        appliedAt: nul(iso),
      }),
    ),
  ),
  approvals: nul(
    z.array(
      z.object({
        aprCode: z.string(),
        level: z.string(),
        status: z.string(),
        proposal: z.string(),
        decidedAt: nul(iso),
        opensGate: z.boolean(),
      }),
    ),
  ),
  alive: nul(
    z.array(
      z.object({
        pid: z.number().int(),
        applicationName: z.string(),
        state: z.string(),
        backendStart: nul(iso),
        xactStart: nul(iso),
        holdsRunLock: z.boolean(),
        lockMode: nul(z.string()),
      }),
    ),
  ),
});

/** The release commands a user runs (the engine's `revalidate` is written only into evidence). */
const COMMANDS = ['preflight', 'apply', 'verify', 'rollback', 'status'] as const;
export type DocumentedCommand = (typeof COMMANDS)[number];

export function documentedCommand(command: ReleaseResult['command']): DocumentedCommand {
  if ((COMMANDS as readonly string[]).includes(command)) return command as DocumentedCommand;
  throw new Error(`internal: no --json document for the engine's ${command} run`);
}

const releaseShape = {
  command: z.enum(COMMANDS),
  target: z.string(),
  /** The run's id (its log's start record); null: no log was opened. */
  runId: nul(z.string()),
  exitCode: z.number().int(),
  outcome: z.string(),
  message: z.string(),
  verdict: nul(z.enum(['GO', 'NO-GO'])),
  /** The run's .log and its records (.jsonl); null: no log was opened. */
  log: nul(z.string()),
  records: nul(z.string()),
  peer: nul(peer),
  apr: nul(z.string()),
  dryRun: z.boolean(),
  manifestSha256: nul(z.string()),
  packet: nul(packetSummary),
  packetSignature: nul(packetSignature),
  runOutcome: nul(z.string()),
  state: z.object({
    before: nul(stateVector),
    entry: nul(stateVector),
    exit: nul(stateVector),
    unchanged: nul(z.boolean()),
  }),
  preflight: z.array(gateCheck),
  noGo: z.array(z.string()),
  tiers: z.array(tierStep),
  verified: z.array(verifiedCheck),
  assertions: z.array(finding),
  errors: z.array(finding),
  refused: nul(z.string()),
  lockHolder: nul(z.string()),
  /** --wait found the run lock busy: who held it, and the seconds waited (null: never acquired). */
  lockWait: nul(z.object({ holder: z.string(), seconds: nul(z.number().nonnegative()) })),
  probes,
  durationMs: count,
  lastRun: nul(lastRun),
  audit: nul(audit),
  readOnly: nul(z.object({ mode: z.enum(['role', 'session']), user: z.string() })),
};

export const preflightDocument = document('preflight', 1, releaseShape);
export const applyDocument = document('apply', 1, releaseShape);
export const verifyDocument = document('verify', 1, releaseShape);
export const rollbackDocument = document('rollback', 1, releaseShape);
export const statusDocument = document('status', 1, releaseShape);

const GROUP_MEMBER = {
  preflight: preflightDocument,
  apply: applyDocument,
  verify: verifyDocument,
  rollback: rollbackDocument,
  status: statusDocument,
};

const memberStatus = z.enum(['ok', 'NO-GO', 'unreachable', 'locked', 'failed', 'not-started']);

export const groupDocument = document('group', 1, {
  command: z.enum(COMMANDS),
  group: z.string(),
  concurrency: z.number().int().positive(),
  /** The --limit pattern that chose the members, as given. */
  limit: nul(z.string()),
  /** apply, rollback: members at once (--serial); null for the read-only commands. */
  serial: nul(z.number().int().positive()),
  exitCode: z.number().int(),
  /** One per member that ran, in the group's order: each exactly a single run's document. */
  results: z.array(z.union(Object.values(GROUP_MEMBER))),
  /** The recap: counts, and every member (also those not started) with its status. */
  summary: z.object({
    targets: count,
    ok: count,
    noGo: count,
    unreachable: count,
    locked: count,
    failed: count,
    notStarted: count,
    members: z.array(z.object({ target: z.string(), status: memberStatus })),
  }),
});

type ReleaseBody = Omit<z.input<typeof preflightDocument>, 'schema'>;

/** A run's result as its document: absent parts null, the log's two files by their names. */
export function releaseBody(result: ReleaseResult): ReleaseBody {
  const { log, manifestSha256, audit: sealed, probes, ...rest } = result;
  return {
    ...rest,
    command: documentedCommand(rest.command),
    probes: {
      ...probes,
      ledger:
        probes.ledger?.map((row) => ({
          ...row,
          attempt: row.attempt === '' ? null : Number(row.attempt),
          fileSha256: blank(row.fileSha256),
          aprCode: blank(row.aprCode),
          appliedAt: blank(row.appliedAt),
        })) ?? null,
      approvals: probes.approvals?.map((a) => ({ ...a, decidedAt: blank(a.decidedAt) })) ?? null,
      alive:
        probes.alive?.map((a) => ({
          ...a,
          backendStart: blank(a.backendStart),
          xactStart: blank(a.xactStart),
          lockMode: blank(a.lockMode),
        })) ?? null,
    },
    runId: sealed?.runId ?? null,
    log: log?.output ?? null,
    records: log?.records ?? null,
    manifestSha256: manifestSha256 === '' ? null : manifestSha256,
    audit: sealed ?? null,
  };
}

/** The probes print "" for a value that is not there: null in the document. */
const blank = (value: string): string | null => (value === '' ? null : value);

/** A group member: its own command's document, tag included. */
export function memberDocument(
  result: ReleaseResult,
): z.input<typeof groupDocument>['results'][number] {
  return { schema: `oneroof/${result.command as GroupCommand}/1`, ...releaseBody(result) } as never;
}

type GroupCommand = keyof typeof GROUP_MEMBER;
