/** `oneroof targets --json`: the inventory, resolved. */
import { z } from 'zod';
import { document, nul } from './define.js';

export const targetsDocument = document('targets', 1, {
  inventory: z.array(z.string()),
  targets: z.array(
    z.object({
      /** The target's name (what --target takes). */
      name: z.string(),
      transport: z.string(),
      description: nul(z.string()),
      container: z.string(),
      database: z.string(),
      user: z.string(),
      readOnly: z.object({ mode: z.enum(['role', 'session']), user: z.string() }),
      source: z.string(),
      ssh: nul(
        z.object({
          via: z.string(),
          hostname: z.string(),
          port: z.number().int(),
          user: z.string(),
          proxyJump: nul(z.string()),
          knownHostsFiles: z.array(z.string()),
          hostKeyPolicy: z.string(),
        }),
      ),
      unresolved: nul(z.string()),
    }),
  ),
  /** Group name → its members' names. */
  groups: z.record(z.string(), z.array(z.string())),
});
