/**
 * The global options (README: Commands), shared by every command, and their defaults from the
 * environment (ONEROOF_INVENTORY, ONEROOF_LOG_DIR); the defaults of a clone and an install: locations.ts.
 */
import { resolve } from 'node:path';
import type { Io } from './io.js';
import { TRANSPORTS, type TransportName } from '../inventory/identifiers.js';
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';
import { resolveInventoryPath } from '../inventory/source.js';
import { parseColorMode, type ColorMode } from './color.js';
import { defaultInventory, defaultLogDir, isClone } from './locations.js';

export interface GlobalOptions {
  inventory?: string;
  logDir?: string;
  transport?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: string;
}

export interface Settings {
  /** The inventory path, absolute (an Ansible one keeps its `ansible:` prefix); read lazily
   * (it throws when there is none: locations.ts). */
  readonly inventory: string;
  logDir: string;
  transport: TransportName | undefined;
  quiet: boolean;
  verbose: boolean;
  color: ColorMode;
}

export function resolveSettings(options: GlobalOptions, io: Io): Settings {
  const transport = options.transport;
  if (transport !== undefined && !(TRANSPORTS as readonly string[]).includes(transport)) {
    throw new OneroofError(
      'usage',
      `--transport: expected one of ${TRANSPORTS.join(', ')}, got ${quoteInput(transport)}`,
    );
  }
  const places = { cwd: io.cwd, env: io.env, clone: isClone() };
  return {
    // A getter: a command that reads no inventory (replay, manifest, init) never looks for one.
    get inventory() {
      return resolveInventoryPath(
        io.cwd,
        options.inventory ?? io.env.ONEROOF_INVENTORY ?? defaultInventory(places),
      );
    },
    logDir: resolve(io.cwd, options.logDir ?? io.env.ONEROOF_LOG_DIR ?? defaultLogDir(places)),
    transport: transport as TransportName | undefined,
    quiet: options.quiet === true,
    verbose: options.verbose === true,
    color: parseColorMode(options.color),
  };
}
