/**
 * What a user typed comes back in an error bounded and inert: an empty or huge --apr is a usage
 * error (exit 2) before anything is read or contacted, and the message shows at most a prefix.
 */
import { runMain } from '../helpers/in-process.js';
import { describe, expect, it } from 'vitest';

// No inventory to be found: a check that ran after loading it would fail differently.
const run = (argv: string[]) =>
  runMain(argv, { env: { ONEROOF_INVENTORY: '/nonexistent/oneroof-inventory' } });

const HUGE = 'A'.repeat(1_000_000);
const ESC = '\u001b';

const CASES: [name: string, argv: string[], shown: string][] = [
  ['preflight --apr ""', ['preflight', '--target', 'replica', '--apr', ''], 'got ""'],
  ['apply --apr ""', ['apply', '--target', 'replica', '--apr', '', '--yes'], 'got ""'],
  ['replica reset --approve ""', ['replica', 'reset', '--approve', ''], 'got ""'],
  [
    'preflight with a 1 MB --apr',
    ['preflight', '--target', 'replica', '--apr', HUGE],
    `got "${'A'.repeat(40)}"… (1000000 bytes)`,
  ],
  [
    'apply with a 1 MB --apr',
    ['apply', '--target', 'replica', '--apr', HUGE, '--yes'],
    `got "${'A'.repeat(40)}"… (1000000 bytes)`,
  ],
  [
    'replica reset with a 1 MB --approve',
    ['replica', 'reset', '--approve', HUGE],
    `got "${'A'.repeat(40)}"… (1000000 bytes)`,
  ],
  [
    'an --apr with an escape sequence',
    ['preflight', '--target', 'replica', '--apr', `APR${ESC}[2J`],
    'got "APR\\\\u001b[2J"',
  ],
  [
    'a 1 MB --wait',
    ['apply', '--target', 'replica', '--apr', 'A', '--wait', HUGE],
    '… (1000000 bytes)',
  ],
  ['a 1 MB --transport', ['--transport', HUGE, 'targets'], '… (1000000 bytes)'],
  ['a 1 MB unknown option', ['targets', `--${HUGE}`], 'unknown option'],
  ['an unknown option with ESC[2J', ['targets', `--x${ESC}[2J`], "unknown option '--x\\x1b[2J'"],
  [
    'an inventory path with ESC[2J',
    ['--inventory', `/nonexistent/inv${ESC}[2J.yml`, 'targets'],
    'inv\\x1b[2J.yml',
  ],
  [
    'a LOGFILE name with a bidi override',
    ['replay', '/nonexistent/x\u202egol.log'],
    'x\\u202egol.log',
  ],
  [
    'a LOGFILE name with OSC 0 (window title)',
    ['replay', `/nonexistent/${ESC}]0;pwned\u0007.log`],
    '\\x1b]0;pwned\\x07.log',
  ],
];

describe('hostile cli-echo: user input in errors', () => {
  it.each(CASES)('hostile cli-echo: %s', async (_name, argv, shown) => {
    const r = await run(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(shown);
    expect(r.stderr.length).toBeLessThan(2000);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).not.toContain('unexpected failure');
  });
});
