/**
 * Where an installed oneroof and a clone look for their inventory and put their logs
 * (src/commands/locations.ts, README: Install). The package root is given explicitly, so both
 * cases are tried from this clone.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultInventory, defaultLogDir, isClone } from '../../src/commands/locations.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { runMain } from '../helpers/in-process.js';
import { tempDir } from '../helpers/tmp.js';

describe('locations', () => {
  it('this checkout is a clone; a folder without .git is not', async () => {
    expect(isClone()).toBe(true);
    expect(isClone(await tempDir())).toBe(false);
  });

  it('logs installed: XDG_STATE_HOME when absolute (the spec), else ~/.local/state', () => {
    const installed = (env: NodeJS.ProcessEnv) => defaultLogDir({ cwd: '/w', env, clone: false });
    expect(installed({ XDG_STATE_HOME: '/s', HOME: '/h' })).toBe('/s/oneroof/logs');
    expect(installed({ XDG_STATE_HOME: 'rel', HOME: '/h' })).toBe('/h/.local/state/oneroof/logs');
    expect(installed({ HOME: '/h' })).toBe('/h/.local/state/oneroof/logs');
  });

  it('inventory installed: XDG_CONFIG_HOME/oneroof when it exists', async () => {
    const config = await tempDir();
    await mkdir(join(config, 'oneroof'));
    const env = { XDG_CONFIG_HOME: config, HOME: '/nonexistent' };
    expect(defaultInventory({ cwd: await tempDir(), env, clone: false })).toBe(
      join(config, 'oneroof'),
    );
  });

  it('a clone logs to logs/ of the working folder, an install to the state folder', () => {
    const env = { HOME: '/h' };
    expect(defaultLogDir({ cwd: '/w', env, clone: true })).toBe('/w/logs');
    expect(defaultLogDir({ cwd: '/w', env, clone: false })).toBe('/h/.local/state/oneroof/logs');
  });

  it('inventory: ./inventory first, then the config folder, then (a clone only) the shipped one', async () => {
    const cwd = await tempDir();
    const home = await tempDir();
    const env = { HOME: home };
    expect(defaultInventory({ cwd, env, clone: true })).toBe(join(PACKAGE_ROOT, 'inventory'));
    await mkdir(join(home, '.config', 'oneroof'), { recursive: true });
    expect(defaultInventory({ cwd, env, clone: false })).toBe(join(home, '.config', 'oneroof'));
    await mkdir(join(cwd, 'inventory'));
    expect(defaultInventory({ cwd, env, clone: false })).toBe(join(cwd, 'inventory'));
  });

  it('an install with no inventory anywhere: says where it looked and how to start', async () => {
    const cwd = await tempDir();
    const env = { HOME: await tempDir(), XDG_CONFIG_HOME: '/nonexistent/cfg' };
    expect(() => defaultInventory({ cwd, env, clone: false })).toThrow('no inventory found');
    try {
      defaultInventory({ cwd, env, clone: false });
    } catch (error) {
      const hint = (error as { hint?: string }).hint ?? '';
      expect(hint).toContain(join(cwd, 'inventory'));
      expect(hint).toContain('/nonexistent/cfg/oneroof');
      expect(hint).toContain(`cp ${join(PACKAGE_ROOT, 'inventory', 'targets.yml')}`);
      expect(hint).not.toContain(`${PACKAGE_ROOT}/inventory,`);
    }
  });

  it('a command that reads no inventory does not look for one', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'x.log'), 'psql output\n');
    const r = await runMain(['manifest', 'check'], { cwd, env: { ONEROOF_INVENTORY: '' } });
    expect(r.stderr).not.toMatch(/inventory/);
  });
});
