/** The ten documents of an evidence set, in order, from one input. */
import type { EvidenceDoc } from './doc.js';
import { goNoGo, stateBaselines } from './docs-runs.js';
import { canonicalSequence, executor, rollbackMap, verifySuite } from './docs-packet.js';
import { selfReview } from './docs-review.js';
import { inventory } from './docs-inventory.js';
import { gateOptions } from './docs-gate.js';
import { cloneRevalidation } from './docs-revalidation.js';
import type { EvidenceInput } from './input.js';

export function evidenceDocuments(input: EvidenceInput): EvidenceDoc[] {
  return [
    stateBaselines(input),
    inventory(input),
    canonicalSequence(input),
    cloneRevalidation(input),
    executor(input),
    rollbackMap(input),
    verifySuite(input),
    gateOptions(input),
    goNoGo(input),
    selfReview(input),
  ];
}
