/**
 * Golden files: the human stdout of real `bin/oneroof` runs, kept in test/golden/<name>.txt and
 * compared after a noise filter. The single-target release reports are rendered in a unit test
 * from the JSON results in test/fixtures/render/ (test/unit/render-golden.test.ts), so their
 * exact text pins no testbed's PostgreSQL build, time or key; the integration tests check only
 * that the live output has the golden's structure (expectGoldenShape). A golden file is also the documentation of what an operator
 * sees, so review every one by eye before keeping it.
 *
 *   ONEROOF_UPDATE_GOLDEN=1 npx vitest run --project integration <file>   rewrites them
 *
 * The noise filter (normalize) replaces, and only replaces, what differs from one run or one
 * machine to the next; every other byte is compared as is:
 *
 *   ISO timestamps        2026-11-25T13:35:49.082289Z, …T13:39:14Z     → <TIME>
 *                         (ledger applied_at, lock holders' `connected`, sessions'
 *                         `in a transaction since`) — all but one: `decided 2026-06-03T00:00:00Z`,
 *                         the approval's decision date, is data of the golden clone, the same on
 *                         every run, and the operator checks it: it stays
 *   durations             `0.41 s` (a tier's time)                      → N.NN s
 *   log paths             `log: /tmp/…/rollout_20261125T133548Z.log`    → log: <LOG>
 *   the ssh peer          `root@127.0.0.1:39065` (the testbed sshd's      → <USER>@127.0.0.1:<PORT>
 *                         user is whoever runs the tests; its port is free-picked)
 *   host key fingerprints SHA256:Gk6ggYufT8G+XWD5SUx+a+HwiQszuat6eke…     → SHA256:<HOSTKEY>
 *                         (the testbed makes a new host key per run)
 *   server pids           `server pid 221`                                → server pid <PID>
 *   runner pids           `pid 11617` (in an application_name)            → pid <PID>
 *   the runner's          `oneroof apply root@vm pid …`                   → oneroof apply <USER>@<HOST> pid …
 *     user@host           (application_name, src/engine/lock.ts)
 *   the live fingerprint  `fingerprint     e5e44b96…` (verify's probe, after an apply)
 *                                                                         → fingerprint     <FINGERPRINT>
 *                         It hashes governance.ledger and governance.event, whose rows carry the
 *                         time they were written: a new digest on every apply. The pre-release
 *                         fingerprint is constant and is asserted exactly by the tests instead.
 *   temp folders          the OS temp dir (packet copies, temp inventories) → <TMP>
 *
 * Digests that do NOT change per run stay in the files on purpose: the reference sets' sha256
 * (verify's `reference.matches`) change only with sql/prod/_reference.sql, and a change there
 * is something an operator must see.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));

const ISO_TIME = /(?<!decided )\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g;
const DURATION = /\b\d+\.\d{2} s\b/g;
const LOG_LINE = /^log: .*$/gm;
const SSH_PEER = /\S+@127\.0\.0\.1:\d+/g;
const HOST_KEY = /SHA256:[A-Za-z0-9+/]{43}=?/g;
const SERVER_PID = /\bserver pid \d+\b/g;
const APP_NAME = /\boneroof ([a-z-]+) [^\s@]+@\S+ pid \d+/g;
const PID = /\bpid \d+\b/g;
const LIVE_FINGERPRINT = /^( {2}fingerprint {5})[0-9a-f]{64}$/gm;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The noise filter described at the top of this file. Pure. */
export function normalize(text: string): string {
  const tmp = new RegExp(`${escapeRegExp(tmpdir().replace(/\/+$/, ''))}/[^\\s:'")]+`, 'g');
  return text
    .replace(LOG_LINE, 'log: <LOG>')
    .replace(ISO_TIME, '<TIME>')
    .replace(DURATION, 'N.NN s')
    .replace(SSH_PEER, '<USER>@127.0.0.1:<PORT>')
    .replace(HOST_KEY, 'SHA256:<HOSTKEY>')
    .replace(SERVER_PID, 'server pid <PID>')
    .replace(APP_NAME, 'oneroof $1 <USER>@<HOST> pid <PID>')
    .replace(PID, 'pid <PID>')
    .replace(LIVE_FINGERPRINT, '$1<FINGERPRINT>')
    .replace(tmp, '<TMP>');
}

/**
 * A report's structure: each line's first column (up to two spaces or the end: `  PASS role`,
 * `  tier 10 structure`, `  state at exit`), in order. What the live testbed prints after the
 * label — its PostgreSQL build, times, digests — is asserted by each test where it matters,
 * never pinned through a golden file.
 */
function reportShape(text: string): string[] {
  return normalize(text)
    .split('\n')
    .map((line) => /^\s*\S+(?: \S+)*/.exec(line.trimEnd())?.[0] ?? '');
}

/**
 * The live output of an integration test has the structure of test/golden/<name>.txt: the same
 * lines, in the same order, with the same labels. The exact text of the golden is pinned by the
 * unit test that renders it from a committed JSON result (test/unit/render-golden.test.ts).
 */
export async function expectGoldenShape(name: string, actual: string): Promise<void> {
  const golden = await readFile(goldenPath(name), 'utf8');
  expect(reportShape(actual), `the structure of golden ${name}.txt`).toEqual(reportShape(golden));
}

function goldenPath(name: string): string {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`golden name ${JSON.stringify(name)}`);
  return join(GOLDEN_DIR, `${name}.txt`);
}

/**
 * Compares `actual` (after the noise filter) with test/golden/<name>.txt; with
 * ONEROOF_UPDATE_GOLDEN=1, writes it instead (and the test still asserts it was written).
 */
export async function expectGolden(name: string, actual: string): Promise<void> {
  const path = goldenPath(name);
  const normalized = normalize(actual);
  if (process.env.ONEROOF_UPDATE_GOLDEN === '1') {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, normalized);
  }
  if (!existsSync(path))
    throw new Error(
      `${path} does not exist: run with ONEROOF_UPDATE_GOLDEN=1, then review the file by eye`,
    );
  expect(normalized, `golden ${name}.txt (rewrite: ONEROOF_UPDATE_GOLDEN=1)`).toBe(
    await readFile(path, 'utf8'),
  );
}
