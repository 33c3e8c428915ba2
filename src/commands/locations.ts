/**
 * Where the inventory and the run logs are, for a git clone and for an installed oneroof
 * (README: Install). A clone is a package root that is a git checkout (it holds `.git`, a
 * folder or a worktree's file): there the logs stay in `logs/` of the working folder and the
 * repository's own `inventory/` is the fallback, as the quick start and the tests expect. An
 * installed package (`npm install -g`) has no `.git`: its logs go to the XDG state folder and its
 * inventory is never silently the example it ships.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { OneroofError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { shellQuote } from '../remote/quote.js';

/** True when oneroof runs from a git checkout of itself (not from an npm install). */
export function isClone(root = PACKAGE_ROOT): boolean {
  return existsSync(join(root, '.git'));
}

/** An XDG base folder: the variable when it is an absolute path (the spec), else ~/<fallback>. */
function xdgHome(env: NodeJS.ProcessEnv, variable: string, fallback: string): string {
  const value = env[variable];
  if (value !== undefined && isAbsolute(value)) return value;
  return join(env.HOME ?? homedir(), fallback);
}

/** `$XDG_STATE_HOME/oneroof/logs` (default ~/.local/state/oneroof/logs). */
function stateLogDir(env: NodeJS.ProcessEnv): string {
  return join(xdgHome(env, 'XDG_STATE_HOME', '.local/state'), 'oneroof', 'logs');
}

/** `$XDG_CONFIG_HOME/oneroof` (default ~/.config/oneroof): the installed inventory folder. */
function configInventory(env: NodeJS.ProcessEnv): string {
  return join(xdgHome(env, 'XDG_CONFIG_HOME', '.config'), 'oneroof');
}

export interface Places {
  cwd: string;
  env: NodeJS.ProcessEnv;
  clone: boolean;
}

/** The default log folder: `logs/` of the working folder in a clone, the XDG one installed. */
export function defaultLogDir(places: Places): string {
  return places.clone ? resolve(places.cwd, 'logs') : stateLogDir(places.env);
}

/**
 * The inventory when neither --inventory nor ONEROOF_INVENTORY names one: `inventory/` of the
 * working folder, then the XDG config folder, then (a clone only) the repository's own. When
 * none is there: a configuration error that says where it looked and how to start.
 */
export function defaultInventory(places: Places): string {
  const candidates = [resolve(places.cwd, 'inventory'), configInventory(places.env)];
  if (places.clone) candidates.push(join(PACKAGE_ROOT, 'inventory'));
  const found = candidates.find((path) => existsSync(path));
  if (found !== undefined) return found;
  const config = configInventory(places.env);
  const example = join(PACKAGE_ROOT, 'inventory', 'targets.yml');
  throw new OneroofError('config', 'no inventory found', {
    hint: [
      `looked for --inventory PATH, ONEROOF_INVENTORY, ${candidates.join(', ')}`,
      `to start, copy the example and edit it:`,
      `  mkdir -p ${shellQuote(config)} && cp ${shellQuote(example)} ${shellQuote(config)}/`,
    ].join('\n'),
  });
}
