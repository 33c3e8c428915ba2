/**
 * Document 04 from a real clone revalidation (issue 14): `oneroof evidence --revalidate-on
 * replica` runs the packet's clone_revalidation/20_revalidate.sql through the one engine on the
 * testbed's local replica (the golden clone, approved, the release applied), in one transaction
 * that is rolled back, with its own run log that 04 cites. The replica after the evidence is the
 * replica before it: the state vector, the fingerprint and a digest of the catalogue, read
 * outside oneroof, are unchanged. Evidence for the ssh2 target never revalidates on it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APR, oneJsonDocument, oneroof, SSH_TARGET, STATE } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let bench: PacketBench;

/** Markdown escapes `|` and `.`-like marks: the text as a reader sees it. */
const plain = (md: string) => md.replace(/\\(.)/g, '$1');

/** Every relation, type and function of the database, with its oid: any DDL kept moves it. */
const CATALOGUE = `SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT concat_ws(':', c.oid, c.relname, c.relkind, c.relnatts) AS x FROM pg_class c
  UNION ALL SELECT concat_ws(':', p.oid, p.proname, md5(p.prosrc)) FROM pg_proc p
  UNION ALL SELECT concat_ws(':', t.oid, t.typname) FROM pg_type t) s`;

interface Made {
  out: string;
  set: { citations: { log: string; runId: string; head: string }[] };
  read: (file: string) => Promise<string>;
}

/** bin/oneroof evidence for the ssh2 target into a fresh folder `out`. */
async function runEvidence(args: string[]) {
  const out = join(await tempDir('oneroof-evidence-reval-'), 'set');
  return {
    out,
    run: await oneroof(testbed, ['evidence', '--target', SSH_TARGET, '--out', out, ...args]),
  };
}

async function evidence(args: string[]): Promise<Made> {
  const { out, run } = await runEvidence(['--json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  const set = oneJsonDocument(run.stdout) as unknown as Made['set'];
  return { out, set, read: (file) => readFile(join(out, file), 'utf8') };
}

/** What the replica is, read outside oneroof. */
async function snapshot() {
  return {
    state: await bench.probe('state_vector'),
    fingerprint: await bench.probe('fingerprint'),
    catalogue: await bench.query(CATALOGUE),
    ledger: await bench.probe('tier_status'),
  };
}

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
});

afterAll(async () => {
  await bench.uninstall();
  await bench.emptyDatabase();
});

describe('oneroof evidence --revalidate-on replica, on the released golden clone', () => {
  let made: Made;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let after: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    await bench.reset(APR);
    const apply = await oneroof(testbed, ['apply', '--target', 'replica', '--apr', APR, '--yes']);
    expect(apply.code, apply.stderr).toBe(0);
    before = await snapshot();
    made = await evidence(['--revalidate-on', 'replica']);
    after = await snapshot();
  }, 300_000);

  it('cites the revalidate run, on the replica, beside the preflight and the status run', () => {
    const kinds = made.set.citations.map((c) => c.log.replace(/^.*\//, '').split('_')[0]);
    expect(kinds).toEqual(['preflight', 'status', 'revalidate']);
  });

  it('04 shows the canonical verify passing and 38 findings stable twice, each citing its record', async () => {
    const doc = plain(await made.read('04-clone-revalidation.md'));
    const run = made.set.citations[2]!.runId;
    expect(doc).toContain('ran on replica, a local replica');
    expect(doc).toContain('revalidated, exit 0');
    expect(doc).toMatch(
      new RegExp(`canonical verify \\(prod/90_verify\\.sql\\): \\d+ checks passed, run ${run}`),
    );
    expect(doc).toMatch(
      new RegExp(
        `consolidated DDL recompile against the live graph: passed: 11 tables, 31 views, 1 function re-applied over the live objects, catalog sha256 [0-9a-f]{64} unchanged, run ${run}, record #\\d+`,
      ),
    );
    expect(doc).toMatch(new RegExp(`scanner, first count: 38, run ${run}, record #\\d+`));
    expect(doc).toMatch(
      new RegExp(
        `scanner, second count: 38 \\(the same findings, equal to the baseline\\), run ${run}, record #\\d+`,
      ),
    );
    expect(doc).toContain('scanner stable: yes, 38 findings twice');
    expect(doc).not.toContain('Not run');
  });

  it('04 shows the replica before and after the rollback: the state and the fingerprint equal', async () => {
    const doc = plain(await made.read('04-clone-revalidation.md'));
    expect(doc).toContain(`| state vector | ${STATE.released} | ${STATE.released} | yes |`);
    expect(doc).toContain(`| fingerprint | ${before.fingerprint} | ${before.fingerprint} | yes |`);
    expect(doc).toContain("this replica's state before the revalidation equals it");
  });

  it('the replica after the evidence is the replica before it (the rollback happened)', () => {
    expect(before.state).toBe(STATE.released);
    expect(after).toEqual(before);
  });

  it('10 marks the clone revalidation checked, citing the revalidate run', async () => {
    const doc = plain(await made.read('10-self-review.md'));
    expect(doc).toMatch(
      /\| Clone revalidation \(document 04\) \| checked \| revalidated on replica replica, state and fingerprint unchanged after it, run \S+, record #\d+/,
    );
  });

  it('the sealed set verifies, the revalidate log among its cited logs', async () => {
    expect(await readdir(join(made.out, 'logs'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^revalidate_.*\.log$/)]),
    );
    const verify = await oneroof(testbed, ['evidence', 'verify', made.out]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('--from reads the revalidation back from its log, 04 alike', async () => {
    const again = await evidence(['--from', ...made.set.citations.map((c) => c.log)]);
    const strip = (t: string) => t.replace(/Generated by oneroof evidence at \S+/, '');
    expect(strip(await again.read('04-clone-revalidation.md'))).toBe(
      strip(await made.read('04-clone-revalidation.md')),
    );
  }, 60_000);
});

describe('oneroof evidence without the release applied on the replica', () => {
  it('04 says the revalidation was refused, from its run, and claims no pass', async () => {
    await bench.reset();
    const before = await snapshot();
    const made = await evidence(['--revalidate-on', 'replica']);
    const doc = plain(await made.read('04-clone-revalidation.md'));
    expect(doc).toContain('refused, exit 3');
    expect(doc).toContain('revalidation needs the release applied');
    expect(doc).toContain('scanner stable: not shown');
    expect(doc).toContain('consolidated DDL recompile against the live graph: not passed');
    expect(await snapshot()).toEqual(before);
  }, 240_000);
});

describe('hostile revalidate-on: the revalidation never goes to a target reached over ssh', () => {
  it('hostile revalidate-on: --revalidate-on contabo-replica (ssh2) is refused, exit 2, nothing run', async () => {
    const { out, run } = await runEvidence(['--revalidate-on', SSH_TARGET]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--revalidate-on ${SSH_TARGET}: not a local replica`);
    await expect(readdir(out)).rejects.toThrow();
    await expect(readdir(run.logDir)).rejects.toThrow();
  });
});
