/**
 * The JSON contract (docs/json.md): schema/ is exactly what `npm run schema` writes from the zod
 * objects of src/json/ (a stale or hand-edited file fails here), every document is tagged
 * `oneroof/<name>/<major>`, absent values come out null, and a body that does not fit its
 * schema is still written, with a diagnostic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJson } from '../../src/commands/json-out.js';
import { failedResult } from '../../src/commands/run/fleet.js';
import { OneroofError } from '../../src/errors.js';
import { DOCUMENTS, schemaTag, type DocumentName } from '../../src/json/registry.js';
import { releaseBody } from '../../src/json/release.js';
import { captureUi } from '../helpers/capture-ui.js';
import { checkJsonDocument, shippedSchemas } from '../helpers/json-contract.js';

interface Generator {
  SCHEMA_DIR: string;
  schemaFiles: (documents: typeof DOCUMENTS) => Map<string, string>;
}
const SCRIPT: string = '../../scripts/schema.mjs';
const { SCHEMA_DIR, schemaFiles } = (await import(SCRIPT)) as Generator;
const generated = schemaFiles(DOCUMENTS);
const names = Object.keys(DOCUMENTS) as DocumentName[];

describe('schema/ is generated from src/json/', () => {
  it.each([...generated.keys()])('%s is up to date (npm run schema)', (file) => {
    expect(readFileSync(join(SCHEMA_DIR, file), 'utf8')).toBe(generated.get(file));
  });

  it('holds no file of a document that is not registered', () => {
    const shipped = readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.schema.json'));
    expect(shipped.sort()).toEqual([...generated.keys()].sort());
  });

  it.each(names)('%s is tagged oneroof/<its name>/<major> and its file says so', (name) => {
    expect(schemaTag(name)).toMatch(new RegExp(`^oneroof/${name}/[1-9]\\d*$`));
    expect(shippedSchemas()).toContain(schemaTag(name));
  });
});

describe('writeJson', () => {
  const failed = () =>
    releaseBody(failedResult('preflight', 'prod', new OneroofError('usage', 'no such target')));

  it('tags the document, puts the tag first and writes every absent value as null', async () => {
    const { ui, out } = captureUi(false);
    await writeJson(ui, 'preflight', failed());
    expect(out.stderr).toBe('');
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)[0]).toBe('schema');
    expect(doc).toMatchObject({
      schema: 'oneroof/preflight/1',
      target: 'prod',
      exitCode: 2,
      outcome: 'error',
      verdict: null,
      runId: null,
      log: null,
      records: null,
      peer: null,
      manifestSha256: null,
      state: { entry: null, exit: null, unchanged: null },
      probes: { verify: null, fingerprint: null, ledger: null, approvals: null, alive: null },
    });
    // …and the shipped file agrees.
    expect(() => checkJsonDocument(out.stdout, ['preflight', '--json'])).not.toThrow();
  });

  it('a body that does not fit is written as built, with a diagnostic naming the field', async () => {
    const { ui, out } = captureUi(false);
    await writeJson(ui, 'preflight', { ...failed(), exitCode: 'two' as unknown as number });
    expect(out.stderr).toMatch(/does not fit oneroof\/preflight\/1 \(exitCode: /);
    expect(JSON.parse(out.stdout)).toMatchObject({
      schema: 'oneroof/preflight/1',
      exitCode: 'two',
    });
    expect(() => checkJsonDocument(out.stdout, ['preflight', '--json'])).toThrow(/does not fit/);
  });
});

describe('hostile json-contract: the test helper refuses what is not the contract', () => {
  it.each([
    ['not JSON', 'GO\n', /not one JSON document/],
    ['no schema tag', '{"target":"prod"}', /is not in schema/],
    ['an unknown tag', '{"schema":"oneroof/nope/1"}', /is not in schema/],
    ['a missing key', '{"schema":"oneroof/replica-ps/1"}', /must have required property/],
    [
      'an extra key',
      '{"schema":"oneroof/replica-ps/1","replicas":[],"extra":1}',
      /must NOT have additional properties/,
    ],
  ])('%s', (_what, stdout, error) => {
    expect(() => checkJsonDocument(stdout, ['x', '--json'])).toThrow(error);
  });
});
