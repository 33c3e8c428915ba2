/**
 * Every `--json` document, by name: `schema/<name>.schema.json` is generated from this list
 * (`npm run schema`), and a command writes its document through it (src/commands/json-out.ts).
 * Registering a new document: its zod object in a small file here (made with `document()` from
 * ./define.js), and one line below.
 */
import type { z } from 'zod';
import { evidenceDocument, evidenceVerifyDocument } from './evidence.js';
import {
  applyDocument,
  groupDocument,
  preflightDocument,
  rollbackDocument,
  statusDocument,
  verifyDocument,
} from './release.js';
import { replayDocument } from './replay.js';
import {
  manifestCheckDocument,
  manifestSignDocument,
  readerSetupDocument,
  replicaPsDocument,
} from './small.js';
import { targetsDocument } from './targets.js';
import { runsDocument } from './runs.js';

export const DOCUMENTS = {
  targets: targetsDocument,
  preflight: preflightDocument,
  apply: applyDocument,
  verify: verifyDocument,
  rollback: rollbackDocument,
  status: statusDocument,
  group: groupDocument,
  replay: replayDocument,
  evidence: evidenceDocument,
  'evidence-verify': evidenceVerifyDocument,
  'manifest-check': manifestCheckDocument,
  'manifest-sign': manifestSignDocument,
  'reader-setup': readerSetupDocument,
  'replica-ps': replicaPsDocument,
  runs: runsDocument,
} as const;

export type DocumentName = keyof typeof DOCUMENTS;

/** What a command hands in: the document without its tag (the registry adds it). */
export type DocumentBody<N extends DocumentName> = Omit<z.input<(typeof DOCUMENTS)[N]>, 'schema'>;

/** `oneroof/<name>/<major>`, as the document's zod object says. */
export function schemaTag(name: DocumentName): string {
  return DOCUMENTS[name].shape.schema.value;
}
