/**
 * One psql step, validated and built before anything is contacted: its docker exec argv (as the
 * apply role or the read role), its session settings, its stream and the staged command line
 * that starts psql only on a whole, checked copy of it.
 */
import { OneroofError } from '../errors.js';
import type { Target } from '../inventory/load.js';
import type { PsqlEvent } from '../psql/events.js';
import { buildPsqlInvocation, CommandLineError, type PsqlFlag } from '../remote/psql-command.js';
import { buildStagedArgv } from '../remote/stage.js';
import { readOnlyOptions, readOnlyUser, readOnlyVariables } from './read-only.js';
import { prepareStream, type PreparedStream, type SqlSource } from './stream.js';

/** One exec of psql: what it reads and how it is started. */
export interface StepRequest {
  /** Names the step in the records (`main`, `state-exit`, …). */
  name?: string;
  source: SqlSource;
  /** psql variables: values reach SQL only as :'name'. */
  variables?: Record<string, string>;
  flags?: readonly PsqlFlag[];
  /** Session settings for docker exec -e (PGOPTIONS, PGAPPNAME). */
  env?: Readonly<Record<string, string>>;
  /**
   * Read-only, enforced by the server: the session logs in as the target's read role (a
   * NOSUPERUSER role that can only read), with default_transaction_read_only=on and the
   * read timeouts (src/runner/read-only.ts). With `read_only: session`, as the apply role
   * with the client setting only.
   */
  readOnly?: boolean;
  /** psql's output goes into the .log (default). Probes record their result instead. */
  tee?: boolean;
  onEvent?: (event: PsqlEvent) => void;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** A step validated and built: its exact bytes and staged argv. Nothing contacted yet. */
export interface PreparedStep {
  name: string;
  request: StepRequest;
  prepared: PreparedStream;
  staged: string[];
  env: Readonly<Record<string, string>> | undefined;
}

/** Validates a step and builds its stream locally: throws a usage error before any contact. */
export async function prepareStep(target: Target, step: StepRequest): Promise<PreparedStep> {
  let argv: string[];
  try {
    argv = buildPsqlInvocation({
      container: target.container,
      database: target.database,
      user: step.readOnly ? readOnlyUser(target) : target.user,
      variables: { ...step.variables, ...(step.readOnly ? readOnlyVariables(target) : {}) },
      ...(step.flags ? { flags: step.flags } : {}),
    });
  } catch (error) {
    if (error instanceof CommandLineError)
      throw new OneroofError('usage', `target ${target.name}: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
  const env = step.readOnly
    ? { ...step.env, PGOPTIONS: readOnlyOptions(target, step.env?.PGOPTIONS) }
    : step.env;
  const prepared = await prepareStream(step.source);
  const staged = buildStagedArgv(argv, {
    length: prepared.length,
    sha256: prepared.sha256,
    encoding: prepared.encoding,
  });
  return { name: step.name ?? 'main', request: step, prepared, staged, env };
}
