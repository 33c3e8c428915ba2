/**
 * Every `--json` document a test sees is checked against the JSON Schema files the package
 * ships (schema/, generated from src/json/ by `npm run schema`): the document names its schema
 * (`"schema": "oneroof/<name>/<major>"`), and ajv checks it against that file. runCli and
 * startCli call it on every --json run that ended (test/helpers/cli.ts, spawn-cli.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

let validators: Map<string, ValidateFunction> | undefined;

/** Each shipped schema file by the tag it describes (its title). */
function loadValidators(): Map<string, ValidateFunction> {
  // Timestamps are checked by the files' own patterns (ISO 8601, UTC): no format plug-in.
  const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
  const out = new Map<string, ValidateFunction>();
  for (const name of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as { title: string };
    out.set(schema.title, ajv.compile(schema));
  }
  return out;
}

/** The tags the shipped files describe. */
export function shippedSchemas(): string[] {
  validators ??= loadValidators();
  return [...validators.keys()];
}

/**
 * stdout of a --json run: one JSON document that names a shipped schema and fits it; else an
 * Error naming the command, the schema and each place that does not fit.
 */
export function checkJsonDocument(stdout: string, args: readonly string[]): unknown {
  const what = `oneroof ${args.join(' ')}`;
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`${what}: --json stdout is not one JSON document:\n${stdout.slice(0, 400)}`);
  }
  const tag = (doc as { schema?: unknown } | null)?.schema;
  validators ??= loadValidators();
  const validate = typeof tag === 'string' ? validators.get(tag) : undefined;
  if (validate === undefined)
    throw new Error(`${what}: the document's "schema" (${JSON.stringify(tag)}) is not in schema/`);
  if (!validate(doc)) {
    const errors = (validate.errors ?? [])
      .slice(0, 8)
      .map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    throw new Error(`${what}: the document does not fit ${String(tag)}:\n${errors.join('\n')}`);
  }
  return doc;
}

/** A finished run (not killed) asked for --json and printed something: what does not fit. */
export function jsonProblem(
  args: readonly string[],
  result: { code: number | null; stdout: string },
): Error | undefined {
  if (!args.includes('--json') || result.code === null || result.stdout.trim() === '') return;
  try {
    checkJsonDocument(result.stdout, args);
  } catch (error) {
    return error as Error;
  }
  return undefined;
}
