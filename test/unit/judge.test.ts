/**
 * The one judge (src/model/judge.ts) on its own: reader setup is one more case of it, with the
 * same exit-code table (EXIT) and the same words as a release run for the same end.
 */
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { summarize, type Findings } from '../../src/model/findings.js';
import { judge, type RunFacts, type RunOutcome } from '../../src/model/judge.js';
import type { ExecEndInfo } from '../../src/runlog/end-record.js';

const SCRIPT = '00_reader_role';

function setup(
  outcome: RunOutcome,
  end: ExecEndInfo,
  findings: Partial<Findings> = {},
  extra: Partial<RunFacts> = {},
) {
  return judge({
    command: 'reader setup',
    target: 'replica',
    main: { outcome, end },
    mainStarted: true,
    cancelled: false,
    findings: { ...summarize([]), endedScripts: [SCRIPT], ...findings },
    dryRun: false,
    setup: { role: 'oneroof_reader', script: SCRIPT, warnings: 0 },
    ...extra,
  });
}

const ok = { kind: 'exit', code: 0 } as const;
const stopped = { kind: 'exit', code: 3 } as const;

describe('the judge of reader setup', () => {
  it('ready: exit 0 when psql ran whole and the reader script said its END', () => {
    expect(setup('ok', ok)).toEqual({
      outcome: 'ready',
      exitCode: EXIT.ok,
      message: 'read role oneroof_reader ready on replica',
    });
  });

  it('ready with warnings says how many, still exit 0', () => {
    const judged = setup('ok', ok, {}, { setup: { role: 'r', script: SCRIPT, warnings: 2 } });
    expect(judged.exitCode).toBe(EXIT.ok);
    expect(judged.message).toBe(
      'read role r ready on replica — but 2 warning(s): it may not be able to log in',
    );
  });

  it('exit 1, never ready, when the reader script never said its END', () => {
    expect(setup('ok', ok, { endedScripts: ['99_run_all'] })).toEqual({
      outcome: 'incomplete',
      exitCode: EXIT.runtime,
      message:
        'reader setup on replica: psql ran the whole stream but the reader script never said ONEROOF END 00_reader_role; the role may not be ready, see the log',
    });
  });

  it('a guard refusal is exit 3 (NO-GO), as for a release', () => {
    expect(setup('sql-error', stopped, { refused: 'role x is a superuser' })).toEqual({
      outcome: 'refused',
      exitCode: EXIT.noGo,
      message: 'refused on replica: role x is a superuser; nothing was mutated',
    });
  });

  it('an error is exit 1 naming it and where', () => {
    const judged = setup('sql-error', stopped, {
      errors: [{ kind: 'error', text: 'permission denied to create role', at: 'reader/x.sql:40' }],
    });
    expect(judged).toEqual({
      outcome: 'sql-error',
      exitCode: EXIT.runtime,
      message:
        'reader setup on replica stopped on an error: permission denied to create role (reader/x.sql:40)',
    });
  });

  it('a lost connection is exit 1 and claims nothing about the transaction', () => {
    const judged = setup('lost', { kind: 'lost', reason: 'socket closed' });
    expect(judged.exitCode).toBe(EXIT.runtime);
    expect(judged.outcome).toBe('lost');
    expect(judged.message).toContain('the far side may still be running');
    expect(judged.message).not.toMatch(/rolled back|ready/);
  });

  it('a log that could not be written is exit 1, whatever psql said', () => {
    const judged = setup('ok', ok, {}, { logFailure: { records: 'r.jsonl', error: 'ENOSPC' } });
    expect(judged.outcome).toBe('log-failed');
    expect(judged.exitCode).toBe(EXIT.runtime);
    // Nothing cancelled it (reader setup never cancels; a release only while its main session
    // runs): it says what the run itself ended as, and that the log is incomplete.
    expect(judged.message).toMatch(
      /^reader setup on replica: the log could not be written \(r\.jsonl: ENOSPC\); the log is incomplete, though the run was not stopped: it ended \S+$/,
    );
  });

  it.each([
    ['not-run', { kind: 'exit', code: 0 }],
    ['psql-failed', { kind: 'exit', code: 2 }],
    ['incomplete', ok],
    ['failed', { kind: 'signal', signal: 'KILL' }],
  ] as const)('%s is exit 1 with the same words as a release run', (outcome, end) => {
    const judged = setup(outcome, end);
    const release = judge({
      command: 'verify',
      target: 'replica',
      main: { outcome, end },
      mainStarted: true,
      cancelled: false,
      findings: summarize([]),
      dryRun: false,
    });
    expect(judged.exitCode).toBe(EXIT.runtime);
    expect(judged.outcome).toBe(release.outcome);
    expect(judged.message).toBe(release.message.replace(/^verify/, 'reader setup'));
  });
});

describe('the judge of a NO-GO a probe raised (the database lacks what the packet reads)', () => {
  const DETAIL =
    'prerequisites: expected what the probe state_vector reads, got missing table public.t';
  const noGo = (detail: string | undefined, checks = ['prerequisites']) =>
    summarize([
      {
        kind: 'message',
        stream: 'stderr',
        raw: ['psql:<stdin>:9: ERROR:  ONEROOF NO-GO: prerequisites'],
        severity: 'ERROR',
        text: `ONEROOF NO-GO: ${checks.join(', ')}`,
        ...(detail === undefined ? {} : { detail }),
      },
      { kind: 'verdict', stream: 'stderr', raw: [], severity: 'ERROR', verdict: 'NO-GO', checks },
    ]);
  const run = (command: RunFacts['command'], findings: Findings) =>
    judge({
      command,
      target: 'replica',
      main: { outcome: 'sql-error', end: stopped },
      mainStarted: true,
      cancelled: false,
      findings,
      dryRun: false,
    });

  it.each(['preflight', 'verify', 'status'] as const)(
    '%s: exit 3, and the one line names what is missing (the DETAIL, without the check)',
    (command) => {
      expect(run(command, noGo(DETAIL))).toEqual({
        outcome: 'NO-GO',
        exitCode: EXIT.noGo,
        message:
          'NO-GO on replica: prerequisites (expected what the probe state_vector reads, got missing table public.t); nothing was mutated',
      });
    },
  );

  it('a NO-GO without a DETAIL names its checks only', () => {
    expect(run('status', noGo(undefined)).message).toBe(
      'NO-GO on replica: prerequisites; nothing was mutated',
    );
  });

  it('the preflight FAIL lines explain a preflight NO-GO: its DETAIL is not repeated', () => {
    const findings = noGo('gate.ospa: expected >= 1, got 0', ['gate.ospa']);
    findings.checks.push({ status: 'FAIL', check: 'gate.ospa', expected: '>= 1', observed: '0' });
    expect(run('preflight', findings).message).toBe(
      'NO-GO on replica: gate.ospa; nothing was mutated',
    );
  });

  it('the DETAIL of an earlier message is not taken for the NO-GO', () => {
    const findings = summarize([
      {
        kind: 'message',
        stream: 'stderr',
        raw: [],
        severity: 'NOTICE',
        text: 'something',
        detail: 'not this',
      },
      {
        kind: 'message',
        stream: 'stderr',
        raw: [],
        severity: 'ERROR',
        text: 'ONEROOF NO-GO: prerequisites',
      },
      {
        kind: 'verdict',
        stream: 'stderr',
        raw: [],
        severity: 'ERROR',
        verdict: 'NO-GO',
        checks: ['prerequisites'],
      },
    ]);
    expect(findings.noGoDetail).toBeNull();
  });
});
