/**
 * docs/day.md as data, for test/integration/day.test.ts: the commands the page shows and the
 * output it quotes under each. In a ```console block a line `$ COMMAND` is a command, the lines
 * after it (up to the next `$ `) are its quoted output, `…` marks lines left out; in a
 * ```crontab block each line is a crontab entry, run as the command after its five time fields.
 * Other blocks (alert rules, config) are not run. Quoted output and real output are compared
 * after the same normalisation: times, stamps, durations, digests, ports, fingerprints.
 */
import { readFileSync } from 'node:fs';

export interface Step {
  /** The command line as the page shows it. */
  command: string;
  /** The page's line number of the command (1-based). */
  line: number;
  /** The quoted output lines (the `…` lines dropped). */
  excerpt: string[];
}

const FENCE = /^```(\w*)\s*$/;

export function pageSteps(file: string): Step[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const steps: Step[] = [];
  let block: string | undefined;
  lines.forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (fence) {
      block = block === undefined ? fence[1] : undefined;
      return;
    }
    if (block === 'console') {
      if (text.startsWith('$ '))
        steps.push({ command: text.slice(2), line: index + 1, excerpt: [] });
      else if (text.trim() !== '' && text.trim() !== '…') steps.at(-1)?.excerpt.push(text);
    } else if (block === 'crontab' && text.trim() !== '' && !text.startsWith('#')) {
      const entry = /^(?:\S+\s+){5}(.+)$/.exec(text);
      if (!entry) throw new Error(`${file}:${index + 1}: not a crontab entry: ${text}`);
      steps.push({ command: entry[1]!, line: index + 1, excerpt: [] });
    }
  });
  return steps;
}

const ESC = String.fromCharCode(27);
const RULES: [RegExp, string][] = [
  [new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), ''],
  [/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, '<time>'],
  [/\d{8}T\d{6}Z/g, '<stamp>'],
  [/SHA256:[A-Za-z0-9+/=]{20,}/g, '<fingerprint>'],
  [/\b[0-9a-f]{12,}\b/g, '<hex>'],
  [/127\.0\.0\.1:\d+/g, '<peer>'],
  [/\b\d+(?:\.\d+)?\s?(?:ms|s)\b/g, '<duration>'],
  [/\bpid \d+/g, 'pid <n>'],
  [/\b\d+ bytes\b/g, '<n> bytes'],
  [/\s+/g, ' '],
];

/** One line as the comparison sees it. */
function normalise(line: string): string {
  return RULES.reduce((text, [pattern, by]) => text.replace(pattern, by), line).trim();
}

const STAMP = /\d{8}T\d{6}Z/g;

/**
 * Compares the quoted lines with the output: the lines no output line matches (after
 * normalisation), and for those that match, each run-log stamp the page quotes with the stamp
 * the real line has in its place (so a later command that names a log the page quoted runs on
 * the real one).
 */
export function compare(
  excerpt: string[],
  output: string,
): { missing: string[]; stamps: Map<string, string> } {
  const real = new Map(output.split(/\r?\n/).map((line) => [normalise(line), line]));
  const stamps = new Map<string, string>();
  const missing: string[] = [];
  for (const line of excerpt) {
    const match = real.get(normalise(line));
    if (match === undefined) {
      missing.push(line);
      continue;
    }
    const theirs = match.match(STAMP) ?? [];
    (line.match(STAMP) ?? []).forEach((stamp, i) => stamps.set(stamp, theirs[i]!));
  }
  return { missing, stamps };
}

/** A command of the page with each quoted log stamp replaced by the real one. */
export function withStamps(command: string, stamps: Map<string, string>): string {
  return command.replace(STAMP, (stamp) => {
    const real = stamps.get(stamp);
    if (real === undefined)
      throw new Error(
        `"${command}" names the log ${stamp}, which no output the page quotes before it showed`,
      );
    return real;
  });
}
