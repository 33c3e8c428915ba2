/**
 * Which packet a command runs: `--packet DIR` (global or the command's own), else the
 * environment's ONEROOF_PACKET, else the packet shipped with oneroof. One rule for every
 * command that reads a packet, so they can never disagree about it.
 */
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

export const PACKET_OPTION_HELP =
  'the SQL packet (env ONEROOF_PACKET; default: the one shipped with oneroof)';

export function packetRoot(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.ONEROOF_PACKET ?? join(PACKAGE_ROOT, 'sql');
}
