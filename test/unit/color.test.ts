import { describe, expect, it } from 'vitest';
import { colorModeOf, parseColorMode, useColor } from '../../src/commands/color.js';
import { Ui, type Io } from '../../src/commands/io.js';
import type { ColorMode } from '../../src/commands/color.js';

const tty = { isTTY: true };
const file = { isTTY: false };

function twoStreams(outTTY: boolean, errTTY: boolean, env: NodeJS.ProcessEnv, color?: ColorMode) {
  const out = { stdout: '', stderr: '' };
  const io: Io = {
    stdout: { write: (t: string) => (out.stdout += t), isTTY: outTTY },
    stderr: { write: (t: string) => (out.stderr += t), isTTY: errTTY },
    env,
    cwd: '/',
  };
  const ui = new Ui(io, { quiet: false, verbose: false, ...(color ? { color } : {}) });
  ui.out(`${ui.bold('result')}\n`);
  ui.info(`${ui.red('FAIL')} x`);
  return out;
}

describe('colour, decided per stream', () => {
  it.each([
    ['auto on a terminal', 'auto', tty, {}, true],
    ['auto in a file', 'auto', file, {}, false],
    ['auto with TERM=dumb', 'auto', tty, { TERM: 'dumb' }, false],
    ['NO_COLOR=1', 'auto', tty, { NO_COLOR: '1' }, false],
    ['NO_COLOR empty is not set (no-color.org)', 'auto', tty, { NO_COLOR: '' }, true],
    ['FORCE_COLOR=1 in a file', 'auto', file, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR empty in a file', 'auto', file, { FORCE_COLOR: '' }, true],
    ['FORCE_COLOR=0 on a terminal', 'auto', tty, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR=false on a terminal', 'auto', tty, { FORCE_COLOR: 'false' }, false],
    ['NO_COLOR wins over FORCE_COLOR', 'auto', file, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
    ['--color=always in a file, NO_COLOR set', 'always', file, { NO_COLOR: '1' }, true],
    ['--color=never on a terminal', 'never', tty, { FORCE_COLOR: '1' }, false],
  ] as const)('%s', (_, mode, stream, env, expected) => {
    expect(useColor(mode, stream, env)).toBe(expected);
  });

  it('stdout to a file and stderr on a terminal: codes on stderr only', () => {
    const out = twoStreams(false, true, {});
    expect(out.stdout).toBe('result\n');
    expect(out.stderr).toBe('\u001b[31mFAIL\u001b[0m x\n');
  });

  it('stdout on a terminal and stderr to a file: codes on stdout only', () => {
    const out = twoStreams(true, false, {});
    expect(out.stdout).toBe('\u001b[1mresult\u001b[0m\n');
    expect(out.stderr).toBe('FAIL x\n');
  });

  it('--color=always writes the codes into files; never keeps them off terminals', () => {
    expect(twoStreams(false, false, {}, 'always').stdout).toContain('\u001b[1m');
    const never = twoStreams(true, true, {}, 'never');
    expect(never.stdout + never.stderr).not.toContain('\u001b');
  });

  it('the mode as typed: --color X and --color=X, the last one counts', () => {
    expect(colorModeOf(['apply', '--color', 'never'])).toBe('never');
    expect(colorModeOf(['--color=always', 'x', '--color=never'])).toBe('never');
    expect(colorModeOf(['--color=sometimes'])).toBe('auto');
    expect(parseColorMode(undefined)).toBe('auto');
  });

  it('hostile color-flag: a bad --color value is a usage error naming it', () => {
    expect(() => parseColorMode('rainbow')).toThrow(
      /--color: expected one of auto, always, never, got "rainbow"/,
    );
  });
});
