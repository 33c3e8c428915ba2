/**
 * The one way a command writes its `--json` document (docs/json.md): the body is checked and
 * completed by its zod object (absent values become null, the `schema` tag comes first), then
 * written to stdout. A body that does not fit is still written, as built, with a diagnostic on
 * stderr: a cron box keeps its verdict, and the tests (validated against schema/) fail.
 */
import type { DocumentBody, DocumentName } from '../json/registry.js';
import type { Ui } from './io.js';

export async function writeJson<N extends DocumentName>(
  ui: Ui,
  name: N,
  body: DocumentBody<N>,
): Promise<void> {
  const { DOCUMENTS, schemaTag } = await import('../json/registry.js');
  const tag = schemaTag(name);
  const built = { schema: tag, ...body };
  const parsed = DOCUMENTS[name].safeParse(built);
  if (parsed.success) {
    ui.json(parsed.data);
    return;
  }
  const where = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`)
    .join('; ');
  ui.err(`oneroof: internal: the --json document does not fit ${tag} (${where})\n`);
  ui.json(built);
}
