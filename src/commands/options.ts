/**
 * The global options (README: Commands), shared by every command, and their defaults from the
 * environment (ONEROOF_INVENTORY, ONEROOF_LOG_DIR).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Io } from './io.js';
import { TRANSPORTS, type TransportName } from '../inventory/identifiers.js';
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { resolveInventoryPath } from '../inventory/source.js';
import { parseColorMode, type ColorMode } from './color.js';

export interface GlobalOptions {
  inventory?: string;
  logDir?: string;
  transport?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: string;
}

export interface Settings {
  /** The inventory path, absolute (an Ansible one keeps its `ansible:` prefix). */
  inventory: string;
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
  return {
    inventory: resolveInventoryPath(
      io.cwd,
      options.inventory ?? io.env.ONEROOF_INVENTORY ?? defaultInventory(io.cwd),
    ),
    logDir: resolve(io.cwd, options.logDir ?? io.env.ONEROOF_LOG_DIR ?? 'logs'),
    transport: transport as TransportName | undefined,
    quiet: options.quiet === true,
    verbose: options.verbose === true,
    color: parseColorMode(options.color),
  };
}

/** `inventory/` in the working folder when there is one, else the one shipped with oneroof. */
function defaultInventory(cwd: string): string {
  const local = join(cwd, 'inventory');
  return existsSync(local) ? local : join(PACKAGE_ROOT, 'inventory');
}
