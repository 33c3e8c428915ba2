/**
 * The anchor line and the commands that write and read it on the target (exact argv: the
 * script is a constant, every value a positional parameter), and which key signs a log.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  anchorLine,
  buildAnchorReadArgv,
  buildAnchorWriteArgv,
  parseAnchorLine,
} from '../../src/runlog/anchor-line.js';
import { findSigningKey } from '../../src/ssh/sign.js';
import type { RunLogSeal } from '../../src/runlog/writer.js';
import { HOSTILE_VALUES } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';

const SEAL: RunLogSeal = {
  run: '0b6f2c1e-2d55-4c1c-9a43-6f1f4e9d2a10',
  name: 'rollout_20261125T113005Z',
  target: 'contabo',
  startedAt: '2026-11-25T11:30:05.123Z',
  paths: {
    output: '/l/rollout_20261125T113005Z.log',
    records: '/l/rollout_20261125T113005Z.jsonl',
  },
  records: 601,
  head: 'ab'.repeat(32),
  log: { bytes: 6713 },
};

describe('the on-target anchor', () => {
  it('one line per run, and back', () => {
    const line = anchorLine(SEAL);
    expect(line).toBe(
      `oneroof-anchor/1 2026-11-25T11:30:05.123Z 0b6f2c1e-2d55-4c1c-9a43-6f1f4e9d2a10 rollout_20261125T113005Z 601 ${'ab'.repeat(32)} 6713`,
    );
    expect(parseAnchorLine(line)).toEqual({
      startedAt: SEAL.startedAt,
      run: SEAL.run,
      name: SEAL.name,
      records: 601,
      head: SEAL.head,
      log: { bytes: 6713 },
    });
    expect(parseAnchorLine(line.replace('601', 'x'))).toBeUndefined();
    expect(parseAnchorLine(`${line} extra`)).toBeUndefined();
  });

  it('is written and read by constant scripts; the line and the run id are parameters', () => {
    expect(buildAnchorWriteArgv('L')).toEqual([
      'sh',
      '-c',
      [
        'set -u',
        'd="${PGDATA:-/var/lib/postgresql/data}/oneroof"',
        'umask 022',
        'mkdir -p "$d" || exit 125',
        'printf \'%s\\n\' "$1" >> "$d/anchors" || exit 125',
        'printf \'%s\\n\' "$d/anchors"',
      ].join('\n'),
      'oneroof-anchor',
      'L',
    ]);
    expect(buildAnchorReadArgv(SEAL.run)).toEqual([
      'sh',
      '-c',
      [
        'set -u',
        'f="${PGDATA:-/var/lib/postgresql/data}/oneroof"/anchors',
        'printf \'%s\\n\' "$f" >&2',
        '[ -f "$f" ] || exit 3',
        'grep -F -e " $1 " -- "$f"',
      ].join('\n'),
      'oneroof-anchor',
      SEAL.run,
    ]);
  });

  it('refuses a field that is not a plain token (nothing reaches a shell unquoted anyway)', () => {
    for (const hostile of HOSTILE_VALUES.filter((v) => !/^[A-Za-z0-9._:+/-]+$/.test(v))) {
      expect(() => anchorLine({ ...SEAL, name: hostile })).toThrow(RangeError);
      expect(() => buildAnchorReadArgv(hostile)).toThrow(RangeError);
    }
  });
});

describe('which key signs a log', () => {
  it('ONEROOF_SIGNING_KEY, else the target’s identity files, else the default keys, else none', async () => {
    const home = await tempDir('oneroof-home-');
    mkdirSync(join(home, '.ssh'));
    const identity = join(home, 'deploy_key');
    expect(findSigningKey({}, [identity], home)).toBeUndefined();
    writeFileSync(join(home, '.ssh', 'id_rsa'), '');
    expect(findSigningKey({}, [identity], home)).toBe(join(home, '.ssh', 'id_rsa'));
    writeFileSync(`${identity}.pub`, '');
    expect(findSigningKey({}, [identity], home)).toBe(identity);
    expect(findSigningKey({ ONEROOF_SIGNING_KEY: '/k' }, [identity], home)).toBe('/k');
  });
});
