/**
 * The psql sessions of one release run, prepared before anything is contacted: the main one
 * (the command's plan from src/engine/plans.ts, feeding the probes and the tier tracker), the
 * read-only probe of the state at exit (and its fallback as the apply role before the read role
 * exists), and the Ctrl-C cancel of the run's own session.
 */
import type { Target } from '../inventory/load.js';
import { prepareStep, type PreparedStep } from '../runner/run.js';
import { TierTracker } from '../model/tiers.js';
import { FULL_ROLLBACK_TIER, type PacketDescriptor } from '../contract/schema.js';
import { markerClaims, packetVariables, releaseTiers } from '../contract/summary.js';
import { applicationName } from './lock.js';
import { CONFIRMED_STATE_VARIABLE, type StateGuard } from './state-guard.js';
import {
  applyPlan,
  beforePlan,
  preflightPlan,
  revalidatePlan,
  rollbackPlan,
  statePlan,
  statusPlan,
  verifyPlan,
  type Plan,
} from './plans.js';
import { ProbeCollector } from './probes.js';
import { READ_ONLY } from './release-options.js';
import type { ReleaseCommand, ReleaseOptions } from './result.js';
import type { PacketReader } from '../packet/bundle.js';

/**
 * Cancels the run's session until it is gone (psql stops at the first cancelled statement,
 * ON_ERROR_STOP), for at most 10 s. A single pg_cancel_backend could land between two
 * statements, where it does nothing, and psql would go on: so it is repeated every 50 ms. A
 * session not there yet (psql still being staged or connecting) is waited for, within the 10 s.
 */
const CANCEL_SQL = `SELECT set_config('oneroof.cancel_session', :'oneroof_session', false) AS oneroof_cancel \\gset
DO $oneroof_cancel$
DECLARE
  v_name text := current_setting('oneroof.cancel_session');
  v_seen boolean := false;
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM pg_catalog.pg_stat_clear_snapshot();  -- else the loop sees its first snapshot forever
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                WHERE a.application_name = v_name AND a.pid <> pg_catalog.pg_backend_pid()) THEN
      v_seen := true;
      PERFORM pg_catalog.pg_cancel_backend(a.pid) FROM pg_catalog.pg_stat_activity a
        WHERE a.application_name = v_name AND a.pid <> pg_catalog.pg_backend_pid();
    ELSIF v_seen THEN
      EXIT;  -- it was there and is gone: cancelled
    END IF;
    -- Not there yet: the cancel came while psql was still starting; wait for it to connect.
    PERFORM pg_catalog.pg_sleep(0.05);
  END LOOP;
END
$oneroof_cancel$;
`;
const CANCEL_STATEMENT_TIMEOUT = '-c statement_timeout=15s';

/** For the sessions that only look (the state at exit) or cancel: never wait long. */
const PROBE_STATEMENT_TIMEOUT = '-c statement_timeout=10s';

function planFor(
  command: ReleaseCommand,
  options: ReleaseOptions,
  d: PacketDescriptor,
  guard?: StateGuard,
): Plan {
  switch (command) {
    case 'preflight':
      return preflightPlan(d);
    case 'apply':
      return applyPlan(d, guard);
    case 'verify':
      return verifyPlan(d);
    case 'rollback':
      return rollbackPlan(d, options.rollback === 'full' ? 'full' : 'tier', guard);
    case 'status':
      return statusPlan(d);
    case 'revalidate':
      // validate() refused a packet without replica.revalidate.
      return revalidatePlan(d, d.replica.revalidate ?? '');
  }
}

export interface ReleaseSteps {
  appName: string;
  readOnly: boolean;
  /** What the main session's probes printed, and its tiers as they move. */
  probes: ProbeCollector;
  tracker: TierTracker | undefined;
  main: PreparedStep;
  /** Before the prompt (apply, rollback with a prompt): the state, the ledger, the probe's columns. */
  beforeProbes: ProbeCollector;
  beforeStep: PreparedStep | undefined;
  beforeFallback: PreparedStep | undefined;
  /** The main session again, holding the run to the state the operator confirmed. */
  guarded: (guard: StateGuard, confirmedState: string) => Promise<PreparedStep>;
  /** What the state-at-exit probe printed. */
  exitProbes: ProbeCollector;
  exitStep: PreparedStep | undefined;
  exitFallback: PreparedStep | undefined;
  cancelStep: PreparedStep;
}

export async function prepareSteps(
  command: ReleaseCommand,
  options: ReleaseOptions,
  descriptor: PacketDescriptor,
  variables: Record<string, string>,
  /** The packet's files as the manifest check read them (src/packet/snapshot.ts). */
  reader?: PacketReader,
): Promise<ReleaseSteps> {
  const read = reader === undefined ? {} : { reader };
  const appName = applicationName(command);
  const readOnly = READ_ONLY[command];
  const probes = new ProbeCollector();
  const tracker =
    command === 'apply'
      ? new TierTracker(releaseTiers(descriptor), 'tier', Date.now, options.onTier)
      : command === 'rollback'
        ? new TierTracker(
            options.rollback === 'full'
              ? [{ tier: FULL_ROLLBACK_TIER, name: 'full' }]
              : [{ tier: Number(options.rollback), name: `tier ${options.rollback}` }],
            'rollback',
            Date.now,
            options.onTier,
          )
        : undefined;
  const prepareMain = (guard?: StateGuard, confirmedState?: string): Promise<PreparedStep> =>
    prepareStep(options.target, {
      name: 'main',
      source: {
        kind: 'plan',
        root: options.packet,
        packetVariables: packetVariables(descriptor),
        claims: markerClaims(descriptor),
        ...planFor(command, options, descriptor, guard),
        ...read,
      },
      variables:
        confirmedState === undefined
          ? variables
          : { ...variables, [CONFIRMED_STATE_VARIABLE]: confirmedState },
      env: { PGAPPNAME: appName },
      readOnly,
      onEvent: (event) => {
        probes.take(event);
        tracker?.take(event);
        options.onEvent?.(event);
      },
    });
  const main = await prepareMain();
  const exitProbes = new ProbeCollector();
  const prepareProbe = (
    target: Target,
    name: 'state-exit' | 'state-before',
    into: ProbeCollector,
  ): Promise<PreparedStep> =>
    prepareStep(target, {
      name,
      source: {
        kind: 'plan',
        root: options.packet,
        packetVariables: packetVariables(descriptor),
        claims: markerClaims(descriptor),
        ...(name === 'state-exit' ? statePlan(descriptor) : beforePlan(descriptor)),
        ...read,
      },
      // Best effort: a probe must never hold the operator up (after Ctrl-C, behind a lock).
      env: {
        PGAPPNAME: applicationName(`${command}-state`),
        PGOPTIONS: PROBE_STATEMENT_TIMEOUT,
      },
      readOnly: true,
      tee: false,
      onEvent: (event) => into.take(event),
    });
  const prepareExit = (target: Target) => prepareProbe(target, 'state-exit', exitProbes);
  // Only a prompt needs it: with --yes nobody is shown a state (the state at entry is recorded).
  const beforeProbes = new ProbeCollector();
  const asks = !readOnly && options.confirm !== undefined && command !== 'revalidate';
  const beforeStep = asks
    ? await prepareProbe(options.target, 'state-before', beforeProbes)
    : undefined;
  const beforeFallback =
    asks && options.target.reader.mode === 'role'
      ? await prepareProbe(
          { ...options.target, reader: { ...options.target.reader, mode: 'session' } },
          'state-before',
          beforeProbes,
        )
      : undefined;
  const exitStep: PreparedStep | undefined =
    command === 'status' || command === 'verify' ? undefined : await prepareExit(options.target);
  // apply and rollback on a target without the read role yet: the probe as the apply role,
  // read-only by the session setting (it is oneroof's own constant SQL, not the packet's).
  const exitFallback =
    !readOnly && options.target.reader.mode === 'role'
      ? await prepareExit({
          ...options.target,
          reader: { ...options.target.reader, mode: 'session' },
        })
      : undefined;

  // Ctrl-C: cancel this run's own session, found by its application_name (a psql variable).
  const cancelStep = await prepareStep(options.target, {
    name: 'cancel',
    source: { kind: 'text', label: '<oneroof cancel>', text: CANCEL_SQL },
    variables: { oneroof_session: appName },
    env: { PGAPPNAME: applicationName(`${command}-cancel`), PGOPTIONS: CANCEL_STATEMENT_TIMEOUT },
    // As the read role for read-only commands: a role may cancel its own sessions.
    readOnly,
    tee: false,
  });
  return {
    appName,
    readOnly,
    probes,
    tracker,
    main,
    beforeProbes,
    beforeStep,
    beforeFallback,
    guarded: (guard, confirmedState) => prepareMain(guard, confirmedState),
    exitProbes,
    exitStep,
    exitFallback,
    cancelStep,
  };
}
