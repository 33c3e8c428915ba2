/** Parts several `--json` documents share: one description each, one name everywhere. */
import { z } from 'zod';
import { count, nul } from './define.js';

/** A state vector: the probe's line as printed, and its integers (null: not all integers). */
export const stateVector = z.object({ text: z.string(), values: nul(z.array(z.number().int())) });

/** Where the run went: the transport, the host and the verified host key. */
export const peer = z.object({
  transport: z.string(),
  host: z.string(),
  port: nul(z.number().int()),
  user: nul(z.string()),
  hostKeyFingerprint: nul(z.string()),
  jumps: nul(
    z.array(z.object({ host: z.string(), port: z.number().int(), hostKeyFingerprint: z.string() })),
  ),
});

const tierStatus = z.enum(['pending', 'running', 'ok', 'failed', 'skipped', 'unknown']);

export const tierStep = z.object({
  tier: z.number().int(),
  name: z.string(),
  status: tierStatus,
  durationMs: nul(count),
});

/** A PASS/FAIL/INFO line of the gate. */
export const gateCheck = z.object({
  status: z.enum(['PASS', 'FAIL', 'INFO']),
  check: z.string(),
  observed: z.string(),
  expected: nul(z.string()),
  at: nul(z.string()),
});

export const verifiedCheck = z.object({ check: z.string(), observed: z.string() });

/** An assertion, a server error, a refusal, a lock. */
export const finding = z.object({
  kind: z.enum(['assertion', 'error', 'refused', 'locked']),
  text: z.string(),
  scope: nul(z.string()),
  check: nul(z.string()),
  expected: nul(z.string()),
  got: nul(z.string()),
  severity: nul(z.string()),
  detail: nul(z.string()),
  hint: nul(z.string()),
  at: nul(z.string()),
  step: nul(z.string()),
  time: nul(z.string()),
});

/** The packet's names (packet.yml), as the run knew them. */
export const packetSummary = z.object({
  name: z.string(),
  version: z.string(),
  gate: z.string(),
  tiers: z.array(z.object({ tier: z.number().int(), name: z.string() })),
  rollbacks: z.array(z.number().int()),
  state: z.array(z.object({ name: z.string(), label: z.string(), volatile: z.boolean() })),
  probes: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      note: nul(z.string()),
      lines: z.enum(['one', 'many']),
      alert: z.boolean(),
    }),
  ),
});

/** Who signed the packet's manifest. */
export const packetSignature = z.object({
  status: z.enum(['verified', 'signed', 'unsigned', 'invalid', 'not-allowed']),
  file: z.string(),
  namespace: nul(z.string()),
  key: nul(z.string()),
  principal: nul(z.string()),
  allowedSigners: nul(z.string()),
  principals: nul(z.array(z.string())),
  detail: nul(z.string()),
});

/** A run log's (or an evidence set's) ssh signature, checked. */
export const signatureCheck = z.object({
  status: z.enum(['valid', 'missing', 'invalid', 'not-allowed', 'error']),
  file: nul(z.string()),
  principal: nul(z.string()),
  key: nul(z.string()),
  allowedSigners: nul(z.string()),
  detail: nul(z.string()),
});

/** The seal of a run's log: its head, its anchor on the target, its signature. */
export const audit = z.object({
  records: z.string(),
  head: z.string(),
  anchor: nul(z.string()),
  signature: nul(z.object({ file: z.string(), key: z.string() })),
  warnings: z.array(z.string()),
});

export const who = z.object({ user: z.string(), host: z.string() });
