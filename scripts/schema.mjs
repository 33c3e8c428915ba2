// `npm run schema`: writes schema/<name>.schema.json for every --json document, from the zod
// objects of src/json/ (registered in src/json/registry.ts; run after `npm run build`).
// test/unit/json-schema.test.ts fails when a committed file differs from what this writes.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/** File name → text, for every registered document. */
export function schemaFiles(documents) {
  const files = new Map();
  for (const [name, document] of Object.entries(documents)) {
    const tag = document.shape.schema.value;
    const generated = z.toJSONSchema(document, {
      io: 'output',
      target: 'draft-2020-12',
      reused: 'ref',
    });
    const { $schema, ...rest } = generated;
    const schema = {
      $schema,
      title: tag,
      description: `The document of oneroof's --json output tagged "schema": "${tag}" (docs/json.md).`,
      ...rest,
    };
    files.set(`${name}.schema.json`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { DOCUMENTS } = await import('../dist/json/registry.js');
  const files = schemaFiles(DOCUMENTS);
  mkdirSync(SCHEMA_DIR, { recursive: true });
  // A document that is no longer registered loses its file.
  for (const name of readdirSync(SCHEMA_DIR))
    if (name.endsWith('.schema.json') && !files.has(name)) rmSync(join(SCHEMA_DIR, name));
  for (const [name, text] of files) writeFileSync(join(SCHEMA_DIR, name), text);
  console.log(`schema/: ${files.size} files`);
}
