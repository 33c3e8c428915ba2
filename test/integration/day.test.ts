/**
 * docs/day.md cannot drift: every command the page shows is run here, in the page's order, on
 * the testbed (the operator's `contabo` is this testbed's loopback sshd in front of its replica,
 * reached through ssh2 with the host key pinned; the approval is ratified first, as the page
 * says), through the real bin/oneroof found on PATH as `oneroof`, in a HOME of its own with the
 * installed layout (logs in ~/.local/state/oneroof/logs). A command without --yes that changes
 * the target runs on a pseudo-terminal and is confirmed there, as the operator does. Each
 * command must exit 0 unless the page shows its `echo $?`, and every output line the page quotes
 * must be among the lines it printed, after normalising times, stamps, durations, digests and
 * ports (test/helpers/day-page.ts). A log named in a command is the newest of its kind.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { BIN } from '../helpers/cli.js';
import { compare, pageSteps, withStamps, type Step } from '../helpers/day-page.js';
import { APR } from '../helpers/e2e.js';
import { PacketBench } from '../helpers/packet.js';
import { onPtyShell } from '../helpers/pty.js';
import { screen } from '../helpers/screen.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const PAGE = join(PACKAGE_ROOT, 'docs', 'day.md');
const steps = pageSteps(PAGE);
/** Where the page's paths are on this run: the page's on the left. */
const HOME = '/home/op';
const TEXTFILE = '/var/lib/node_exporter/textfile';

interface Ran {
  code: number | null;
  output: string;
  /** The quoted lines no output line matched. */
  missing?: string[];
}
const ran = new Map<Step, Ran>();
let home: string;
let bench: PacketBench;

/** Changes the target without asking first: run on a terminal, confirmed there. */
const confirms = (command: string): boolean =>
  /\boneroof (apply|rollback)\b/.test(command) && !/ (-y|--yes|-n|--dry-run)\b/.test(command);

/** The page's command as it runs here: its paths in this HOME, its logs the real ones. */
function localCommand(command: string, stamps: Map<string, string>): string {
  return withStamps(command, stamps)
    .replaceAll(TEXTFILE, join(home, 'textfile'))
    .replaceAll(HOME, home);
}

function shell(command: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: home, env, timeout: 180_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: `${stdout}\n${stderr}` }));
  });
}

beforeAll(async () => {
  home = await tempDir('oneroof-day-');
  await mkdir(join(home, 'bin'));
  await writeFile(
    join(home, 'bin', 'oneroof'),
    `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`,
  );
  await chmod(join(home, 'bin', 'oneroof'), 0o755);
  await mkdir(join(home, 'textfile'));
  const inventory = join(home, '.config/oneroof');
  await mkdir(inventory, { recursive: true });
  await writeFile(
    join(inventory, 'targets.yml'),
    `targets:\n  contabo:\n    ssh: ${testbed.ssh.alias}\n    ssh_config: ${testbed.ssh.sshConfig}\n    container: ${testbed.container}\n    database: ${testbed.database}\n    user: ${testbed.user}\n`,
  );
  // The inventory is found where an installed oneroof looks, ~/.config/oneroof/; the logs
  // are put where an install writes them (this checkout, a clone, would write ./logs).
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(home, 'bin')}:${process.env.PATH}`,
    HOME: home,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ONEROOF_LOG_DIR: join(home, '.local/state/oneroof/logs'),
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
  };
  bench = await PacketBench.open(testbed);
  await bench.install();
  await bench.reset(APR); // the approval ratified: the day starts where the page's does
  let last = 0;
  const stamps = new Map<string, string>();
  for (const step of steps) {
    const command = `(exit ${last}); ${localCommand(step.command, stamps)}`;
    let result: Ran;
    if (confirms(step.command)) {
      const r = await onPtyShell(command, env, { when: /: $/, text: 'contabo' }, { cwd: home });
      result = { code: r.code, output: screen(r.transcript) };
    } else result = await shell(command, env);
    result.output = result.output
      .replaceAll(join(home, 'textfile'), TEXTFILE)
      .replaceAll(home, HOME);
    if (process.env.ONEROOF_DAY_DUMP)
      await writeFile(
        process.env.ONEROOF_DAY_DUMP,
        `\n=== ${step.line}: $ ${step.command}  [exit ${result.code}]\n${result.output}`,
        { flag: 'a' },
      );
    const { missing, stamps: seen } = compare(step.excerpt, result.output);
    for (const [quoted, real] of seen) stamps.set(quoted, real);
    ran.set(step, { ...result, missing });
    last = result.code ?? 1;
  }
}, 900_000);

afterAll(async () => {
  await bench?.emptyDatabase();
  await bench?.uninstall();
});

describe('docs/day.md: the three users’ day, run', () => {
  it('the page shows commands for the operator, the cron box and the auditor', () => {
    const commands = steps.map((s) => s.command).join('\n');
    for (const shown of [
      'oneroof preflight',
      'oneroof apply',
      'oneroof status',
      'oneroof rollback',
      '--wait',
      '--metrics',
      'oneroof runs',
      'oneroof logs prune',
      'oneroof replay',
      '--html',
      '--cast',
      'oneroof evidence',
    ])
      expect(commands).toContain(shown);
  });

  it('the screens the page shows are in the repository (scripts/screens.sh makes them)', async () => {
    const page = await readFile(PAGE, 'utf8');
    const images = [...page.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(images).toEqual(['screens/apply-view.png', 'screens/replay-page.png']);
    for (const image of images)
      expect((await readFile(join(PACKAGE_ROOT, 'docs', image))).subarray(1, 4).toString()).toBe(
        'PNG',
      );
  });

  it.each(steps.map((step, i) => [step.line, step.command, step, steps[i + 1]] as const))(
    'docs/day.md:%i $ %s',
    (_line, _command, step, next) => {
      const result = ran.get(step)!;
      if (next?.command !== 'echo $?') expect(result.code, result.output).toBe(0);
      expect(result.missing, result.output).toEqual([]);
    },
  );

  it('every metric the page’s alert rules use is in the textfile the cron line wrote', async () => {
    const page = [...(await readFile(PAGE, 'utf8')).matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
      .map((m) => m[1])
      .join('\n');
    expect(page).toContain('alert:');
    const prom = await readFile(join(home, 'textfile', 'oneroof-preflight.prom'), 'utf8');
    const written = new Set(prom.match(/^oneroof_[a-z_]+/gm));
    const named = new Set(page.match(/\boneroof_[a-z_]+/g));
    expect([...named].filter((m) => !written.has(m))).toEqual([]);
  });
});
