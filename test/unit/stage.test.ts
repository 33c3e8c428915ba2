/**
 * The staging script, run by a real `sh` with real coreutils (the same tools the containers
 * have): psql's stand-in only starts when the bytes arrived whole.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildStagedArgv,
  STAGE_EXIT_FAILED,
  STAGE_EXIT_INCOMPLETE,
  type StagedPayload,
} from '../../src/remote/stage.js';
import { tempDir } from '../helpers/tmp.js';

const PROGRAM = ['sh', '-c', 'echo started; cat; exit 3'];

function payloadOf(bytes: Buffer): StagedPayload {
  return { length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function run(announced: StagedPayload, sent: Buffer) {
  const tmp = await tempDir('oneroof-stage-');
  const [cmd, ...args] = buildStagedArgv(PROGRAM, announced);
  const result = spawnSync(cmd!, args, {
    input: sent,
    env: { PATH: process.env.PATH, TMPDIR: tmp },
  });
  return { ...result, leftovers: readdirSync(tmp) };
}

describe('staged execution', () => {
  const script = Buffer.from(
    'BEGIN;\nDELETE FROM t WHERE id = 5;\nCOMMIT;\n-- é漢字\n\u0000\u00ff',
  );

  it('runs the program on exactly the announced bytes, keeps its exit code, leaves nothing', async () => {
    const r = await run(payloadOf(script), script);
    expect(r.status).toBe(3);
    expect(r.stdout.toString('latin1')).toBe('started\n' + script.toString('latin1'));
    expect(r.leftovers).toEqual([]);
  });

  it.each([0, 1, 7, 8, 16, script.length - 1])(
    'a stream cut after %i bytes never starts the program',
    async (cut) => {
      const r = await run(payloadOf(script), script.subarray(0, cut));
      expect(r.status).toBe(STAGE_EXIT_INCOMPLETE);
      expect(r.stdout.toString()).toBe('');
      expect(r.stderr.toString()).toContain(
        `received ${cut} of ${script.length} bytes; nothing was run`,
      );
      expect(r.leftovers).toEqual([]);
    },
  );

  it('refuses extra bytes and altered bytes of the right length', async () => {
    const longer = await run(payloadOf(script), Buffer.concat([script, Buffer.from('x')]));
    expect(longer.status).toBe(STAGE_EXIT_INCOMPLETE);
    const altered = Buffer.from(script);
    altered[10] = altered[10]! ^ 1;
    const r = await run(payloadOf(script), altered);
    expect(r.status).toBe(STAGE_EXIT_INCOMPLETE);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr.toString()).toMatch(
      /sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; nothing was run/,
    );
  });

  const zipped = gzipSync(script);

  it('decodes a gzip stream as it arrives and runs the program on the decoded bytes', async () => {
    const r = await run({ ...payloadOf(script), encoding: 'gzip' }, zipped);
    expect(r.status).toBe(3);
    expect(r.stdout.toString('latin1')).toBe('started\n' + script.toString('latin1'));
    expect(r.leftovers).toEqual([]);
  });

  // (A cut inside the gzip trailer can decode whole: then psql would read exactly the announced
  // bytes, which is what the check is for. The cases here cut the compressed data itself.)
  it.each([0, 1, 10, 20, 40])(
    'fault cut-stream: a gzip stream cut after %i bytes never starts the program',
    async (cut) => {
      const r = await run({ ...payloadOf(script), encoding: 'gzip' }, zipped.subarray(0, cut));
      expect(r.status).toBe(STAGE_EXIT_INCOMPLETE);
      expect(r.stdout.toString()).toBe('');
      expect(r.stderr.toString()).toMatch(
        new RegExp(`received \\d+ of ${script.length} bytes; nothing was run`),
      );
      expect(r.leftovers).toEqual([]);
    },
  );

  it('checks the decoded bytes: a gzip stream of other bytes of the same length is refused', async () => {
    const other = Buffer.from(script);
    other[3] = other[3]! ^ 1;
    const r = await run({ ...payloadOf(script), encoding: 'gzip' }, gzipSync(other));
    expect(r.status).toBe(STAGE_EXIT_INCOMPLETE);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr.toString()).toMatch(/sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
  });

  it('hostile stage-encoding: an encoding it does not know runs nothing', () => {
    const [cmd, ...args] = buildStagedArgv(PROGRAM, payloadOf(script));
    args[5] = '$(touch x)';
    const r = spawnSync(cmd!, args, { input: script });
    expect(r.status).toBe(STAGE_EXIT_FAILED);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr.toString()).toContain(
      'oneroof-stage: unknown encoding $(touch x); nothing was run',
    );
  });

  it('passes hostile arguments to the program untouched (positional, never spliced)', () => {
    const hostile = ["'; touch /tmp/x; '", '$(id)', '`id`', '-v', 'a\nb'];
    const empty = Buffer.alloc(0);
    const [cmd, ...args] = buildStagedArgv(['printf', '%s\\0', ...hostile], payloadOf(empty));
    const r = spawnSync(cmd!, args, { input: empty });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(hostile.map((h) => `${h}\0`).join(''));
  });

  it('validates what it announces', () => {
    expect(() => buildStagedArgv(PROGRAM, { length: -1, sha256: 'a'.repeat(64) })).toThrow(
      RangeError,
    );
    expect(() => buildStagedArgv(PROGRAM, { length: 1, sha256: 'A'.repeat(64) })).toThrow(
      RangeError,
    );
    expect(() => buildStagedArgv([], payloadOf(script))).toThrow(RangeError);
  });
});
