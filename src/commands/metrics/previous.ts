/**
 * The last-success timestamps of the metrics file a previous run wrote: a failed run keeps
 * them (node_exporter has no memory; the file is the only state between two cron runs). Only
 * our own family is read; a file that is missing, unreadable or not ours is no history, and
 * says so — the run is not failed for it.
 */
import { readCheckedText, type FileKind } from '../../bounded-file.js';

export const LAST_SUCCESS = 'oneroof_last_success_timestamp_seconds';

const METRICS_FILE: FileKind = { what: 'metrics file', maxBytes: 4 * 1024 * 1024 };

/** `command target` → seconds since the epoch. */
export type Successes = Map<string, number>;

export function successKey(command: string, target: string): string {
  return `${command}\u0000${target}`;
}

/** The previous file's successes; a warning when it exists and could not be read. */
export async function previousSuccesses(
  path: string,
): Promise<{ successes: Successes; warning?: string }> {
  let text: string;
  try {
    text = await readCheckedText(path, METRICS_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { successes: new Map() };
    return {
      successes: new Map(),
      warning: `${path}: the previous last-success times could not be read (${(error as Error).message})`,
    };
  }
  return { successes: parseSuccesses(text) };
}

/** The `oneroof_last_success_timestamp_seconds{command="…",target="…"} N` lines of a file. */
function parseSuccesses(text: string): Successes {
  const out: Successes = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${LAST_SUCCESS}{`)) continue;
    const parsed = parseSample(line.slice(LAST_SUCCESS.length));
    if (parsed === undefined) continue;
    const { labels, value } = parsed;
    if (labels.command === undefined || labels.target === undefined) continue;
    if (!Number.isFinite(value) || value < 0) continue;
    out.set(successKey(labels.command, labels.target), value);
  }
  return out;
}

/** `{a="x",b="y\"z"} 12.5` → labels and value; undefined for anything else. */
function parseSample(rest: string): { labels: Record<string, string>; value: number } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  while (rest[i] !== '}') {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*="/.exec(rest.slice(i));
    if (!name) return undefined;
    i += name[0].length;
    let value = '';
    for (;;) {
      const c = rest[i++];
      if (c === undefined) return undefined;
      if (c === '"') break;
      if (c !== '\\') value += c;
      else {
        const e = rest[i++];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else return undefined;
      }
    }
    labels[name[0].slice(0, -2)] = value;
    if (rest[i] === ',') i++;
    else if (rest[i] !== '}') return undefined;
  }
  const value = rest.slice(i + 1).trim();
  if (!/^[0-9.eE+-]+$/.test(value)) return undefined;
  return { labels, value: Number(value) };
}
