/**
 * The remote command of the production path, built once, as argv, by a pure function:
 *   docker exec -i CONTAINER psql -X -U USER -d DB -v ON_ERROR_STOP=1 -f - [-v name=value …]
 * Identifiers are checked again here (the inventory already did), values only ever travel as
 * psql variables (read in SQL as :'name'), and the line is quoted for a POSIX login shell.
 */
import {
  CONTAINER_NAME,
  PG_IDENTIFIER,
  hasControlCharacter,
  type IdentifierRule,
} from '../inventory/identifiers.js';
import { shellJoin } from './quote.js';
import { quoteInput } from '../safe-text.js';

export interface PsqlCommand {
  container: string;
  database: string;
  user: string;
  /** psql variables (-v name=value): values arrive in SQL only through :'name'. */
  variables?: Record<string, string>;
  /** Extra psql flags from a fixed set the runner chooses (never user text). */
  flags?: readonly PsqlFlag[];
}

export type PsqlFlag = '--no-align' | '--tuples-only' | '--echo-errors' | '--quiet';

const VARIABLE_NAME: IdentifierRule = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
  expected: 'a psql variable name (letters, digits, _)',
};

export class CommandLineError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    expected: string,
  ) {
    super(`${field}: expected ${expected}, got ${quoteInput(value)}`);
    this.name = 'CommandLineError';
  }
}

/** psql's own argv, as it runs inside the container (the transports decide how to get there). */
export function buildPsqlInvocation(command: PsqlCommand): string[] {
  check('database', command.database, PG_IDENTIFIER);
  check('user', command.user, PG_IDENTIFIER);
  // `-f -`: stdin read as a script file, so every message carries `psql:<stdin>:LINE:` (plain
  // stdin gets no location) — the runner maps that line back to the packet's file and line.
  const argv = [
    'psql',
    '-X',
    '-U',
    command.user,
    '-d',
    command.database,
    '-v',
    'ON_ERROR_STOP=1',
    '-f',
    '-',
  ];
  argv.push(...(command.flags ?? []));
  for (const [name, value] of Object.entries(command.variables ?? {})) {
    check('variable name', name, VARIABLE_NAME);
    if (name.toUpperCase() === 'ON_ERROR_STOP')
      throw new CommandLineError('variable name', name, 'a name other than ON_ERROR_STOP');
    // psql reads -v's argument as one token; a newline or NUL would end up inside SQL text.
    if (hasControlCharacter(value))
      throw new CommandLineError(`variable ${name}`, value, 'no control characters');
    argv.push('-v', `${name}=${value}`);
  }
  return argv;
}

/** Names docker exec may set with -e: a fixed list, so no caller can smuggle in LD_PRELOAD. */
const EXEC_ENV_NAMES = ['PGOPTIONS', 'PGAPPNAME'] as const;

/**
 * `docker exec -i [-e NAME=VALUE …] CONTAINER ARGV…` — stdin attached (-i), never a TTY (-t
 * would mangle bytes and merge stderr into stdout).
 */
function buildDockerExecArgv(
  container: string,
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string[] {
  check('container', container, CONTAINER_NAME);
  if (argv.length === 0) throw new CommandLineError('argv', '', 'a program to run');
  const out = ['docker', 'exec', '-i'];
  for (const [name, value] of Object.entries(env)) {
    if (!(EXEC_ENV_NAMES as readonly string[]).includes(name))
      throw new CommandLineError('environment name', name, `one of ${EXEC_ENV_NAMES.join(', ')}`);
    if (hasControlCharacter(value))
      throw new CommandLineError(`environment ${name}`, value, 'no control characters');
    out.push('-e', `${name}=${value}`);
  }
  out.push(container, ...argv);
  return out;
}

/** The line a POSIX login shell on the far side runs (ssh's exec request). */
export function buildDockerExecLine(
  container: string,
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string {
  return shellJoin(buildDockerExecArgv(container, argv, env));
}

function check(field: string, value: string, rule: IdentifierRule): void {
  if (!rule.pattern.test(value)) throw new CommandLineError(field, value, rule.expected);
}
