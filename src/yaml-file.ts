/**
 * A YAML file a person wrote (the inventory, a packet's packet.yml), parsed and checked with a
 * zod schema. Every error names the file, the line, the key, what was found and what was
 * expected; an alias bomb or a nesting bomb is refused as what it is. Never a stack trace.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { OneroofError } from './errors.js';
import { quoteInput } from './safe-text.js';

const MAX_ISSUES_SHOWN = 20;
/** Aliases a file may use; more is a bomb (a billion laughs), not a file a person wrote. */
const MAX_ALIASES = 100;

export interface YamlFileKind {
  /** What the file is, in messages: "inventory", "packet descriptor". */
  what: string;
  /** What a usable file of this kind is, for the hint of a bomb. */
  shape: string;
}

/** `text` (read from the file shown as `shown`) parsed as YAML and checked by `schema`. */
export function parseYamlFile<S extends z.ZodType>(
  text: string,
  shown: string,
  schema: S,
  kind: YamlFileKind,
): z.output<S> {
  const lines = new LineCounter();
  let doc: Document;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    data = doc.errors.length > 0 ? undefined : (doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {});
  } catch (error) {
    // The yaml package refuses an alias bomb ("excessive alias count"); nesting deeper than the
    // stack is a RangeError. Either way the file is not one a person wrote.
    throw new OneroofError(
      'config',
      `${shown}: not a usable ${kind.what}: ${error instanceof RangeError ? 'nested too deeply' : firstLine((error as Error).message)}`,
      {
        hint: `${kind.shape}; aliases may be used at most ${MAX_ALIASES} times`,
        cause: error,
      },
    );
  }
  if (doc.errors.length > 0) {
    const messages = doc.errors.slice(0, MAX_ISSUES_SHOWN).map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `${shown}:${at.line}:${at.col}: ${firstLine(e.message)}`;
    });
    throw new OneroofError('config', `invalid YAML\n${messages.join('\n')}`);
  }
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const messages = result.error.issues
    .slice(0, MAX_ISSUES_SHOWN)
    .map((issue) => describeIssue(issue, doc, lines, data, shown));
  const more =
    result.error.issues.length > MAX_ISSUES_SHOWN
      ? `\n(and ${result.error.issues.length - MAX_ISSUES_SHOWN} more)`
      : '';
  throw new OneroofError('config', `invalid ${kind.what}\n${messages.join('\n')}${more}`);
}

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: Document,
  lines: LineCounter,
  data: unknown,
  shown: string,
): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const full = [...path, key];
        return `${shown}${position(doc, lines, full, true)}: ${full.join('.')}: unknown key`;
      })
      .join('\n');
  }
  const found = valueAt(data, path);
  const where = `${shown}${position(doc, lines, path, false)}`;
  const key = path.length > 0 ? path.join('.') : '(top level)';
  if (found.missing) return `${where}: ${key}: is missing; ${issue.message}`;
  if (issue.code === 'custom') return `${where}: ${key}: ${issue.message}`;
  return `${where}: ${key}: ${issue.message}, got ${show(found.value)}`;
}

/** `:line:col` of the node at `path` (or of its key), or of its nearest present ancestor. */
function position(doc: Document, lines: LineCounter, path: string[], keyOfLast: boolean): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const node = keyOfLast && depth === path.length ? keyNode(doc, sub) : doc.getIn(sub, true);
    if (isNode(node) && node.range) {
      const at = lines.linePos(node.range[0]);
      return `:${at.line}:${at.col}`;
    }
  }
  return '';
}

function keyNode(doc: Document, path: string[]): unknown {
  const parent = doc.getIn(path.slice(0, -1), true) as { items?: { key: unknown }[] } | undefined;
  const last = path[path.length - 1];
  return parent?.items?.find(
    (pair) => isNode(pair.key) && String((pair.key as { value?: unknown }).value) === last,
  )?.key;
}

function valueAt(data: unknown, path: string[]): { missing: boolean; value: unknown } {
  let current: unknown = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !(key in current))
      return { missing: true, value: undefined };
    current = (current as Record<string, unknown>)[key];
  }
  return { missing: current === undefined, value: current };
}

/** A value for an error message: quoted, escaped and cut short (src/safe-text.ts). */
export function show(value: unknown): string {
  return quoteInput(value, 60);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
