/**
 * A real packet run on the testbed, logged, anchored and signed exactly as the commands are
 * to wire src/audit/ in (docs/log-format.md): RunSession opens the log and connects; the
 * records a command writes (release, state) around the main script; then, on the same
 * connection, RunLog.close() → anchorRunLog(); then the connection closes; then signRunLog().
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchorRunLog, type AnchorReceipt } from '../../src/runlog/anchor.js';
import { signRunLog, type SignResult } from '../../src/ssh/sign.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import type { Target } from '../../src/inventory/load.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import { trackTiers } from './recording.js';
import { RunSession, prepareStep, type RunResult } from '../../src/runner/run.js';
import type { RunLogSeal } from '../../src/runlog/writer.js';
import type { Transport } from '../../src/transport/types.js';

const SQL_ROOT = join(PACKAGE_ROOT, 'sql');

export interface AuditedRunOptions {
  target: Target;
  transport: Transport;
  logDir: string;
  entry?: string;
  apr?: string;
  /** Sign with this key (a private key file, or its .pub with ssh-agent). */
  signWith?: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: PsqlEvent) => void;
}

export interface AuditedRun {
  result: RunResult;
  seal: RunLogSeal;
  anchor: AnchorReceipt | undefined;
  signature: SignResult | undefined;
}

async function stateProbe(session: RunSession, target: Target): Promise<string | undefined> {
  const step = await prepareStep(target, {
    name: 'state',
    source: { kind: 'packet', root: SQL_ROOT, entry: 'prod_verify/state_vector.sql' },
    flags: ['--no-align', '--tuples-only'],
    readOnly: true,
    tee: false,
  });
  const probe = await session.run(step);
  const line = probe.events.find((e) => e.kind === 'output' && /^\d+(\|\d+){5}$/.test(e.raw[0]!));
  return line?.raw[0];
}

export async function auditedRun(options: AuditedRunOptions): Promise<AuditedRun> {
  const entry = options.entry ?? 'prod/99_run_all.sql';
  const apr = options.apr ?? 'APR-2026-0142';
  const main = await prepareStep(options.target, {
    name: 'main',
    source: { kind: 'packet', root: SQL_ROOT, entry },
    variables: { ratified_apr: apr },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const session = await RunSession.open({
    kind: 'rollout',
    target: options.target,
    transport: options.transport,
    logDir: options.logDir,
    argv: ['apply', '--target', options.target.name, '--apr', apr],
  });
  let result: RunResult | undefined;
  let seal: RunLogSeal | undefined;
  let anchor: AnchorReceipt | undefined;
  try {
    session.record('release', {
      command: 'apply',
      target: options.target.name,
      apr,
      dryRun: false,
      manifest: {
        sha256: createHash('sha256')
          .update(readFileSync(join(SQL_ROOT, 'manifest-sha256.txt')))
          .digest('hex'),
      },
    });
    const entryState = await stateProbe(session, options.target);
    if (entryState) session.record('state', { at: 'entry', vector: entryState });
    result = await session.run(main);
    if (result.outcome !== 'lost') {
      const exitState = await stateProbe(session, options.target);
      if (exitState) session.record('state', { at: 'exit', vector: exitState });
    }
    seal = session.log.close({
      outcome: result.outcome,
      end: result.end,
      sentinelSeen: result.sentinelSeen,
      tiers: trackTiers(result.events, 'tier'),
    });
    if (result.outcome !== 'lost')
      anchor = await anchorRunLog(session.connection, options.target, seal);
  } finally {
    await session.close({ outcome: 'error' });
  }
  const signature = options.signWith
    ? await signRunLog(seal.paths.records, {
        key: options.signWith,
        ...(options.env ? { env: options.env } : {}),
      })
    : undefined;
  return { result, seal, anchor, signature };
}
