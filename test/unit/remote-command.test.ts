import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { shellJoin, shellQuote } from '../../src/remote/quote.js';
import {
  buildDockerExecLine,
  buildPsqlInvocation,
  CommandLineError,
  type PsqlCommand,
} from '../../src/remote/psql-command.js';

/** The line the runner sends for a psql step (src/runner/step.ts, src/transport/remote-line.ts). */
const psqlLine = (command: PsqlCommand) =>
  buildDockerExecLine(command.container, buildPsqlInvocation(command));

const HOSTILE = [
  "'",
  "a'b",
  '"',
  '$(id)',
  '`id`',
  '; rm -rf /',
  '&& true',
  '| cat',
  '> /tmp/x',
  '$HOME',
  '${PATH}',
  '\\',
  '-v',
  '--help',
  '*',
  '?',
  '~',
  '#comment',
  '!',
  'a b',
  '\t',
  'é漢字🙂',
  "'\\''",
  '%s%n',
  '=',
  '',
];

describe('shellQuote', () => {
  it('leaves plain words readable', () => {
    expect(shellQuote('oneroof-replica')).toBe('oneroof-replica');
    expect(shellQuote('ON_ERROR_STOP=1')).toBe('ON_ERROR_STOP=1');
  });

  it.each(HOSTILE)(
    '%j reaches the program as one inert argument (checked with a real sh)',
    (value) => {
      const line = shellJoin(['printf', '%s\\0', value, 'end']);
      const out = execFileSync('sh', ['-c', line]).toString();
      expect(out).toBe(`${value}\0end\0`);
    },
  );

  it('refuses NUL', () => {
    expect(() => shellQuote('a\u0000b')).toThrow(/NUL/);
  });
});

describe('the psql command line', () => {
  const base = { container: 'postgres', database: 'directus', user: 'workflow_admin' };

  it('is exactly the documented command', () => {
    expect(psqlLine(base)).toBe(
      'docker exec -i postgres psql -X -U workflow_admin -d directus -v ON_ERROR_STOP=1 -f -',
    );
  });

  it('passes values only as psql variables, quoted', () => {
    expect(psqlLine({ ...base, variables: { ratified_apr: "APR-1'; drop table x; --" } })).toBe(
      `docker exec -i postgres psql -X -U workflow_admin -d directus -v ON_ERROR_STOP=1 -f - -v 'ratified_apr=APR-1'\\''; drop table x; --'`,
    );
    expect(
      buildPsqlInvocation({ ...base, variables: { ratified_apr: 'APR-2026-0142' } }).slice(-2),
    ).toEqual(['-v', 'ratified_apr=APR-2026-0142']);
  });

  it.each([
    ['container', '-it'],
    ['container', 'a;b'],
    ['database', 'directus; drop'],
    ['user', '$(id)'],
  ] as const)('refuses a hostile %s %j', (field, value) => {
    expect(() => psqlLine({ ...base, [field]: value })).toThrow(CommandLineError);
  });

  it('refuses control characters in values and bad variable names', () => {
    expect(() => psqlLine({ ...base, variables: { apr: 'a\nb' } })).toThrow(/control characters/);
    expect(() => psqlLine({ ...base, variables: { 'a b': 'x' } })).toThrow(CommandLineError);
    expect(() => psqlLine({ ...base, variables: { ON_ERROR_STOP: '0' } })).toThrow(/ON_ERROR_STOP/);
  });
});
