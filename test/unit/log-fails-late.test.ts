/**
 * A log that fails after the run was judged: in its end record, in its last fsync, or in a
 * record written after the main session ended. The run is never exit 0 on such a log: its
 * result says `log-failed`, names what the run itself ended as, and the log is neither
 * anchored nor signed. The disk faults are injected at node:fs (the real disk-full run:
 * test/integration/faults.test.ts, `fault log-disk-full`), so each lands on the one write it
 * names, every time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runRelease, type ReleaseOptions } from '../../src/engine/release.js';
import { runReaderSetup } from '../../src/engine/reader.js';
import { readerScript } from '../../src/model/reader-lines.js';
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { notice, PACKET, PsqlLikeTransport, STATE, target } from '../helpers/psql-like.js';
import { tempDir } from '../helpers/tmp.js';

/** Which write fails: the first record whose line matches, or the nth fsync (1: the .log's). */
const fault = vi.hoisted(() => ({
  record: undefined as RegExp | undefined,
  fsync: 0,
  fsyncs: 0,
  hits: 0,
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const failed = (code: string, call: string) =>
    Object.assign(new Error(`${code}: injected fault, ${call}`), { code });
  const writeSync = (fd: number, buffer: unknown, ...rest: unknown[]): number => {
    if (
      fault.record !== undefined &&
      Buffer.isBuffer(buffer) &&
      fault.record.test(buffer.toString())
    ) {
      fault.hits++;
      throw failed('ENOSPC', 'write');
    }
    return (fs.writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
  };
  const fsyncSync = (fd: number): void => {
    if (++fault.fsyncs === fault.fsync) {
      fault.hits++;
      throw failed('EIO', 'fsync');
    }
    fs.fsyncSync(fd);
  };
  return { ...fs, default: { ...fs, writeSync, fsyncSync }, writeSync, fsyncSync };
});

beforeEach(() => {
  fault.record = undefined;
  fault.fsync = 0;
  fault.fsyncs = 0;
  fault.hits = 0;
});

const ok = { kind: 'exit', code: 0 } as const;
const EXIT_STATE =
  'ONEROOF PROBE state_vector_exit BEGIN\n1|210|0|0|5|0\nONEROOF PROBE state_vector_exit END\n';
const TIERS = SHIPPED_PACKET.tiers
  .map(
    (t) =>
      notice(`ONEROOF TIER ${t.tier} BEGIN ${t.name}`) +
      notice(`ONEROOF TIER ${t.tier} COMMIT ${t.name}`),
  )
  .join('');

/** A whole apply that commits every tier and whose verify passes, as psql would say it. */
async function apply(extra: Partial<ReleaseOptions> = {}) {
  const transport = new PsqlLikeTransport(() => ({
    stdout: STATE('1|0|210|0|0|0') + EXIT_STATE,
    stderr: TIERS + notice('ONEROOF VERIFY PASS'),
    end: ok,
  }));
  const options = await where(transport);
  const result = await runRelease('apply', { ...options, apr: 'APR-2026-0142', ...extra });
  return { result, transport, logDir: options.logDir };
}

/** The scripted target, a fresh log folder, the shipped packet. */
async function where(transport: PsqlLikeTransport) {
  return { target, transport, logDir: await tempDir(), packet: PACKET };
}

/** The records on disk: their names, in order (a torn last line is left out). */
function recordNames(logDir: string): string[] {
  const file = readdirSync(logDir).find((f) => f.endsWith('.jsonl'));
  return readFileSync(join(logDir, file!), 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [(JSON.parse(line) as { record: string }).record];
      } catch {
        return [];
      }
    });
}

describe('a log that fails after the run was judged', () => {
  it('the run itself, without a fault: applied, exit 0, anchored', async () => {
    const { result, transport, logDir } = await apply();
    expect(result).toMatchObject({ exitCode: 0, outcome: 'applied' });
    expect(result.tiers.every((t) => t.status === 'ok')).toBe(true);
    expect(transport.requests.filter((r) => r.argv.includes('oneroof-anchor'))).toHaveLength(1);
    expect(recordNames(logDir).at(-1)).toBe('end');
  });

  it.each([
    ['its end record cannot be written (disk full)', { record: /"record":"end"/ }, false],
    ['the .log cannot be made durable (fsync: EIO)', { fsync: 1 }, false],
    ['the records cannot be made durable after the end (fsync: EIO)', { fsync: 2 }, true],
    ['a record after the main session cannot be written', { record: /"record":"state"/ }, false],
  ])('%s: exit 1, log-failed, never exit 0', async (_, injected, endOnDisk) => {
    Object.assign(fault, injected);
    const { result, transport, logDir } = await apply();
    expect(fault.hits, 'the fault was injected').toBeGreaterThan(0);
    expect(result).toMatchObject({ exitCode: 1, outcome: 'log-failed' });
    expect(result.message).toMatch(/^apply on replica: the log could not be written \(.*\.jsonl: /);
    expect(result.message).toContain(
      'the log is incomplete, though the run was not stopped: it ended applied; committed: 10, 20, 30, 40, 50, 60',
    );
    // The tiers are what the server said: committed, every one.
    expect(result.tiers.every((t) => t.status === 'ok')).toBe(true);
    // Neither anchored nor signed: its head is not that of records on disk.
    expect(transport.requests.filter((r) => r.argv.includes('oneroof-anchor'))).toEqual([]);
    expect(result.audit?.warnings.join('\n')).toMatch(/^unsigned: the log is incomplete/m);
    // Without an end record the log claims no exit code; the records' own fsync failing after
    // it leaves it, its durability unknown, and the run says so.
    expect(recordNames(logDir).at(-1) === 'end').toBe(endOnDisk);
  });

  it('a preflight whose end record cannot be written: exit 1, not GO', async () => {
    fault.record = /"record":"end"/;
    const transport = new PsqlLikeTransport(() => ({
      stdout: STATE('1|0|210|0|0|0'),
      stderr: notice('ONEROOF PREFLIGHT PASS gate.ospa: 1') + notice('ONEROOF PREFLIGHT GO'),
      end: ok,
    }));
    const result = await runRelease('preflight', await where(transport));
    expect(fault.hits).toBe(1);
    expect(result).toMatchObject({ exitCode: 1, outcome: 'log-failed' });
    expect(result.message).toContain('though the run was not stopped: it ended GO');
  });

  it('a Ctrl-C before the main session, then an end record that cannot be written: nothing was run', async () => {
    fault.record = /"record":"end"/;
    const interrupt = new AbortController();
    interrupt.abort();
    const { result, transport } = await apply({ interrupt: interrupt.signal });
    expect(result).toMatchObject({ exitCode: 1, outcome: 'log-failed' });
    expect(result.message).toMatch(/; nothing was run$/);
    expect(transport.requests.filter((r) => r.argv.includes('psql'))).toEqual([]);
  });

  it('reader setup whose end record cannot be written: exit 1, not ready', async () => {
    fault.record = /"record":"end"/;
    const script = readerScript(SHIPPED_PACKET.entries.reader);
    const transport = new PsqlLikeTransport(() => ({
      stderr:
        notice('ONEROOF READER role oneroof_reader created') + notice(`ONEROOF END ${script}`),
      end: ok,
    }));
    const result = await runReaderSetup(await where(transport));
    expect(fault.hits).toBe(1);
    expect(result).toMatchObject({ exitCode: 1, outcome: 'log-failed' });
    expect(result.message).toContain('though the run was not stopped: it ended ready');
    expect(result.audit?.warnings.join('\n')).toMatch(
      /^not anchored on the target: the log is incomplete/m,
    );
  });
});
