/** The short documents: manifest check and sign, reader setup, replica ps. */
import { z } from 'zod';
import { document, iso, nul } from './define.js';
import { audit, packetSignature, peer } from './parts.js';

const manifestShape = {
  ok: z.literal(true),
  packet: z.string(),
  manifestSha256: z.string(),
  signature: packetSignature,
};

export const manifestCheckDocument = document('manifest-check', 1, manifestShape);
export const manifestSignDocument = document('manifest-sign', 1, manifestShape);

export const readerSetupDocument = document('reader-setup', 1, {
  command: z.literal('reader setup'),
  target: z.string(),
  role: z.string(),
  runId: nul(z.string()),
  exitCode: z.number().int(),
  outcome: z.string(),
  message: z.string(),
  actions: z.array(z.string()),
  warnings: z.array(z.string()),
  peer,
  log: z.string(),
  records: z.string(),
  manifestSha256: z.string(),
  packetSignature: nul(packetSignature),
  audit: nul(audit),
});

export const replicaPsDocument = document('replica-ps', 1, {
  replicas: z.array(
    z.object({
      target: z.string(),
      container: z.string(),
      image: z.string(),
      state: z.string(),
      status: z.string(),
      created: iso,
    }),
  ),
});
