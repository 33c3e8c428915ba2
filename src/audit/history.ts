/**
 * The run history of a log directory (`oneroof runs`): per run, its start record (the first
 * line: when, what, where, by whom) and its end record (the last line: outcome, exit code) —
 * two reads per run, through the same readers replay uses (./files.ts), never the whole file.
 * That read checks nothing: a run's integrity is "not checked" unless `check` replays it
 * (./replay.ts, the chain, the .log's digests and the signature), and then it is replay's verdict.
 */
import { join } from 'node:path';
import { splitChained } from '../runlog/chain.js';
import { listLogDir, type DirRun } from '../runlog/log-dir.js';
import { parseRecord, type KnownRecord } from '../runlog/records.js';
import { FileBytes, readLines } from './files.js';
import { replayLog } from './replay.js';
import type { IntegrityVerdict } from './report.js';

export interface RunHistoryEntry {
  log: string;
  /** ISO 8601 UTC: the start record's time, else the name's (to the second). */
  startedAt: string;
  command: string;
  target: string | null;
  /** The end record's outcome; null when the records have none (running, or cut short). */
  outcome: string | null;
  exitCode: number | null;
  durationMs: number | null;
  /** ISO 8601 UTC: the end record's time; null without one. */
  endedAt: string | null;
  signature: 'present' | 'absent';
  /** 'not-checked', or replay's verdict: verified, signed, unsigned, tampered. */
  integrity: 'not-checked' | 'unreadable' | IntegrityVerdict;
}

/** The file's name says rollout for an apply (the seed's name). */
const COMMAND_OF_KIND: Record<string, string> = { rollout: 'apply', reader: 'reader setup' };

/** A run's end record is a few KB; a tail this long holds it whole. */
const TAIL = 256 * 1024;

export async function runHistory(
  dir: string,
  options: { target?: string; last?: number; check?: boolean },
): Promise<RunHistoryEntry[]> {
  const out: RunHistoryEntry[] = [];
  for (const run of listLogDir(dir).runs) {
    if (run.files.records === undefined) continue; // not a oneroof run: a hand-made log
    const entry = summarize(dir, run);
    if (options.target !== undefined && entry.target !== options.target) continue;
    if (options.check) entry.integrity = await integrityOf(join(dir, run.files.records));
    out.push(entry);
    if (options.last !== undefined && out.length >= options.last) break;
  }
  return out;
}

function summarize(dir: string, run: DirRun): RunHistoryEntry {
  const records = join(dir, run.files.records!);
  const start = readRecord(firstLine(records), 'start');
  const end = readRecord(lastLine(records), 'end');
  const kind = run.base.slice(0, run.base.indexOf('_'));
  return {
    log: join(dir, run.files.log ?? run.files.records!),
    startedAt: start?.time ?? run.at.toISOString(),
    command: COMMAND_OF_KIND[kind] ?? kind,
    target: start?.record.name === 'start' ? start.record.fields.target : null,
    outcome: end?.record.name === 'end' ? (end.record.fields.outcome ?? null) : null,
    exitCode: end?.record.name === 'end' ? (end.record.fields.exitCode ?? null) : null,
    durationMs: end?.record.name === 'end' ? (end.record.fields.durationMs ?? null) : null,
    endedAt: end?.time ?? null,
    signature: run.files.signature === undefined ? 'absent' : 'present',
    integrity: 'not-checked',
  };
}

export function readRecord(
  line: Buffer | undefined,
  name: 'start' | 'end',
): { record: KnownRecord; time: string | undefined } | undefined {
  const split = line === undefined ? undefined : splitChained(line);
  if (split === undefined) return undefined;
  try {
    const json = JSON.parse(`${split.body.toString('utf8')}}`) as Record<string, unknown>;
    if (json.record !== name) return undefined;
    const record = parseRecord(name, json);
    if ('error' in record) return undefined;
    return { record, time: typeof json.time === 'string' ? json.time : undefined };
  } catch {
    return undefined;
  }
}

export function firstLine(path: string): Buffer | undefined {
  for (const line of readLines(path, 64 * 1024)) return line.terminated ? line.bytes : undefined;
  return undefined;
}

/** The last complete line of the file (ended by LF), read from its tail only. */
function lastLine(path: string): Buffer | undefined {
  const file = new FileBytes(path);
  try {
    const length = Math.min(file.size, TAIL);
    const buffer = Buffer.alloc(length);
    const got = file.read(buffer, length, file.size - length);
    const tail = buffer.subarray(0, got);
    if (tail.length === 0 || tail[tail.length - 1] !== 0x0a) return undefined;
    const from = tail.lastIndexOf(0x0a, tail.length - 2);
    if (from < 0 && length < file.size) return undefined;
    return tail.subarray(from + 1, tail.length - 1);
  } finally {
    file.close();
  }
}

async function integrityOf(records: string): Promise<RunHistoryEntry['integrity']> {
  try {
    return (await replayLog({ path: records })).integrity.verdict;
  } catch {
    return 'unreadable';
  }
}
