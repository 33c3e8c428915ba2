/**
 * `oneroof logs prune`: which runs of a log directory go, and removing them. A run goes whole —
 * its .log, records, signature (src/runlog/run-files.ts) — and only when every file of it is one
 * oneroof writes, a regular file, and its records begin with a start record. Never a run in
 * progress: its writer (the start record's pid, on this host) still alive, or its signature
 * being written. Only names read from the directory itself are removed, never through a
 * symlink: the directory is checked as the writer checks it, and again before each removal.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OneroofError } from '../errors.js';
import { listLogDir, type DirRun } from '../runlog/log-dir.js';
import { refuseUnsafeDir } from '../runlog/log-files.js';
import { firstLine, readRecord } from './history.js';

export interface PruneRule {
  /** Keep the newest N runs. */
  keep?: number;
  /** Remove only runs that started before this. */
  olderThan?: Date;
}

export interface PrunePlan {
  remove: DirRun[];
  /** Runs the rule would remove that are left alone, and why. */
  spared: { run: DirRun; why: string }[];
  kept: number;
}

export function planPrune(dir: string, rule: PruneRule): PrunePlan {
  refuseUnsafeDir(dir, 'before', 'nothing was removed');
  const { runs } = listLogDir(dir);
  const plan: PrunePlan = { remove: [], spared: [], kept: 0 };
  runs.forEach((run, index) => {
    const byKeep = rule.keep === undefined || index >= rule.keep;
    const byAge = rule.olderThan === undefined || run.at < rule.olderThan;
    if (!(byKeep && byAge)) return void plan.kept++;
    const why = unremovable(dir, run);
    if (why === undefined) plan.remove.push(run);
    else plan.spared.push({ run, why });
  });
  return plan;
}

function unremovable(dir: string, run: DirRun): string | undefined {
  if (run.odd.length > 0)
    return `files it does not recognise (not a name oneroof writes, or not a regular file): ${run.odd.join(', ')}`;
  if (run.files.signing !== undefined) return 'its signature is being written';
  if (run.files.records === undefined) return 'no records file: not a run oneroof wrote whole';
  const start = readRecord(firstLine(join(dir, run.files.records)), 'start');
  if (start?.record.name !== 'start') return 'its records do not begin with a start record';
  const { by, pid } = start.record.fields;
  if (pid !== undefined && by?.host === hostname() && alive(pid))
    return `in progress (its writer, pid ${pid}, is running)`;
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the planned runs; the names removed. Records last: a cut prune is finished later. */
export function applyPrune(dir: string, plan: PrunePlan): string[] {
  const removed: string[] = [];
  if (plan.remove.length === 0) return removed;
  const home = lstatSync(dir);
  for (const run of plan.remove) {
    const { signature, log, records } = run.files;
    for (const name of [signature, log, records]) {
      if (name === undefined) continue;
      const now = lstatSync(dir);
      if (now.ino !== home.ino || now.dev !== home.dev || !now.isDirectory())
        throw new OneroofError('runtime', `log directory ${dir} changed while pruning; stopped`);
      const path = join(dir, name);
      if (!lstatSync(path).isFile())
        throw new OneroofError('runtime', `${path} is no longer a regular file; stopped`);
      unlinkSync(path);
      removed.push(name);
    }
  }
  return removed;
}
