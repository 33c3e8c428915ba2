import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exposition } from '../../src/commands/metrics/exposition.js';
import { families } from '../../src/commands/metrics/families.js';
import { previousSuccesses, successKey } from '../../src/commands/metrics/previous.js';
import { failedResult } from '../../src/commands/run/fleet.js';
import type { ReleaseResult } from '../../src/engine/release.js';
import { tempDir } from '../helpers/tmp.js';

function result(over: Partial<ReleaseResult>): ReleaseResult {
  return { ...failedResult('preflight', 'replica', 'x'), ...over };
}

/** What previousSuccesses reads back from a file holding `text`. */
async function readBack(text: string) {
  const file = join(await tempDir(), 'm.prom');
  await writeFile(file, text);
  return (await previousSuccesses(file)).successes;
}

describe('metrics exposition', () => {
  it.each([
    ['a\\b', 'a\\\\b'],
    ['say "hi"', 'say \\"hi\\"'],
    ['two\nlines', 'two\\nlines'],
  ])('hostile metrics-label: %j is escaped', async (raw, escaped) => {
    const text = exposition([
      {
        name: 'oneroof_last_success_timestamp_seconds',
        help: 'h',
        type: 'gauge',
        samples: [{ labels: { command: 'preflight', target: raw }, value: 7 }],
      },
    ]);
    expect(text).toContain(`target="${escaped}"} 7\n`);
    // and it reads back as what it was
    expect((await readBack(text)).get(successKey('preflight', raw))).toBe(7);
  });

  it('writes HELP and TYPE once per family, before its samples', () => {
    const text = exposition(
      families({
        runs: [
          { result: result({ target: 'a', verdict: 'GO' }), seconds: 1.23456 },
          {
            result: result({ target: 'b', exitCode: 3, outcome: 'NO-GO', verdict: 'NO-GO' }),
            seconds: 2,
          },
          {
            result: result({
              target: 'c',
              exitCode: 0,
              runOutcome: 'ok',
              lockWait: { holder: 'oneroof apply x@y pid 1', seconds: 12.5 },
            }),
            seconds: 13,
          },
          { result: result({ target: 'd', exitCode: 0, runOutcome: 'ok' }), seconds: 1 },
        ],
        now: 1_800_000_000,
        waitSeconds: 30,
        previous: new Map(),
      }),
    );
    const lines = text.trimEnd().split('\n');
    const types = lines.filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    expect(lines).toContain('oneroof_verdict{command="preflight",target="a",verdict="go"} 1');
    expect(lines).toContain('oneroof_verdict{command="preflight",target="b",verdict="no-go"} 1');
    expect(lines).toContain('oneroof_verdict{command="preflight",target="b",verdict="go"} 0');
    expect(lines).toContain('oneroof_run_duration_seconds{command="preflight",target="a"} 1.235');
    expect(lines).toContain('oneroof_lock_wait_limit_seconds{command="preflight",target="b"} 30');
    // The wait the server measured; a run that never held the lock has none.
    expect(lines).toContain('oneroof_lock_wait_seconds{command="preflight",target="c"} 12.5');
    expect(lines).toContain('oneroof_lock_wait_seconds{command="preflight",target="d"} 0');
    expect(lines.filter((l) => /^oneroof_lock_wait_seconds\{.*target="[ab]"/.test(l))).toEqual([]);
    // a NO-GO is an answer: it counts as a success
    expect(lines).toContain(
      'oneroof_last_success_timestamp_seconds{command="preflight",target="b"} 1800000000',
    );
    for (const l of lines.filter((x) => !x.startsWith('#')))
      expect(l).toMatch(/^oneroof_[a-z_]+\{[^}]*\} -?[0-9.e+]+$/);
  });

  it('a failed run keeps the last success of the previous file, and only its own', async () => {
    const previous = await readBack(
      [
        '# TYPE oneroof_last_success_timestamp_seconds gauge',
        'oneroof_last_success_timestamp_seconds{command="preflight",target="a"} 1700000000',
        'oneroof_last_success_timestamp_seconds{command="verify",target="a"} 1600000000',
        'oneroof_last_success_timestamp_seconds{command="preflight",target="a" garbage',
      ].join('\n'),
    );
    const text = exposition(
      families({
        runs: [{ result: result({ target: 'a', exitCode: 1, outcome: 'error' }), seconds: 0 }],
        now: 1_800_000_000,
        waitSeconds: 0,
        previous,
      }),
    );
    expect(text).toContain(
      'oneroof_last_success_timestamp_seconds{command="preflight",target="a"} 1700000000\n',
    );
    expect(text).toContain('oneroof_run_exit_code{command="preflight",target="a"} 1\n');
    expect(text).not.toContain('oneroof_verdict');
  });

  it('the state vector is one sample per column and point', () => {
    const text = exposition(
      families({
        runs: [
          {
            result: result({
              state: {
                entry: { text: '0|5', values: [0, 5] },
                exit: { text: '1|5', values: [1, 5] },
              },
              packet: {
                name: 'p',
                version: '1',
                gate: 'g',
                tiers: [],
                rollbacks: [],
                state: [
                  { name: 'approved', label: 'x', volatile: false },
                  { name: 'rows', label: 'y', volatile: false },
                ],
                probes: [],
              },
            }),
            seconds: 0,
          },
        ],
        now: 1,
        waitSeconds: 0,
        previous: new Map(),
      }),
    );
    expect(text).toContain(
      'oneroof_state_value{command="preflight",target="replica",column="approved",at="exit"} 1\n',
    );
    expect(text).toContain(
      'oneroof_state_value{command="preflight",target="replica",column="rows",at="entry"} 5\n',
    );
  });
});
