/**
 * Shared by the end-to-end tests of the release commands (test/integration/commands*.test.ts,
 * lock.test.ts): the real bin/oneroof against the testbed's `contabo-replica` target (ssh2
 * through the loopback sshd, an ssh_config alias, the host key pinned), every run with its own
 * log folder, and the facts of the packet the tests compare with.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { tempDir } from './tmp.js';
import type { Testbed } from '../testbed/global-setup.js';

export const APR = 'APR-2026-0142';
/** The ssh2 target of the testbed inventory. */
export const SSH_TARGET = 'contabo-replica';

/** sql/README.md, the state vector: golden clone, after 10_approve, after the release. */
export const STATE = {
  golden: '0|0|210|0|0|0',
  approved: '1|0|210|0|0|0',
  released: '1|210|0|0|5|0',
} as const;

/** The golden clone + 10_approve.sql for APR-2026-0142: what rollback --full must return to. */
export const PRE_RELEASE_FINGERPRINT =
  '3d207ab385285097daf7cc1a30f37acd43915976dbd926e8b1de0250469c5328';

export const TIERS = [
  [10, 'structure'],
  [20, 'responsibility_axis'],
  [30, 'sovereign_ownership'],
  [40, 'containment'],
  [50, 'topic_finalization'],
  [60, 'scanner_baseline'],
] as const;

export interface Run extends CliResult {
  /** The log folder of this run (fresh, empty before it). */
  logDir: string;
}

/** bin/oneroof with the testbed inventory and a fresh log folder. */
export async function oneroof(
  testbed: Testbed,
  args: string[],
  options: { inventory?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const logDir = join(await tempDir('oneroof-e2e-logs-'), 'logs');
  const result = await runCli(
    ['--inventory', options.inventory ?? testbed.inventory, '--log-dir', logDir, ...args],
    options.env,
  );
  return { ...result, logDir };
}

/** The files in a log folder, sorted; [] when the folder was never made. */
export async function logFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The run's log files, `<kind>_YYYYMMDDTHHMMSSZ.log|.jsonl`, plus the records' signature
 * `.jsonl.sig` when a signing key was found (the ssh target's identity file signs: see
 * src/ssh/sign.ts), and nothing else; the `log:` line of the human output (or `log`
 * of the --json document) names the .log.
 */
export async function expectOneLog(
  run: Run,
  kind: 'preflight' | 'rollout' | 'verify' | 'rollback' | 'status' | 'reader',
): Promise<{ log: string; records: string; signature: string | undefined }> {
  const files = await logFiles(run.logDir);
  const stamp = new RegExp(`^${kind}_\\d{8}T\\d{6}Z\\.jsonl$`).test(files[0] ?? '')
    ? files[0]!.replace(/\.jsonl$/, '')
    : undefined;
  const expected =
    stamp === undefined
      ? []
      : [`${stamp}.jsonl`, ...(files.length === 3 ? [`${stamp}.jsonl.sig`] : []), `${stamp}.log`];
  if (stamp === undefined || JSON.stringify(files) !== JSON.stringify(expected))
    throw new Error(`expected one ${kind} log pair in ${run.logDir}, got ${JSON.stringify(files)}`);
  const log = join(run.logDir, `${stamp}.log`);
  const named = run.stdout.startsWith('{')
    ? (JSON.parse(run.stdout) as { log?: string }).log === log
    : run.stdout === '' || run.stdout.includes(`log: ${log}\n`);
  if (!named) throw new Error(`the output does not name ${log}:\n${run.stdout}`);
  return {
    log,
    records: join(run.logDir, `${stamp}.jsonl`),
    signature: files.length === 3 ? join(run.logDir, `${stamp}.jsonl.sig`) : undefined,
  };
}

/** The last record of a .jsonl run log (`record: "end"` when the run closed it). */
export async function lastRecord(path: string): Promise<Record<string, unknown>> {
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

/** `tier|name|applied|attempt|…` lines of tier_status.sql → tier → [applied, attempt]. */
export function ledger(tierStatus: string): Record<number, [boolean, string]> {
  const out: Record<number, [boolean, string]> = {};
  for (const line of tierStatus.split('\n')) {
    const [tier, , applied, attempt] = line.split('|');
    out[Number(tier)] = [applied === 't', attempt ?? ''];
  }
  return out;
}

/** Every tier applied or not, as ledger() prints it. */
export function ledgerOf(
  applied: (tier: number) => boolean,
  attempt = '1',
): Record<number, [boolean, string]> {
  return Object.fromEntries(
    TIERS.map(([tier]) => [tier, applied(tier) ? [true, attempt] : [false, '']]),
  );
}

/** The human report's lines on stdout that start with two spaces and `tier NN`. */
export function tierLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^ {2}(tier \d\d |full rollback)/.test(l))
    .map((l) =>
      l
        .replace(/\s+\d+\.\d\d s$/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
}

/** The whole stdout must be one JSON document (and nothing else). */
export function oneJsonDocument(stdout: string): Record<string, unknown> {
  const doc: unknown = JSON.parse(stdout);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error(`stdout is JSON but not one object: ${stdout.slice(0, 200)}`);
  return doc as Record<string, unknown>;
}

/** A temp inventory: the testbed's targets, a target whose container does not exist, groups. */
export async function groupInventory(testbed: Testbed): Promise<{ inventory: string }> {
  const inventory = join(await tempDir('oneroof-e2e-inventory-'), 'inventory');
  await mkdir(inventory);
  const base = await readFile(join(testbed.inventory, 'targets.yml'), 'utf8');
  await writeFile(
    join(inventory, 'targets.yml'),
    `${base}  ghost:
    ssh: ${testbed.ssh.alias}
    ssh_config: ${testbed.ssh.sshConfig}
    container: oneroof-e2e-no-such-container
    database: directus
    user: workflow_admin
groups:
  both: [${SSH_TARGET}, replica]
  mixed: [${SSH_TARGET}, ghost]
`,
  );
  return { inventory };
}
