/**
 * The runs in a log directory, newest first: each run's files by part (./run-files.ts), and
 * what in the directory is not a run's (left alone by everything). A name that is not a
 * regular file (a symlink, a folder) is never taken as a run's file: its run is `odd`.
 */
import { readdirSync } from 'node:fs';
import { runFileOf, runStamp, type RunFilePart } from './run-files.js';

export interface DirRun {
  base: string;
  at: Date;
  files: Partial<Record<RunFilePart, string>>;
  /** Names that start like this run's but are not a part oneroof writes, or not regular files. */
  odd: string[];
}

export interface LogDirListing {
  runs: DirRun[];
  /** Names that are no run's at all. */
  others: string[];
}

/** Lists `dir`; an absent directory has no runs. */
export function listLogDir(dir: string): LogDirListing {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], others: [] };
    throw error;
  }
  const runs = new Map<string, DirRun>();
  const others: string[] = [];
  for (const entry of entries) {
    const of = runFileOf(entry.name);
    if (of.base === undefined) {
      others.push(entry.name);
      continue;
    }
    let run = runs.get(of.base);
    if (run === undefined) {
      run = { base: of.base, at: runStamp(of.base).at, files: {}, odd: [] };
      runs.set(of.base, run);
    }
    if (of.part === 'unknown' || !entry.isFile()) run.odd.push(entry.name);
    else run.files[of.part] = entry.name;
  }
  const order = (r: DirRun) => runStamp(r.base).order;
  return {
    runs: [...runs.values()].sort((a, b) => order(b).localeCompare(order(a))),
    others: others.sort(),
  };
}
