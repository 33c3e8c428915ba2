/**
 * The record catalogue (src/runlog/records.ts) is the whole truth of a run log: every kind in
 * it is written somewhere in src/, nothing in src/ writes a kind outside it, and replay
 * understands each one — a sample of every kind goes through a log, and replay neither drops it
 * as unknown nor fails to read it; the operator's confirmation and Ctrl-C reach the text, the
 * HTML page and the JSON.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHtml } from '../../src/audit/html.js';
import { outputChunks } from '../../src/audit/chunks.js';
import { replayLog } from '../../src/audit/replay.js';
import { renderText } from '../../src/audit/text.js';
import {
  RECORD_SCHEMAS,
  type KnownRecordName,
  type RecordFields,
} from '../../src/runlog/records.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [readFileSync(join(dir, entry.name), 'utf8')]
        : [],
  );
}

/** The kinds src/ writes: `record('kind'`, `write('kind'` (the writer's own start/output/end). */
function writtenKinds(): Set<string> {
  const kinds = new Set<string>();
  for (const text of sources(SRC))
    for (const m of text.matchAll(/\b(?:record|write)\(\s*'([a-z][a-z-]*)'/g)) kinds.add(m[1]!);
  return kinds;
}

const KINDS = Object.keys(RECORD_SCHEMAS) as KnownRecordName[];

/** One record of each kind the fixture does not already write, as the engine writes it. */
const SAMPLES: {
  [
    K in Exclude<
      KnownRecordName,
      'start' | 'connected' | 'stream' | 'exec' | 'output' | 'event' | 'step-end' | 'end'
    >
  ]: RecordFields<K>;
} = {
  release: {
    command: 'apply',
    target: 'replica',
    apr: 'APR-2026-0142',
    dryRun: false,
    rollback: null,
    readOnly: false,
    applicationName: 'oneroof apply',
    manifest: { sha256: 'ef'.repeat(32), root: '/p' },
  },
  'reader-setup': {
    target: 'replica',
    role: 'oneroof_reader',
    file: 'reader.sql',
    manifest: { sha256: 'ef'.repeat(32) },
  },
  'read-only-weak': { warning: 'read-only by the session only' },
  confirmation: {
    confirmed: true,
    via: 'prompt',
    by: { user: 'op', host: 'desk' },
    typed: 'replica',
  },
  interrupt: { applicationName: 'oneroof apply', reason: 'interrupt', mainStarted: true },
  'interrupt-failed': { error: 'cancel could not connect' },
  'reader-missing': { role: 'oneroof_reader', step: 'state-exit' },
  state: { at: 'exit', vector: '1|210|0|0|5|0', unchanged: false },
  'state-failed': { error: 'probe timed out' },
  'tiers-settled': { committed: [3] },
  'last-run': {
    log: '/l/rollout.log',
    command: 'apply',
    startedAt: null,
    by: null,
    ended: 'lost',
    server: 'finished',
    committedAfter: [],
    rolledBack: [3],
    message: 'rolled back',
  },
  'last-run-failed': { error: 'no log folder' },
};

describe('the record catalogue', () => {
  it('every kind in it is written by src/, and src/ writes no kind outside it', () => {
    expect([...writtenKinds()].sort()).toEqual([...KINDS].sort());
  });

  it.each(KINDS)('%s: replay reads it (known, understood)', async (kind) => {
    const dir = await tempDir('oneroof-catalogue-');
    const sample = (SAMPLES as Record<string, Record<string, unknown>>)[kind];
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir,
      ...(sample === undefined ? {} : { after: [[kind, sample]] }),
    });
    const report = await replayLog({ path: seal!.paths.output });
    expect(report.integrity.verdict).toBe('unsigned');
    expect(report.notes.filter((n) => /not known|not understood/.test(n))).toEqual([]);
  });

  it('the confirmation and the Ctrl-C are shown in the text, the HTML and the JSON', async () => {
    const dir = await tempDir('oneroof-catalogue-');
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir,
      before: [
        ['release', SAMPLES.release],
        ['confirmation', SAMPLES.confirmation],
      ],
      after: [['interrupt', SAMPLES.interrupt]],
    });
    const report = await replayLog({ path: seal!.paths.output });
    expect(report.run.confirmation).toMatchObject({
      confirmed: true,
      via: 'prompt',
      by: { user: 'op', host: 'desk' },
      typed: 'replica',
    });
    expect(report.run.confirmation?.at).toMatch(/^20\d\d-/);
    expect(report.run.interrupt).toMatchObject({ reason: 'interrupt', mainStarted: true });
    expect(report.run.interrupt?.at).toMatch(/^20\d\d-/);
    const text = renderText(report);
    expect(text).toMatch(/^confirmed +at the prompt by op@desk at 20\S+, typing "replica"$/m);
    expect(text).toMatch(/^interrupt +Ctrl-C at 20\S+: the server was asked to cancel/m);
    const file = join(dir, 'replay.html');
    writeHtml({ file, report, chunks: outputChunks(report.source) });
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('id="confirmation"');
    expect(html).toMatch(
      /at the prompt by op@desk at 20[^<]+, typing (&quot;|&#34;|&#x22;|")replica/,
    );
    expect(html).toContain('id="interrupt"');
  });
});

describe('hostile confirmation-record: a forged answer in the log', () => {
  it('that is not a target name is never read back (nor printed)', async () => {
    const dir = await tempDir('oneroof-catalogue-');
    const { seal } = writeFixtureRun({
      psqlCase: 'markers',
      dir,
      before: [['confirmation', { confirmed: false, via: 'prompt', typed: 'hunter2 \u001b[31m' }]],
    });
    const report = await replayLog({ path: seal!.paths.output });
    expect(report.run.confirmation).toBeNull();
    expect(report.notes.join('\n')).toMatch(/record #\d+ \(confirmation\) not understood: typed/);
  });
});
