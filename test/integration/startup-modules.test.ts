/**
 * What a cold `node bin/oneroof …` loads (issue 13: start in a blink): the commands that reach
 * no target must not load the ssh and Docker clients, the run logger or the engine, and a run
 * over ssh2 must not load the Docker client. Deterministic: the real, built bin under the
 * module-trace preload (test/helpers/module-trace.mjs), which lists every file the process
 * loaded; a file of the bundle (scripts/bundle.mjs) stands for the modules its metafile says it
 * holds. No timing is measured or asserted (bench/startup.bench.ts prints those).
 */
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { BIN } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const TRACE = new URL('../helpers/module-trace.mjs', import.meta.url).pathname;
const APR = 'APR-2026-0142';

interface Loaded {
  code: number | null;
  stderr: string;
  /** npm packages (node_modules/<name>) the process loaded a module of. */
  packages: Set<string>;
  /** oneroof's own modules, relative to dist/ (`engine/release.js`). */
  own: Set<string>;
}

async function loaded(args: string[]): Promise<Loaded> {
  const traceFile = join(await tempDir('oneroof-modules-'), 'modules.txt');
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ['--import', TRACE, BIN, ...args], {
        env: { ...process.env, NO_COLOR: '1', ONEROOF_MODULE_TRACE: traceFile },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stderr: err }));
    },
  );
  const urls = (await readFile(traceFile, 'utf8')).split('\n').filter(Boolean);
  const packages = new Set<string>();
  const own = new Set<string>();
  const take = (path: string) => {
    const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (pkg) packages.add(pkg[1]!);
    else {
      const mine = /(?:^|\/)dist\/(.+\.js)$/.exec(path);
      if (mine) own.add(mine[1]!);
    }
  };
  const bundled = await bundleInputs();
  for (const url of urls) {
    // A file of the bundle stands for the modules it holds (scripts/bundle.mjs: its metafile).
    const file = new URL(url).pathname;
    const inputs = file.startsWith(BUNDLE) ? bundled.get(file.slice(PACKAGE_ROOT.length + 1)) : [];
    if (inputs === undefined) throw new Error(`${file}: not in bundle/meta.json`);
    for (const input of inputs) take(input);
    if (!file.startsWith(BUNDLE)) take(url);
  }
  return { code, stderr, packages, own };
}

const BUNDLE = join(PACKAGE_ROOT, 'bundle') + '/';

/** Each output file of the bundle (`bundle/chunk-….js`) and the modules it holds. */
async function bundleInputs(): Promise<Map<string, string[]>> {
  const meta = JSON.parse(await readFile(join(BUNDLE, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return new Map(Object.entries(meta.outputs).map(([out, o]) => [out, Object.keys(o.inputs)]));
}

/** What only a run needs: the ssh and Docker clients (dockerode brings gRPC), the run logger. */
const RUN_PACKAGES = ['ssh2', 'dockerode', 'docker-modem', '@grpc/grpc-js', 'pino'];
const RUN_MODULES = /^(engine|runner\/run|transport\/(ssh2|openssh|local)|docker|replica)\b/;

describe('modules a cold start loads', () => {
  let logFile: string;
  const inventory = () => ['--inventory', testbed.inventory];

  beforeAll(async () => {
    const dir = await tempDir('oneroof-modules-log-');
    writeFixtureRun({ psqlCase: 'assert-tier', dir });
    const log = (await readdir(dir)).find((name) => name.endsWith('.log'));
    logFile = join(dir, log!);
  });

  it.each([['--help'], ['--version'], ['preflight --help'], ['replica --help']])(
    '`oneroof %s` loads commander and oneroof only: no zod, yaml or run module',
    async (command) => {
      const run = await loaded([...inventory(), ...command.split(' ')]);
      expect(run.code, run.stderr).toBe(0);
      // The trace saw the program itself (it cannot pass by seeing nothing).
      expect(run.own).toContain('cli/main.js');
      expect([...run.packages].sort()).toEqual(['@commander-js/extra-typings', 'commander']);
      expect([...run.own].filter((m) => RUN_MODULES.test(m))).toEqual([]);
    },
  );

  it.each([
    ['targets', () => ['targets']],
    ['targets --json', () => ['targets', '--json']],
    ['replay LOG', () => ['replay', logFile]],
    ['replay LOG --json', () => ['replay', logFile, '--json']],
  ])('`oneroof %s` loads no ssh or Docker client, run logger or engine', async (_, args) => {
    const run = await loaded([...inventory(), ...args()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.packages).toContain('zod'); // it read its input through the schemas
    expect(RUN_PACKAGES.filter((p) => run.packages.has(p))).toEqual([]);
    expect([...run.own].filter((m) => RUN_MODULES.test(m))).toEqual([]);
  });

  it('a preflight over ssh2 loads ssh2 and the engine, not the Docker client', async () => {
    await (await PacketBench.open(testbed)).reset(APR);
    const logDir = await tempDir('oneroof-modules-run-');
    const run = await loaded([
      ...inventory(),
      '--log-dir',
      logDir,
      'preflight',
      '--target',
      testbed.ssh.alias,
      '--apr',
      APR,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.packages).toContain('ssh2');
    expect(run.packages).toContain('pino');
    expect(run.own).toContain('engine/release.js');
    expect(run.own).toContain('transport/ssh2.js');
    expect(
      ['dockerode', 'docker-modem', '@grpc/grpc-js'].filter((p) => run.packages.has(p)),
    ).toEqual([]);
    expect([...run.own].filter((m) => /^(docker\/|transport\/local|replica\/)/.test(m))).toEqual(
      [],
    );
  });
});
