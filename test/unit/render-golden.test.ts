/**
 * The human reports of the release commands, rendered from committed JSON results
 * (test/fixtures/render/<name>.json: a real run's `--json` document with what varies per machine
 * replaced by fixed values) and compared with test/golden/<name>.txt after the golden noise
 * filter. The integration tests check that the live output has the same structure
 * (expectGoldenShape); the exact text is pinned here, independent of the testbed.
 *
 *   ONEROOF_UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/render-golden.test.ts
 *
 * rewrites the goldens from the fixtures: review each by eye.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { renderResult } from '../../src/commands/render.js';
import type { ReleaseResult } from '../../src/engine/release.js';
import { expectGolden } from '../helpers/golden.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'render');
const NAMES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));

/** The working directory the fixtures' log paths are under (the report shows them relative). */
const CWD = '/home/op/oneroof';

function render(name: string): string {
  const result = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as ReleaseResult;
  const plain = (s: string) => s;
  return renderResult(result, { cwd: CWD, bold: plain, dim: plain, verbose: false })
    .map((line) => `${line}\n`)
    .join('');
}

describe('release reports rendered from JSON results', () => {
  it.each(NAMES)('%s', async (name) => {
    await expectGolden(name, render(name));
  });
});
