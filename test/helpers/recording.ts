/**
 * Whole recordings through the parser and the tier tracker that the runner feeds chunk by
 * chunk (src/psql/parse.ts, src/model/tiers.ts): what a test compares a run with.
 */
import { TierTracker, type TierKind, type TierStep } from '../../src/model/tiers.js';
import type { PsqlEvent } from '../../src/psql/events.js';
import { createPsqlParser } from '../../src/psql/parse.js';
import type { PsqlParserOptions } from '../../src/psql/parser-options.js';

/** The longest line an event keeps whole (src/psql/lines.ts), pinned here. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** What a cut line ends with, word for word. */
export const cutNote = (dropped: number): string =>
  ` … [${dropped} more bytes of this line cut here; the whole line is in the .log]`;

/** Parses two complete recordings (stdout first, then stderr: their interleaving is unknown). */
export function parsePsqlOutput(
  output: { stdout: Buffer | string; stderr: Buffer | string },
  options: PsqlParserOptions = {},
): PsqlEvent[] {
  const parser = createPsqlParser(options);
  return [
    ...parser.push('stdout', output.stdout),
    ...parser.push('stderr', output.stderr),
    ...parser.end(),
  ];
}

/** The tier table of one step's events (no tiers expected in advance; open ones unknown). */
export function trackTiers(events: Iterable<PsqlEvent>, kind: TierKind): TierStep[] {
  const tracker = new TierTracker([], kind, () => 0);
  for (const event of events) tracker.take(event);
  tracker.finish();
  return tracker.steps.map(({ durationMs: _durationMs, ...step }) => step);
}
