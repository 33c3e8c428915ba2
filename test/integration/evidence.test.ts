/**
 * `oneroof evidence` on the testbed (issue 14): the real bin/oneroof makes a read-only preflight
 * and a status run on the ssh2 target through the one engine, replays their logs and writes the
 * ten documents and the page. On the golden clone 01 shows entry == exit at the seed's baseline
 * and 09 says NO-GO naming gate.ospa; after the demo approval 09 says GO; given the logs with
 * --from, the same figures are read back from them, cited by run id and record number.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, oneJsonDocument, oneroof, SSH_TARGET, STATE } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;

const DOCS = [
  '01-state-baselines.md',
  '02-inventory-conflicts.md',
  '03-canonical-sequence.md',
  '04-clone-revalidation.md',
  '05-executor.md',
  '06-rollback.md',
  '07-verify-suite.md',
  '08-gate-options.md',
  '09-go-no-go.md',
  '10-self-review.md',
  'evidence.html',
];

interface Made {
  out: string;
  set: {
    files: string[];
    citations: { log: string; runId: string; head: string }[];
    manifestSha256: string;
  };
  read: (file: string) => Promise<string>;
}

/** bin/oneroof evidence on the ssh2 target, into `out`. */
const runEvidence = (out: string, args: string[]) =>
  oneroof(testbed, ['evidence', '--target', SSH_TARGET, '--out', out, ...args]);

async function evidence(args: string[]): Promise<Made> {
  const out = join(await tempDir('oneroof-evidence-'), 'set');
  const run = await runEvidence(out, ['--json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  const set = oneJsonDocument(run.stdout) as unknown as Made['set'];
  return { out, set, read: (file) => readFile(join(out, file), 'utf8') };
}

/** Markdown escapes `|` in the vector: the text as a reader sees it. */
const plain = (md: string) => md.replace(/\\(.)/g, '$1');

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
});

afterAll(async () => {
  await bench.emptyDatabase();
});

describe('oneroof evidence on the golden clone', () => {
  let made: Made;
  beforeAll(async () => {
    await bench.reset();
    made = await evidence([]);
  }, 240_000);

  it('writes the ten documents and the page, and cites the preflight and the status run', async () => {
    // The documents, and what sealing adds: the manifest, its signature when a key was found,
    // and the cited logs copied in.
    const seal = ['evidence-manifest.json', 'evidence-manifest.json.sig', 'logs'];
    const entries = (await readdir(made.out)).sort();
    expect(entries.filter((f) => !seal.includes(f))).toEqual(DOCS);
    expect(entries).toEqual(expect.arrayContaining(['evidence-manifest.json', 'logs']));
    expect(made.set.files).toEqual(DOCS);
    expect(made.set.citations.map((c) => c.log.replace(/^.*\//, '').split('_')[0])).toEqual([
      'preflight',
      'status',
    ]);
    for (const c of made.set.citations) expect(c.head).toMatch(/^[0-9a-f]{64}$/);
    for (const file of DOCS) expect(await made.read(file)).toContain(made.set.manifestSha256);
  });

  it('01 shows entry == exit at the baseline 0|0|210|0|0|0, each reading citing its record', async () => {
    const doc = plain(await made.read('01-state-baselines.md'));
    const preflight = made.set.citations[0]!;
    expect(doc).toContain(
      `entry ${STATE.golden} (ospa|ownership|gap|conflict|gov_emit|idle): run ${preflight.runId}, record #`,
    );
    expect(doc).toContain(
      `exit ${STATE.golden} (ospa|ownership|gap|conflict|gov_emit|idle): run ${preflight.runId}, record #`,
    );
    expect(doc.match(/entry == exit: yes/g)).toHaveLength(1);
    expect(doc).toContain(
      `reading ${STATE.golden} (ospa|ownership|gap|conflict|gov_emit|idle): run ${made.set.citations[1]!.runId}, record #`,
    );
    expect(doc).toContain('the entry reading equals it');
  });

  it('09 says NO-GO naming gate.ospa, with every precondition and its observed value', async () => {
    const doc = plain(await made.read('09-go-no-go.md'));
    expect(doc).toMatch(/Verdict: NO-GO, closed by [^:]*gate\.ospa[^:]*: run \S+, record #\d+/);
    expect(doc).toMatch(/\| gate\.ospa \| FAIL \| 0 \|/);
    expect(doc).toMatch(/fingerprint: [0-9a-f]{64}/);
  });

  it('10 marks what no run of the set checked "not checked"', async () => {
    const doc = plain(await made.read('10-self-review.md'));
    expect(doc).toContain('| Clone revalidation (document 04) | not checked | not checked |');
    expect(doc).toMatch(/\| The preflight ran read-only \| checked \|/);
  });

  it('--from reads the same runs back from their logs, figures and citations alike', async () => {
    const again = await evidence(['--from', ...made.set.citations.map((c) => c.log)]);
    expect(again.set.citations).toEqual(made.set.citations);
    const strip = (t: string) => t.replace(/Generated by oneroof evidence at \S+/, '');
    for (const file of DOCS.filter((f) => f.endsWith('.md')))
      expect(strip(await again.read(file))).toBe(strip(await made.read(file)));
  }, 60_000);

  // A run log's words live in its .log (format 3: the records hold its bytes' digests, and
  // replay parses the bytes again) and its facts in its records: an edit to either is refused.
  it.each([
    ['its .log', 'log', (t: string) => t.replace('PASS', 'FAIL')],
    ['its records', 'jsonl', (t: string) => t.replace('"kind":"preflight"', '"kind":"rollout"')],
  ] as const)(
    'hostile run-log: --from refuses a log with %s edited (exit 5), writing nothing',
    async (_what, edited, edit) => {
      const log = made.set.citations[0]!.log;
      const dir = await tempDir('oneroof-evidence-bad-');
      for (const ext of ['log', 'jsonl'] as const) {
        const text = await readFile(log.replace(/\.log$/, `.${ext}`), 'utf8');
        const out = ext === edited ? edit(text) : text;
        if (ext === edited) expect(out, `the edit changes the ${ext}`).not.toBe(text);
        await writeFile(join(dir, `preflight_x.${ext}`), out);
      }
      const out = join(dir, 'set');
      const run = await runEvidence(out, ['--from', join(dir, 'preflight_x.log')]);
      expect(run.code, run.stderr).toBe(5);
      expect(run.stderr).toContain('preflight_x.log: not evidence: the log was edited');
      await expect(readdir(out)).rejects.toThrow();
    },
  );
});

describe('oneroof evidence, then evidence verify', () => {
  it('the set it writes is sealed: evidence verify exits 0; one edited document exits 5 naming it', async () => {
    await bench.reset();
    const made = await evidence([]);
    const intact = await oneroof(testbed, ['evidence', 'verify', made.out, '--json']);
    expect(intact.code, intact.stdout + intact.stderr).toBe(0);
    const doc = join(made.out, '09-go-no-go.md');
    await writeFile(doc, (await readFile(doc, 'utf8')).replace('NO-GO', 'GO'));
    const edited = await oneroof(testbed, ['evidence', 'verify', made.out]);
    expect(edited.code).toBe(5);
    expect(edited.stdout + edited.stderr).toContain('09-go-no-go.md');
  }, 240_000);
});

describe('oneroof evidence after the demo approval', () => {
  it('09 says GO', async () => {
    await bench.reset(APR);
    const made = await evidence(['--apr', APR]);
    const doc = plain(await made.read('09-go-no-go.md'));
    expect(doc).toMatch(/Verdict: GO: run \S+, record #\d+/);
    expect(doc).toMatch(/\| gate\.ospa \| PASS \|/);
    expect(plain(await made.read('01-state-baselines.md'))).toContain(`entry ${STATE.approved} `);
  }, 240_000);
});
