/**
 * Whether a stream gets colour, decided per stream (stdout and stderr separately), in this order:
 *   1. `--color always|never`: what the operator asked, on both streams;
 *   2. NO_COLOR present and non-empty (https://no-color.org): no colour;
 *   3. FORCE_COLOR (the convention of Node's own tty and of chalk): `0` or `false` no colour,
 *      any other value (also empty) colour;
 *   4. `auto`: colour when that stream is a terminal and TERM is not `dumb`.
 */
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';

const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** `--color VALUE`, checked: a usage error names what was expected. */
export function parseColorMode(value: string | undefined): ColorMode {
  if (value === undefined) return 'auto';
  if ((COLOR_MODES as readonly string[]).includes(value)) return value as ColorMode;
  throw new OneroofError(
    'usage',
    `--color: expected one of ${COLOR_MODES.join(', ')}, got ${quoteInput(value)}`,
  );
}

export function useColor(
  mode: ColorMode,
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * The mode the command line asks for, read before commander parses it (main()'s error report
 * needs it even when parsing failed): the last `--color X` or `--color=X`; a bad value is auto.
 */
export function colorModeOf(argv: readonly string[]): ColorMode {
  let mode: ColorMode = 'auto';
  argv.forEach((arg, i) => {
    const value = arg.startsWith('--color=')
      ? arg.slice('--color='.length)
      : arg === '--color'
        ? argv[i + 1]
        : undefined;
    if (value !== undefined && (COLOR_MODES as readonly string[]).includes(value))
      mode = value as ColorMode;
  });
  return mode;
}
