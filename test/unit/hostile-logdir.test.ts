/**
 * The log directory is where a run's evidence goes: a symlink planted in its place (`logs ->
 * /etc`) is refused, naming where it points, and so is a directory others may write in or that
 * another user owns — before any file is created, exit 2.
 */
import { chmodSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import { RunLog } from '../../src/runlog/writer.js';
import { tempDir } from '../helpers/tmp.js';

function refused(dir: string): OneroofError {
  try {
    RunLog.open({ dir, kind: 'rollout', target: 'replica' }).close();
  } catch (error) {
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as OneroofError).exitCode).toBe(2);
    return error as OneroofError;
  }
  return expect.unreachable('the log directory was accepted');
}

describe('hostile log-dir: where the logs go', () => {
  it('hostile log-dir: a symlink to /etc is refused, naming its target', async () => {
    const base = await tempDir();
    symlinkSync('/etc', join(base, 'logs'));
    const error = refused(join(base, 'logs'));
    expect(error.message).toContain(`log directory ${join(base, 'logs')}: a symlink (to /etc)`);
    expect(error.hint).toContain('--log-dir /etc');
  });

  it('hostile log-dir: a symlink to a directory of ours is refused too, and nothing is written', async () => {
    const base = await tempDir();
    mkdirSync(join(base, 'real'));
    symlinkSync(join(base, 'real'), join(base, 'logs'));
    refused(join(base, 'logs'));
    expect(readdirSync(join(base, 'real'))).toEqual([]);
  });

  it('hostile log-dir: a dangling symlink is refused, not created through', async () => {
    const base = await tempDir();
    symlinkSync(join(base, 'nowhere'), join(base, 'logs'));
    expect(refused(join(base, 'logs')).message).toContain('a symlink');
    expect(readdirSync(base)).toEqual(['logs']);
  });

  it('hostile log-dir: a world-writable directory is refused', async () => {
    const base = await tempDir();
    const dir = join(base, 'logs');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(refused(dir).message).toContain('writable by every user (mode 777)');
    chmodSync(dir, 0o1777);
    expect(refused(dir).message).toContain('mode 1777');
  });

  it('hostile log-dir: the real directory behind a symlinked parent is accepted', async () => {
    const base = await tempDir();
    mkdirSync(join(base, 'data'));
    symlinkSync(join(base, 'data'), join(base, 'var'));
    const log = RunLog.open({ dir: join(base, 'var', 'logs'), kind: 'rollout', target: 'replica' });
    log.close();
    expect(readdirSync(join(base, 'data', 'logs')).length).toBe(2);
  });
});
