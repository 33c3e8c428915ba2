/**
 * The meta-commands a packet may use, and the form of their arguments: an allow-list, checked on
 * every command psql would see (the lexer splits them as psqlscanslash does), in every `\if`
 * branch. Everything else is refused before anything is contacted.
 *
 * Packet files may use exactly what the shipped packet uses:
 *   \ir FILE, \i FILE    expanded here by the bundler (never sent to psql)
 *   \if EXPR, \elif EXPR one variable: `:name` or `:{?name}`
 *   \else, \endif        no arguments
 *   \set NAME [VALUE…]   NAME one of the packet's own variables (`oneroof_…`, lowercase, not one
 *                        oneroof passes with -v), values plain words or '…' with no variable,
 *                        backquote or backslash; or exactly `ON_ERROR_STOP on`, `AUTOCOMMIT on`,
 *                        `VERBOSITY default`, `SHOW_CONTEXT errors`
 *   \gset [PREFIX]       no pipe or file; a prefix, if any, `oneroof_…`
 * oneroof's own generated scripts (src/engine/plans.ts) may also use `\echo WORDS`, `\pset format
 * aligned|unaligned`, `\pset tuples_only on|off` and `\set QUIET on|off` (for the probes' output);
 * a packet file may not, so no packet file can print a probe block or the run's sentinel.
 *
 * Why `oneroof_…` for \set: psql's own variables, the ones that change what an error or the
 * output means (ON_ERROR_STOP, ON_ERROR_ROLLBACK, AUTOCOMMIT, QUIET, ECHO, ECHO_HIDDEN,
 * SINGLESTEP, SINGLELINE, FETCH_COUNT, HISTFILE, VERBOSITY, SHOW_CONTEXT, …) are all upper case
 * and psql's variable names are case-sensitive, so a lowercase name with our prefix can never
 * be one of them, now or in a later psql; the prefix also keeps the packet off the operator's
 * values (the packet's gate, dry-run and tier variables). The four psql settings the packet does set are fixed to
 * the one value it uses: ON_ERROR_STOP can only be set `on`. \unset is refused altogether.
 * \gset without a prefix names variables after the query's columns: the packet's queries alias
 * every column `oneroof_…`, and psql itself ignores a \gset into its specially treated variables
 * ("attempt to \gset into specially treated variable … ignored"; the differential test checks
 * it against real psql).
 */
import { BundleError, type BundleErrorDetails, type BundleErrorReason } from './bundle-error.js';
import type { MetaCommand, SlashArgument } from './psql-lexer.js';

/** Who wrote the file: a packet file, or a script oneroof generated (src/engine/plans.ts). */
export type CommandOrigin = 'packet' | 'plan';

type Where = Omit<BundleErrorDetails, 'reason'>;

/** Variables oneroof passes on psql's command line for itself, whatever the packet. */
const ONEROOF_VARIABLES: readonly string[] = ['oneroof_lock_wait', 'oneroof_session'];

/**
 * Variables oneroof passes on psql's command line (-v): the packet's own (its gate, dry-run and
 * tier variables, from packet.yml) and oneroof's. The packet reads them, never sets them.
 */
export function runnerVariables(packetVariables: readonly string[] = []): ReadonlySet<string> {
  return new Set([...packetVariables, ...ONEROOF_VARIABLES]);
}

const PACKET_VARIABLE = /^oneroof_[a-z0-9_]+$/;
const INCLUDE = new Set(['i', 'include', 'ir', 'include_relative']);
/** psql settings a packet may set, each to the one value the shipped packet gives it. */
const PACKET_SETTINGS: Record<string, string> = {
  ON_ERROR_STOP: 'on',
  AUTOCOMMIT: 'on',
  VERBOSITY: 'default',
  SHOW_CONTEXT: 'errors',
};
/** The refusal of a command that is merely not on the list (no named danger). */
export const UNLISTED = 'is not one of the meta-commands a packet may use';
const ALLOWED = '\\ir, \\i, \\if, \\elif, \\else, \\endif, \\set, \\gset';

/** Why the usual suspects are refused (the message names the danger, not just "not allowed"). */
const WHY: Record<string, string> = {
  '!': 'runs a shell on the far side',
  g: "sends the query's output to a file or a pipe (a shell) on the far side",
  gx: "sends the query's output to a file or a pipe (a shell) on the far side",
  o: "writes psql's output to a file or pipe on the far side, away from the run log",
  out: "writes psql's output to a file or pipe on the far side, away from the run log",
  w: 'writes the query buffer to a file or pipe on the far side',
  write: 'writes the query buffer to a file or pipe on the far side',
  copy: 'reads or writes files or programs on the far side; put the data in SQL instead',
  cd: 'changes the directory that \\i resolves against',
  setenv: "changes psql's environment on the far side",
  getenv: "reads psql's environment on the far side",
  unset: 'removes a variable (\\unset ON_ERROR_STOP would let the script run on after an error)',
  gexec: "runs the query's result as SQL that nobody reviewed",
  watch: 'repeats a query without end',
  c: 'connects again, to another database or as another user: the read role and the run lock would not hold',
  connect:
    'connects again, to another database or as another user: the read role and the run lock would not hold',
  password: 'changes a password',
  lo_import: 'reads a file on the far side',
  lo_export: 'writes a file on the far side',
  lo_unlink: 'deletes a large object',
  q: 'ends the script early, so the run would look complete',
  quit: 'ends the script early, so the run would look complete',
  prompt: 'reads from the terminal',
  e: 'starts an editor on the far side',
  edit: 'starts an editor on the far side',
  ef: 'starts an editor on the far side',
  ev: 'starts an editor on the far side',
  s: 'writes the history to a file on the far side',
};

/**
 * The file name of an include, by psql's rules for a normal argument: unquoted text up to
 * whitespace; '…' with '' and backslash escapes; "…" kept literally, quotes included.
 */
export function parseIncludeArgument(command: MetaCommand, where: Where): string {
  const fail = (reason: BundleErrorReason, problem: string): never => {
    throw new BundleError({ reason, ...where }, `\\${command.name}: ${problem}`);
  };
  if (command.unterminated) fail('syntax', 'unterminated quoted file name');
  const [file, ...extra] = command.argv;
  if (file === undefined) return fail('syntax', 'no file name');
  if (file.backquote)
    fail('unsupported', 'a backquoted command in a file name runs a shell on the far side');
  if (file.variables.length > 0)
    fail('unsupported', 'a psql variable in a file name cannot be resolved when bundling');
  if (extra.length > 0)
    fail('syntax', `extra argument ${JSON.stringify(extra.map((a) => a.raw).join(' '))}`);
  const name = file.value.replace(/\r$/, '');
  if (name === '') fail('syntax', 'no file name');
  // Bytes as latin1 characters: decode the name as UTF-8.
  return Buffer.from(name, 'latin1').toString('utf8');
}

/** Refuses any meta-command (or argument) outside the allow-list, pointing at it. */
export function checkAllowed(
  command: MetaCommand,
  where: Where,
  origin: CommandOrigin,
  runner: ReadonlySet<string>,
): void {
  const name = command.name;
  const refuse = (problem: string, at?: SlashArgument, hint?: string): never => {
    const column =
      at === undefined || where.column === undefined
        ? where.column
        : where.column + (at.column - command.column);
    throw new BundleError(
      { reason: 'unsupported', ...where, ...(column === undefined ? {} : { column }) },
      `\\${name}: ${problem}`,
      hint,
    );
  };
  const backquoted = command.argv.find((a) => a.backquote);
  if (backquoted !== undefined)
    refuse('a backquoted argument runs a shell on the far side', backquoted);
  if (INCLUDE.has(name)) return; // the bundler expands it (parseIncludeArgument)
  if (command.unterminated)
    refuse('a quote in the arguments is not closed on this line (psql refuses the command)');
  const args = command.argv;
  switch (name) {
    case 'if':
    case 'elif': {
      const [expression, ...extra] = args;
      if (
        expression === undefined ||
        extra.length > 0 ||
        !/^:(?:[a-z][a-z0-9_]*|\{\?[a-z][a-z0-9_]*\})$/.test(expression.raw)
      )
        refuse('expected one variable, :name or :{?name}', expression ?? undefined);
      return;
    }
    case 'else':
    case 'endif':
      if (args.length > 0) refuse('takes no argument', args[0]);
      return;
    case 'gset': {
      const [prefix, ...extra] = args;
      if (extra.length > 0) refuse('takes at most a prefix', extra[0]);
      if (prefix !== undefined && !/^oneroof_[a-z0-9_]*$/.test(prefix.raw))
        refuse(
          `the prefix must be one of the packet's own names (oneroof_…), got ${JSON.stringify(prefix.raw)}`,
          prefix,
        );
      return;
    }
    case 'set':
      return checkSet(args, origin, runner, refuse);
    case 'gdesc':
      // It describes the last query (column names and types) without running it.
      if (origin === 'plan' && args.length === 0) return;
      break;
    case 'echo':
      if (origin === 'plan' && args.every((a) => /^[A-Za-z0-9_.-]+$/.test(a.raw))) return;
      break;
    case 'pset': {
      const setting = args.map((a) => a.raw).join(' ');
      if (origin === 'plan' && /^(?:format (?:un)?aligned|tuples_only (?:on|off))$/.test(setting))
        return;
      break;
    }
    default:
      break;
  }
  const why = WHY[name] ?? WHY[name.toLowerCase()];
  refuse(
    why ?? UNLISTED,
    undefined,
    `a packet may use ${ALLOWED} (sql/README.md, "What a packet may contain")`,
  );
}

function checkSet(
  args: SlashArgument[],
  origin: CommandOrigin,
  runner: ReadonlySet<string>,
  refuse: (problem: string, at?: SlashArgument, hint?: string) => never,
): void {
  const [variable, ...values] = args;
  if (variable === undefined) return refuse('lists every variable; name one to set');
  if (variable.quoted || variable.variables.length > 0 || variable.value !== variable.raw)
    return refuse('the variable name must be written out plainly', variable);
  const name = variable.raw;
  if (name.toUpperCase() === 'ON_ERROR_STOP' && !(name === 'ON_ERROR_STOP' && isOn(values)))
    return refuse(
      'ON_ERROR_STOP stays on: psql stops at the first error only while it is on',
      values[0] ?? variable,
    );
  const fixed =
    PACKET_SETTINGS[name] ?? (origin === 'plan' && name === 'QUIET' ? 'on|off' : undefined);
  if (fixed !== undefined) {
    const value = values.map((v) => v.raw).join(' ');
    if (values.length === 1 && fixed.split('|').includes(value)) return;
    return refuse(`${name} may only be set to ${fixed.split('|').join(' or ')}`, values[0]);
  }
  if (runner.has(name))
    return refuse(
      `${name} is given by oneroof on psql's command line; a packet reads it`,
      variable,
    );
  if (!PACKET_VARIABLE.test(name))
    return refuse(
      `a packet sets only its own variables (oneroof_…, lower case) and ${Object.entries(
        PACKET_SETTINGS,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; got ${JSON.stringify(name)}`,
      variable,
    );
  for (const value of values) {
    if (value.variables.length > 0)
      return refuse('a value may not refer to another variable', value);
    if (value.value.includes('\\'))
      return refuse(
        'a value may not hold a backslash (interpolated as :name, it would be read as a meta-command)',
        value,
      );
  }
}

function isOn(values: SlashArgument[]): boolean {
  return values.length === 1 && values[0]!.raw === 'on';
}
