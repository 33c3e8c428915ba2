/** The records of the catalogue (src/runlog/records.ts) a live view follows, as written. */
import type { RecordFields } from '../runlog/records.js';
import type { EndFields } from '../runlog/writer.js';

/** A step staged (its stream) or ended, written by RunSession.run. */
export type StepRecord =
  | { name: 'stream'; fields: RecordFields<'stream'> }
  | { name: 'step-end'; fields: RecordFields<'step-end'> };

/** Those, and the log's seal (its end record, written by RunSession.close). */
export type LiveRecord = StepRecord | { name: 'end'; fields: EndFields };
