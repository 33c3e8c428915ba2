/**
 * The One-Roof Phase-1 packet (sql/) on the testbed replica, with plain psql through `docker
 * exec` exactly as the seed documents: the packet copied into the container, `psql -X -v
 * ON_ERROR_STOP=1 -U workflow_admin -d directus -f sql/prod/99_run_all.sql`. Every test that
 * mutates starts from `Replica.reset` (the golden clone), so tests are independent.
 */
import { spawnSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { parseManifest } from '../../src/packet/manifest.js';
import { runCli } from '../helpers/cli.js';
import { PacketBench, markers } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const APR = 'APR-2026-0142';
const GOLDEN_STATE = '0|0|210|0|0|0';
/** sql/README.md states it too; it changes only when the golden clone or the fingerprint does. */
const GOLDEN_FINGERPRINT = '38a9aaefdbb4e3a5e02c5ca66a197c7f63d95c5168e4075416451d8f437501c2';
const TIERS = [
  [10, 'structure'],
  [20, 'responsibility_axis'],
  [30, 'sovereign_ownership'],
  [40, 'containment'],
  [50, 'topic_finalization'],
  [60, 'scanner_baseline'],
] as const;

let bench: PacketBench;

beforeAll(async () => {
  bench = await PacketBench.open(testbed);
  await bench.install();
});

afterAll(async () => {
  await bench.emptyDatabase();
  await bench.uninstall();
});

/** Golden clone + approval + 99_run_all: the release applied, checked to have ended well. */
async function applied(apr = APR): Promise<void> {
  await bench.reset(apr);
  const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: apr });
  expect(run.stderr).toContain('ONEROOF END 99_run_all');
  expect(run.exitCode).toBe(0);
}

describe('the golden clone', () => {
  it('gives exactly 0|0|210|0|0|0 and the same fingerprint on two builds', async () => {
    await bench.reset();
    expect(await bench.probe('state_vector')).toBe(GOLDEN_STATE);
    const first = await bench.probe('fingerprint');
    await bench.reset();
    expect(await bench.probe('state_vector')).toBe(GOLDEN_STATE);
    expect(await bench.probe('fingerprint')).toBe(first);
    expect(first).toBe(GOLDEN_FINGERPRINT);
    // Nothing of the release yet: no structure, no scanner, no tier applied, no approval.
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
    expect(await bench.probe('scanner_count')).toBe('-1');
    expect(await bench.probe('gate')).toBe('');
    expect((await bench.probe('tier_status')).split('\n')).toEqual(
      TIERS.map(([tier, name]) => `${tier}|${name}|f||||`),
    );
  });

  it('10_approve.sql records the rehearsal approval, and refuses a database that is not a golden clone', async () => {
    await bench.reset(APR);
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
    expect(await bench.probe('gate')).toBe(
      `${APR}|L4|ratified|OSP-2026-0001|2026-06-03T00:00:00Z|t`,
    );

    await bench.query('ALTER DATABASE directus RESET oneroof.golden_clone');
    const refused = await bench.runFile('clone_revalidation/10_approve.sql', {
      ratified_apr: 'APR-2026-0999',
    });
    expect(refused.exitCode).toBe(3);
    expect(markers(refused.stderr)).toEqual([
      'ONEROOF REFUSED: 10_approve.sql records a fake ratification and runs only on a golden clone, got a database without oneroof.golden_clone (production?)',
    ]);
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
  });
});

describe('the gate', () => {
  it('closed (ospa 0): 99_run_all exits 3 with the preflight’s named reason and mutates nothing', async () => {
    await bench.reset();
    const before = await bench.probe('fingerprint');
    const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(run.exitCode).toBe(3);
    const seen = markers(run.stderr);
    expect(seen).toContain('ONEROOF PREFLIGHT FAIL gate.ospa: expected >= 1, got 0');
    expect(seen).toContain(
      `ONEROOF PREFLIGHT FAIL gate.apr_ratified: expected a ratified L2/L4 approval for '${APR}', got no approval with that code`,
    );
    expect(seen).toContain('ONEROOF PREFLIGHT PASS state: baseline (schema governance absent)');
    expect(seen.at(-1)).toBe('ONEROOF NO-GO: gate.ospa, gate.apr_ratified');
    expect(run.stderr).toMatch(
      /^psql:sql\/prod\/00_preflight\.sql:\d+: ERROR: {2}ONEROOF NO-GO: gate\.ospa, gate\.apr_ratified$/m,
    );
    expect(seen.some((m) => m.startsWith('ONEROOF TIER'))).toBe(false);
    // Nothing mutated, not even the structure.
    expect(await bench.probe('fingerprint')).toBe(before);
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
    expect(await bench.probe('state_vector')).toBe(GOLDEN_STATE);
  });

  it('closed: without -v ratified_apr the preflight says so (no psql syntax error)', async () => {
    await bench.reset();
    const run = await bench.runFile('prod/00_preflight.sql');
    expect(run.exitCode).toBe(3);
    const seen = markers(run.stderr);
    expect(seen).toContain(
      'ONEROOF PREFLIGHT FAIL gate.apr_ratified: expected a ratified L2/L4 approval named by -v ratified_apr, got ratified_apr not set',
    );
    expect(seen.at(-1)).toBe('ONEROOF NO-GO: gate.ospa, gate.apr_ratified');
    expect(run.stderr).not.toMatch(/syntax error/);
  });

  it('open (ospa 1) but a wrong APR code: refused the same way, nothing mutated', async () => {
    await bench.reset(APR);
    const before = await bench.probe('fingerprint');
    const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: 'APR-2026-9999' });
    expect(run.exitCode).toBe(3);
    const seen = markers(run.stderr);
    expect(seen).toContain('ONEROOF PREFLIGHT PASS gate.ospa: 1');
    expect(seen).toContain(
      "ONEROOF PREFLIGHT FAIL gate.apr_ratified: expected a ratified L2/L4 approval for 'APR-2026-9999', got no approval with that code",
    );
    expect(seen.at(-1)).toBe('ONEROOF NO-GO: gate.apr_ratified');
    expect(seen.some((m) => m.startsWith('ONEROOF TIER'))).toBe(false);
    expect(await bench.probe('fingerprint')).toBe(before);
  });

  it('a tier run by hand re-checks the gate itself: NO-GO before anything of it runs', async () => {
    await bench.reset(APR);
    const before = await bench.probe('fingerprint');
    const run = await bench.runFile('prod/10_structure.sql', { ratified_apr: 'APR-2026-9999' });
    expect(run.exitCode).toBe(3);
    expect(markers(run.stderr)).toEqual([
      'ONEROOF TIER 10 BEGIN structure',
      'ONEROOF NO-GO: gate.apr_ratified',
    ]);
    expect(run.stderr).toContain(
      "DETAIL:  gate.apr_ratified: expected a ratified L2/L4 approval for 'APR-2026-9999', got no approval with that code",
    );
    expect(await bench.probe('fingerprint')).toBe(before);
  });

  it('an idle-in-transaction session: the preflight names it, NO-GO', async () => {
    await bench.reset(APR);
    const idle = await bench.holdIdleInTransaction('oneroof-test-idle');
    try {
      expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|1');
      const run = await bench.runFile('prod/00_preflight.sql', { ratified_apr: APR });
      expect(run.exitCode).toBe(3);
      const seen = markers(run.stderr);
      const fail = seen.find((m) => m.startsWith('ONEROOF PREFLIGHT FAIL idle_in_transaction:'));
      expect(fail).toMatch(
        new RegExp(
          `^ONEROOF PREFLIGHT FAIL idle_in_transaction: expected 0, got 1 \\(pid ${idle.pid} user ${testbed.user} application oneroof-test-idle, idle in transaction since \\S+Z\\)$`,
        ),
      );
      expect(seen).toContain(
        'ONEROOF PREFLIGHT PASS gate.apr_ratified: ' +
          `'${APR}' (L4 ratified, proposal OSP-2026-0001, decided 2026-06-03T00:00:00Z)`,
      );
      expect(seen.at(-1)).toBe('ONEROOF NO-GO: idle_in_transaction');
    } finally {
      await idle.release();
    }
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
  });
});

describe('a ratified release', () => {
  it('commits every tier: 11/31/1, gap 0, conflict 0, containment 0, divergent 0, projection 0, scanner 38, verify passes, ledger with checksums', async () => {
    await bench.reset(APR);
    const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(run.exitCode).toBe(0);
    const seen = markers(run.stderr);
    expect(seen).toContain('ONEROOF PREFLIGHT GO');
    expect(seen.filter((m) => m.startsWith('ONEROOF TIER'))).toEqual(
      TIERS.flatMap(([tier, name]) => [
        `ONEROOF TIER ${tier} BEGIN ${name}`,
        `ONEROOF TIER ${tier} COMMIT ${name}`,
      ]),
    );
    expect(run.stderr).toMatch(
      /^psql:sql\/prod\/30_sovereign_ownership\.sql:\d+: NOTICE: {2}ONEROOF TIER 30 BEGIN sovereign_ownership$/m,
    );
    for (const pass of [
      'structure.tables: 11',
      'structure.views: 31',
      'structure.functions: 1',
      'structure.external_dependents: 0',
      'ownership.gap: 0',
      'ownership.conflict: 0',
      'containment.gap: 0',
      'topic.divergent: 0',
      'topic.projection: 0',
      'scanner.findings: 38',
      'scanner.baseline: 38',
      'events.gov_emit: 5',
      "ledger.checksums: 6 applied tiers recorded this packet's sha256",
    ])
      expect(seen).toContain(`ONEROOF VERIFY PASS ${pass}`);
    expect(seen.slice(-2)).toEqual(['ONEROOF END 90_verify', 'ONEROOF END 99_run_all']);
    expect(seen.some((m) => m.startsWith('ASSERT') || m.includes('NO-GO'))).toBe(false);
    // Not a dry run: real transactions, no savepoint, no dry-run marker.
    expect(seen.some((m) => m.startsWith('ONEROOF DRY-RUN'))).toBe(false);
    expect(run.stdout).not.toMatch(/SAVEPOINT|RELEASE/);

    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
    expect(await bench.probe('structure_counts')).toBe('11|31|1');
    expect(await bench.probe('scanner_count')).toBe('38');
    expect(await bench.probe('findings_new')).toBe('');
    expect(
      await bench.query(
        `SELECT concat_ws('|', (SELECT count(*) FROM governance.v_containment_gap),
                              (SELECT count(*) FROM governance.v_topic_divergent),
                              (SELECT count(*) FROM governance.v_topic_projection),
                              (SELECT count(*) FROM governance.responsibility_axis),
                              (SELECT count(*) FROM governance.axis_placement))`,
      ),
    ).toBe('0|0|0|7|210');
    // The 38, by rule (sql/README.md, "Scanner").
    expect(
      await bench.query(
        "SELECT string_agg(rule || '=' || live, ',' ORDER BY rule) FROM governance.v_scanner_summary WHERE live > 0",
      ),
    ).toBe(
      'entity.no_primary_key=7,entity.undocumented=21,owner.no_active_steward=2,role.unexpected_admin_access=2,user.active_without_role=6',
    );
    // 90_verify.sql by itself passes too.
    const verify = await bench.runFile('prod/90_verify.sql');
    expect(verify.exitCode).toBe(0);
    expect(markers(verify.stderr).at(-1)).toBe('ONEROOF END 90_verify');

    // The ledger: every tier, with the sha256 the manifest has for its file.
    const manifest = new Map(
      parseManifest(await readFile(join(PACKAGE_ROOT, 'sql', 'manifest-sha256.txt'), 'utf8')).map(
        (e) => [e.path, e.sha256],
      ),
    );
    const status = (await bench.probe('tier_status')).split('\n').map((line) => line.split('|'));
    expect(
      status.map(([tier, name, applied, attempt, sha, apr]) => [
        tier,
        name,
        applied,
        attempt,
        sha,
        apr,
      ]),
    ).toEqual(
      TIERS.map(([tier, name]) => [
        String(tier),
        name,
        't',
        '1',
        manifest.get(`prod/${tier}_${name}.sql`),
        APR,
      ]),
    );
  });

  it('a second run changes nothing: every tier skipped, fingerprint equal, scanner still 38', async () => {
    await applied();
    const before = await bench.probe('fingerprint');
    const again = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(again.exitCode).toBe(0);
    expect(markers(again.stderr).filter((m) => m.startsWith('ONEROOF TIER'))).toEqual(
      TIERS.map(([tier, name]) => `ONEROOF TIER ${tier} SKIP ${name}: already applied`),
    );
    expect(markers(again.stderr)).toContain(
      'ONEROOF PREFLIGHT PASS state: tiers 10, 20, 30, 40, 50, 60 applied in order by this packet',
    );
    expect(await bench.probe('fingerprint')).toBe(before);
    expect(await bench.probe('scanner_count')).toBe('38');
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
  });

  it('per-tier rollback: in reverse order only, refused out of order and when not applied', async () => {
    await applied();
    const outOfOrder = await bench.runFile('prod_rollback/30_rollback_sovereign_ownership.sql');
    expect(outOfOrder.exitCode).toBe(3);
    expect(markers(outOfOrder.stderr)).toEqual([
      'ONEROOF ROLLBACK 30 BEGIN sovereign_ownership',
      'ONEROOF REFUSED: rollback of tier 30 while tier 60 is applied; roll back 60 first (applied: 10, 20, 30, 40, 50, 60)',
    ]);
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');

    const expectedState: Record<number, string> = {
      60: '1|210|0|0|4|0',
      50: '1|210|0|0|3|0',
      40: '1|210|0|0|2|0',
      30: '1|0|210|0|1|0',
      20: '1|0|210|0|0|0',
    };
    for (const [tier, name] of [...TIERS].reverse()) {
      if (tier === 10) continue;
      // Through the seed's dispatcher, per_tier_rollback.sql -v tier=NN.
      const rollback = await bench.runFile('prod_rollback/per_tier_rollback.sql', {
        tier: String(tier),
      });
      expect(rollback.exitCode, rollback.stderr).toBe(0);
      expect(markers(rollback.stderr)).toEqual([
        `ONEROOF ROLLBACK ${tier} BEGIN ${name}`,
        `ONEROOF ROLLBACK ${tier} COMMIT ${name}`,
        `ONEROOF END ${tier}_rollback_${name}`,
        'ONEROOF END per_tier_rollback',
      ]);
      expect(await bench.probe('state_vector')).toBe(expectedState[tier]);
    }
    expect(await bench.query('SELECT count(*) FROM governance.responsibility_axis')).toBe('0');
    // With the tiers undone the scanner sees every invariant broken for every entity:
    // 4 x 210 (unplaced, unowned, uncontained, topic divergent) + the 36 debt findings that do
    // not need ownership (owner.no_active_steward needs owners).
    expect(await bench.probe('scanner_count')).toBe('876');
    const notApplied = await bench.runFile('prod_rollback/20_rollback_responsibility_axis.sql');
    expect(notApplied.exitCode).toBe(3);
    expect(markers(notApplied.stderr).at(-1)).toBe(
      'ONEROOF REFUSED: rollback of tier 20: tier 20 is not applied (applied: 10)',
    );
    // The auditor keeps the history: every attempt, marked rolled back.
    expect(
      await bench.query(
        "SELECT string_agg(tier || ':' || (rolled_back_at IS NOT NULL), ',' ORDER BY tier) FROM governance.ledger",
      ),
    ).toBe('10:false,20:true,30:true,40:true,50:true,60:true');
    // And the release can be applied again on top.
    const reapply = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(reapply.exitCode).toBe(0);
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
    expect(await bench.probe('scanner_count')).toBe('38');
  });

  it('full rollback returns the exact pre-release fingerprint: ownership 0, gap 210, axis absent', async () => {
    await bench.reset(APR);
    const pre = await bench.probe('fingerprint');
    const apply = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(apply.exitCode).toBe(0);
    expect(await bench.probe('fingerprint')).not.toBe(pre);
    expect(markers(apply.stderr)).toContain(`ONEROOF PREFLIGHT INFO fingerprint: ${pre}`);

    const rollback = await bench.runFile('prod_rollback/99_rollback_full.sql');
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    expect(markers(rollback.stderr)).toEqual([
      'ONEROOF ROLLBACK 99 BEGIN full',
      'ONEROOF ROLLBACK 99 COMMIT full',
      'ONEROOF END 99_rollback_full',
    ]);
    expect(await bench.probe('fingerprint')).toBe(pre);
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
    expect(await bench.query("SELECT to_regclass('governance.responsibility_axis') IS NULL")).toBe(
      't',
    );

    const again = await bench.runFile('prod_rollback/99_rollback_full.sql');
    expect(again.exitCode).toBe(0);
    expect(markers(again.stderr)).toEqual([
      'ONEROOF ROLLBACK 99 SKIP full: not applied',
      'ONEROOF END 99_rollback_full',
    ]);
  });

  it('full rollback refuses to drop what something outside the schema depends on', async () => {
    await applied();
    await bench.query('CREATE VIEW public.owner_report AS SELECT * FROM governance.v_ownership');
    const rollback = await bench.runFile('prod_rollback/99_rollback_full.sql');
    expect(rollback.exitCode).toBe(3);
    expect(markers(rollback.stderr).at(-1)).toMatch(
      /^ONEROOF REFUSED: 1 object\(s\) outside schema governance depend on it \(rule _RETURN on view owner_report\); drop or change them first/,
    );
    expect(await bench.probe('structure_counts')).toBe('11|31|1');
  });

  it('a tier whose post-state assertion fails is not committed; earlier tiers stay committed and recorded', async () => {
    await bench.reset(APR);
    for (const file of ['10_structure', '20_responsibility_axis', '30_sovereign_ownership']) {
      const tier = await bench.runFile(`prod/${file}.sql`, { ratified_apr: APR });
      expect(tier.exitCode, tier.stderr).toBe(0);
    }
    // Between tiers 30 and 40, Directus gains a collection: governed, but never placed or owned.
    await bench.query(
      "CREATE TABLE public.fin_invoice_late (id serial PRIMARY KEY); INSERT INTO public.directus_collections (collection, note, \"group\") VALUES ('fin_invoice_late', 'late arrival', 'finance')",
    );
    const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(run.exitCode).toBe(3);
    const seen = markers(run.stderr);
    expect(seen.filter((m) => m.startsWith('ONEROOF TIER'))).toEqual([
      'ONEROOF TIER 10 SKIP structure: already applied',
      'ONEROOF TIER 20 SKIP responsibility_axis: already applied',
      'ONEROOF TIER 30 SKIP sovereign_ownership: already applied',
      'ONEROOF TIER 40 BEGIN containment',
    ]);
    expect(seen.at(-1)).toBe('ASSERT tier40.containment_gap_zero: expected 0, got 1');
    expect(run.stderr).toMatch(
      /^psql:sql\/prod\/40_containment\.sql:\d+: ERROR: {2}ASSERT tier40\.containment_gap_zero: expected 0, got 1$/m,
    );
    // Tier 40 left nothing; 10..30 are committed and in the ledger.
    expect(
      await bench.query(
        'SELECT (SELECT count(*) FROM governance.containment) + (SELECT count(*) FROM governance.containment_boundary)',
      ),
    ).toBe('0');
    expect(
      (await bench.probe('tier_status'))
        .split('\n')
        .map((line) => line.split('|').slice(0, 3).join('|')),
    ).toEqual(TIERS.map(([tier, name]) => `${tier}|${name}|${tier <= 30 ? 't' : 'f'}`));
    expect(await bench.probe('state_vector')).toBe('1|210|1|0|2|0');
  });

  it('clone revalidation leaves the fingerprint untouched and reports verify, DDL recompile and scanner 38 twice', async () => {
    await applied();
    const before = await bench.probe('fingerprint');
    const run = await bench.runFile('clone_revalidation/20_revalidate.sql');
    expect(run.exitCode, run.stderr).toBe(0);
    const seen = markers(run.stderr);
    expect(seen).toContain('ONEROOF VERIFY PASS scanner.findings: 38');
    expect(seen).toContain('ONEROOF END 90_verify');
    expect(seen.find((m) => m.includes('revalidation.ddl_recompile'))).toMatch(
      /^ONEROOF VERIFY PASS revalidation\.ddl_recompile: 11 tables, 31 views, 1 function re-applied over the live objects, catalog sha256 [0-9a-f]{64} unchanged$/,
    );
    expect(seen.find((m) => m.includes('revalidation.scanner_first'))).toMatch(
      /^ONEROOF VERIFY PASS revalidation\.scanner_first: 38 \(findings sha256 [0-9a-f]{64}\)$/,
    );
    expect(seen).toContain(
      'ONEROOF VERIFY PASS revalidation.scanner_second: 38 (same findings, equal to the baseline)',
    );
    expect(seen.at(-1)).toBe('ONEROOF END 20_revalidate');
    expect(await bench.probe('fingerprint')).toBe(before);
  });

  it('an APR code full of quotes and semicolons reaches the SQL only as a quoted literal', async () => {
    const hostile = `x'); DROP SCHEMA public CASCADE; --";\\'; SELECT 1;`;
    await bench.reset();
    const before = await bench.probe('fingerprint');
    const closed = await bench.runFile('prod/99_run_all.sql', { ratified_apr: hostile });
    expect(closed.exitCode).toBe(3);
    expect(markers(closed.stderr).at(-1)).toBe('ONEROOF NO-GO: gate.ospa, gate.apr_ratified');
    expect(await bench.probe('fingerprint')).toBe(before);

    // Recorded and matched as one opaque value: the gate opens for exactly that string.
    const approve = await bench.runFile('clone_revalidation/10_approve.sql', {
      ratified_apr: hostile,
    });
    expect(approve.exitCode, approve.stderr).toBe(0);
    const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: hostile });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
    expect(await bench.query('SELECT DISTINCT apr_code FROM governance.ledger')).toBe(hostile);
    expect(await bench.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).toBe(
      '216',
    );
  });
});

describe('the dry run: 99_run_all.sql -v dry_run=on', () => {
  const DRY = { ratified_apr: APR, dry_run: 'on' };
  /** The markers after the preflight's (PREFLIGHT and VERIFY PASS lines left out). */
  const flow = (stderr: string) =>
    markers(stderr).filter(
      (m) => !m.startsWith('ONEROOF PREFLIGHT ') && !m.startsWith('ONEROOF VERIFY PASS '),
    );

  it('on the approved golden clone: every tier and the verify in one transaction, rolled back; state vector, fingerprint and ledger as before', async () => {
    await bench.reset(APR);
    const state = await bench.probe('state_vector');
    const fingerprint = await bench.probe('fingerprint');
    const run = await bench.runFile('prod/99_run_all.sql', DRY);
    expect(run.exitCode, run.stderr).toBe(0);
    const seen = markers(run.stderr);
    expect(seen).toContain('ONEROOF PREFLIGHT GO');
    expect(flow(run.stderr)).toEqual([
      'ONEROOF END 00_preflight',
      'ONEROOF DRY-RUN BEGIN',
      ...TIERS.flatMap(([tier, name]) => [
        `ONEROOF TIER ${tier} BEGIN ${name}`,
        `ONEROOF TIER ${tier} COMMIT ${name}`,
      ]),
      'ONEROOF END 90_verify',
      'ONEROOF DRY-RUN ROLLBACK',
      'ONEROOF END 99_run_all',
    ]);
    // The verify ran inside the transaction and saw every tier's work.
    for (const pass of [
      'ledger.applied: 10,20,30,40,50,60',
      'ownership.gap: 0',
      'scanner.findings: 38',
      'events.gov_emit: 5',
      "ledger.checksums: 6 applied tiers recorded this packet's sha256",
    ])
      expect(seen).toContain(`ONEROOF VERIFY PASS ${pass}`);
    expect(run.stderr).toMatch(
      /^psql:sql\/prod\/_dry_run_begin\.sql:\d+: NOTICE: {2}ONEROOF DRY-RUN BEGIN$/m,
    );
    expect(run.stderr).toMatch(
      /^psql:sql\/prod\/_dry_run_rollback\.sql:\d+: NOTICE: {2}ONEROOF DRY-RUN ROLLBACK$/m,
    );
    // One transaction: the preflight's own, then one BEGIN and one ROLLBACK; the tiers in savepoints.
    const tags = run.stdout.split('\n');
    expect(tags.filter((t) => t === 'BEGIN')).toHaveLength(2);
    expect(tags.filter((t) => t === 'COMMIT')).toHaveLength(1);
    expect(tags.filter((t) => t === 'SAVEPOINT')).toHaveLength(2 * TIERS.length);

    expect(await bench.probe('state_vector')).toBe(state);
    expect(await bench.probe('fingerprint')).toBe(fingerprint);
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
    expect((await bench.probe('tier_status')).split('\n')).toEqual(
      TIERS.map(([tier, name]) => `${tier}|${name}|f||||`),
    );

    // Nothing left behind (no lock, no session in a transaction): the release itself runs now.
    const release = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR });
    expect(release.exitCode, release.stderr).toBe(0);
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
  });

  it('a tier assertion failing inside it: exit 3, and nothing persists, not even the earlier tiers and their ledger rows', async () => {
    await bench.reset(APR);
    // One more active account without a role: the scanner reports 39, tier 60 refuses to baseline.
    await bench.query(
      "INSERT INTO public.directus_users (id, email, status) VALUES (md5('dry-run/stray')::uuid, 'stray@oneroof.example', 'active')",
    );
    const fingerprint = await bench.probe('fingerprint');
    const run = await bench.runFile('prod/99_run_all.sql', DRY);
    expect(run.exitCode).toBe(3);
    expect(flow(run.stderr)).toEqual([
      'ONEROOF END 00_preflight',
      'ONEROOF DRY-RUN BEGIN',
      ...TIERS.slice(0, 5).flatMap(([tier, name]) => [
        `ONEROOF TIER ${tier} BEGIN ${name}`,
        `ONEROOF TIER ${tier} COMMIT ${name}`,
      ]),
      'ONEROOF TIER 60 BEGIN scanner_baseline',
      'ASSERT tier60.scanner_count: expected 38, got 39',
    ]);
    expect(run.stderr).toMatch(
      /^psql:sql\/prod\/60_scanner_baseline\.sql:\d+: ERROR: {2}ASSERT tier60\.scanner_count: expected 38, got 39$/m,
    );
    // Tiers 10..50 had released their savepoints: gone with the transaction all the same.
    expect(await bench.probe('fingerprint')).toBe(fingerprint);
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
    expect(await bench.query("SELECT to_regnamespace('governance') IS NULL")).toBe('t');
  });

  it('the verify failing inside it, after every tier: exit 3, nothing persists', async () => {
    await bench.reset(APR);
    // A late collection the tiers place, own and contain happily; the verify expects 210.
    await bench.query(
      "CREATE TABLE public.fin_invoice_late (id serial PRIMARY KEY); INSERT INTO public.directus_collections (collection, note, \"group\") VALUES ('fin_invoice_late', 'late arrival', 'finance')",
    );
    const fingerprint = await bench.probe('fingerprint');
    const run = await bench.runFile('prod/99_run_all.sql', DRY);
    expect(run.exitCode).toBe(3);
    const seen = flow(run.stderr);
    expect(seen.filter((m) => m.startsWith('ONEROOF TIER'))).toHaveLength(2 * TIERS.length);
    expect(seen.slice(-2)).toEqual([
      'ONEROOF TIER 60 COMMIT scanner_baseline',
      'ASSERT verify.entities.governed: expected 210, got 211',
    ]);
    expect(await bench.probe('fingerprint')).toBe(fingerprint);
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
  });

  it('on an applied database: every tier skips, the verify passes, nothing changes', async () => {
    await applied();
    const fingerprint = await bench.probe('fingerprint');
    const status = await bench.probe('tier_status');
    const run = await bench.runFile('prod/99_run_all.sql', DRY);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(flow(run.stderr)).toEqual([
      'ONEROOF END 00_preflight',
      'ONEROOF DRY-RUN BEGIN',
      ...TIERS.map(([tier, name]) => `ONEROOF TIER ${tier} SKIP ${name}: already applied`),
      'ONEROOF END 90_verify',
      'ONEROOF DRY-RUN ROLLBACK',
      'ONEROOF END 99_run_all',
    ]);
    expect(await bench.probe('fingerprint')).toBe(fingerprint);
    expect(await bench.probe('tier_status')).toBe(status);
    expect(await bench.probe('state_vector')).toBe('1|210|0|0|5|0');
  });

  it('a dry_run value other than on is refused before anything runs, the value only quoted', async () => {
    await bench.reset(APR);
    const fingerprint = await bench.probe('fingerprint');
    for (const value of ['off', 'ON', '', `x'); DROP SCHEMA public CASCADE; --`]) {
      const run = await bench.runFile('prod/99_run_all.sql', { ratified_apr: APR, dry_run: value });
      expect(run.exitCode, value).toBe(3);
      expect(markers(run.stderr)).toEqual([`ONEROOF REFUSED: dry_run must be on, got '${value}'`]);
      expect(run.stderr).toMatch(/^psql:sql\/prod\/_session\.sql:\d+: ERROR: {2}ONEROOF REFUSED/m);
    }
    expect(await bench.probe('fingerprint')).toBe(fingerprint);
    expect(await bench.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).toBe(
      '216',
    );
  });

  it('any file but 99_run_all.sql refuses dry_run before anything of it runs', async () => {
    await bench.reset(APR);
    const fingerprint = await bench.probe('fingerprint');
    for (const file of [
      'prod/10_structure.sql',
      'prod/00_preflight.sql',
      'prod/90_verify.sql',
      'prod_rollback/99_rollback_full.sql',
    ]) {
      const run = await bench.runFile(file, DRY);
      expect(run.exitCode, file).toBe(3);
      const seen = markers(run.stderr);
      expect(seen, file).toHaveLength(1);
      expect(seen[0]).toMatch(/^ONEROOF REFUSED: dry_run only through 99_run_all\.sql /);
    }
    expect(await bench.probe('fingerprint')).toBe(fingerprint);
    expect(await bench.probe('structure_counts')).toBe('0|0|0');
  });
});

describe('oneroof replica reset [--approve CODE]', () => {
  const env = { ONEROOF_INVENTORY: testbed.inventory };

  it('seeds the golden clone, and with --approve also the ratified approval: a rehearsal in one command', async () => {
    const plain = await runCli(['replica', 'reset'], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/database directus reset to the golden clone in [0-9.]+ s/);
    expect(await bench.probe('state_vector')).toBe(GOLDEN_STATE);
    expect(await bench.probe('fingerprint')).toBe(GOLDEN_FINGERPRINT);

    const approved = await runCli(['replica', 'reset', '--approve', APR], env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stderr).toContain(
      `ratified approval ${APR} recorded (10_approve.sql, rehearsal only)`,
    );
    expect(await bench.probe('state_vector')).toBe('1|0|210|0|0|0');
    const run = await bench.runFile('prod/00_preflight.sql', { ratified_apr: APR });
    expect(run.exitCode).toBe(0);
    expect(markers(run.stderr).slice(-2)).toEqual([
      'ONEROOF PREFLIGHT GO',
      'ONEROOF END 00_preflight',
    ]);
  });

  it('a bad --approve code: exit 2, the value and what was expected named, nothing contacted', async () => {
    const r = await runCli(['replica', 'reset', '--approve', "APR'; DROP"], {
      ...env,
      DOCKER_HOST: `unix://${testbed.dir}/no-docker.sock`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `--approve: expected an APR code: letters, digits, . _ : / -, starting with a letter or digit, at most 64, got "APR'; DROP"`,
    );
    expect(r.stderr).not.toMatch(/Docker/);
  });
});

describe('npm run manifest (the bin: oneroof manifest write|check)', () => {
  const bin = join(PACKAGE_ROOT, 'bin', 'oneroof');
  const manifest = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'manifest', ...args], { encoding: 'utf8' });

  it('check: exit 0 on this checkout', () => {
    const r = manifest('check');
    expect(r.stdout).toMatch(/manifest-sha256\.txt matches the packet/);
    expect(r.status).toBe(0);
  });

  it('check: exit 5 naming each mismatching file with both digests; write repairs it', async () => {
    const dir = join(await tempDir(), 'sql');
    await cp(join(PACKAGE_ROOT, 'sql'), dir, { recursive: true });
    const file = join(dir, 'prod', '99_run_all.sql');
    await writeFile(file, (await readFile(file, 'utf8')) + '-- tampered\n');
    const r = manifest('check', '--packet', dir);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(
      /^ {2}mismatch {2}prod\/99_run_all\.sql: manifest [0-9a-f]{64}, file [0-9a-f]{64}$/m,
    );
    expect(r.stderr).toMatch(
      /^ {2}stale {5}prod\/_checksums\.sql: regenerated [0-9a-f]{64}, file [0-9a-f]{64} \(run: oneroof manifest write\)$/m,
    );
    expect(manifest('write', '--packet', dir).status).toBe(0);
    expect(manifest('check', '--packet', dir).status).toBe(0);
  });

  it('usage: exit 2', () => {
    expect(manifest('verify').status).toBe(2);
  });
});
