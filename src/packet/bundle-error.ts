/** A packet that cannot be bundled: where, what, and a caret under it. */
import { OneroofError } from '../errors.js';

export type BundleErrorReason =
  'escape' | 'missing' | 'cycle' | 'syntax' | 'absolute' | 'unsupported';

export interface BundleErrorDetails {
  reason: BundleErrorReason;
  /** The file that holds the offending line, relative to root. */
  file: string;
  line?: number;
  column?: number;
  /** The offending line, as text. */
  text?: string;
  /** For cycles: the include chain, from the entry, ending with the repeated file. */
  chain?: string[];
}

/** A packet that cannot be bundled. A configuration error: nothing was contacted. */
export class BundleError extends OneroofError {
  readonly reason: BundleErrorReason;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly text: string | undefined;
  readonly chain: string[] | undefined;

  constructor(details: BundleErrorDetails, problem: string, hint?: string) {
    super('config', formatBundleError(details, problem), hint === undefined ? {} : { hint });
    this.name = 'BundleError';
    this.reason = details.reason;
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.text = details.text;
    this.chain = details.chain;
  }
}

function formatBundleError(d: BundleErrorDetails, problem: string): string {
  const where =
    d.line === undefined
      ? d.file
      : `${d.file}:${d.line}${d.column === undefined ? '' : `:${d.column}`}`;
  const lines = [`${where}: ${problem}`];
  if (d.text !== undefined) {
    const shown = d.text.replace(/\r$/, '').replace(/\t/g, ' ');
    lines.push(`  ${shown}`);
    if (d.column !== undefined) lines.push(`  ${' '.repeat(Math.max(0, d.column - 1))}^`);
  }
  return lines.join('\n');
}
