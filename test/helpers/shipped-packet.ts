/** The shipped packet's descriptor (sql/packet.yml), loaded and checked as a run loads it. */
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/cli/options.js';
import { loadPacket } from '../../src/contract/load.js';

export const SHIPPED_PACKET = await loadPacket(join(PACKAGE_ROOT, 'sql'));
