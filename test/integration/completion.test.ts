/**
 * `oneroof completion bash|zsh` (src/commands/completion-script.ts) run by the real shells: the
 * script the real bin/oneroof prints is sourced by bash and registered with `complete`, and
 * loaded by `zsh -f` with compinit (sourced, or autoloaded from $fpath) and driven through a
 * pseudo-terminal with a real Tab (zsh/zpty); both complete commands, subcommands, options and
 * the inventory's target names (through `oneroof __complete targets`, found on PATH as an
 * installed oneroof would be). Target names are hostile input: whatever that call prints, only
 * plain names are offered and nothing is evaluated.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { bashComplete } from '../helpers/bash-complete.js';
import { zshComplete } from '../helpers/zsh-complete.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let dir: string;
let script: string;
let zshScript: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('oneroof-completion-');
  const r = await runCli(['completion', 'bash']);
  expect(r.code, r.stderr).toBe(0);
  script = join(dir, 'oneroof.bash');
  await writeFile(script, r.stdout);
  const z = await runCli(['completion', 'zsh']);
  expect(z.code, z.stderr).toBe(0);
  await mkdir(join(dir, 'zfunc'));
  zshScript = join(dir, 'zfunc', '_oneroof');
  await writeFile(zshScript, z.stdout);
  // `oneroof` on PATH: this checkout's bin, as an install puts it there.
  await mkdir(join(dir, 'bin'));
  await writeFile(
    join(dir, 'bin', 'oneroof'),
    `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`,
  );
  await chmod(join(dir, 'bin', 'oneroof'), 0o755);
  env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    HOME: dir,
    ONEROOF_INVENTORY: testbed.inventory,
  };
});

/** An inventory folder of its own, with the one target alpha-db. */
async function alphaInventory(name: string): Promise<string> {
  const other = join(dir, name);
  await mkdir(other, { recursive: true });
  await writeFile(
    join(other, 't.yml'),
    'targets:\n  alpha-db:\n    container: c\n    database: d\n    user: u\n',
  );
  return other;
}

/** Every command `oneroof --help` lists, in its order (the hidden __complete is not one). */
const COMMANDS = [
  'targets',
  'replica',
  'replay',
  'preflight',
  'apply',
  'verify',
  'rollback',
  'status',
  'manifest',
  'reader',
  'init',
  'evidence',
  'runs',
  'logs',
  'completion',
];

/** The same cases for both shells: the words typed (the last one is being completed). */
const CASES: [string[], string[]][] = [
  [['oneroof', ''], COMMANDS],
  [['oneroof', 'pre'], ['preflight']],
  [
    ['oneroof', 'replica', ''],
    ['up', 'down', 'reset', 'ps'],
  ],
  [['oneroof', 'manifest', 's'], ['sign']],
  [
    ['oneroof', 'preflight', '--t'],
    ['--target', '--transport'],
  ],
  [['oneroof', 'apply', '--d'], ['--dry-run']],
  [['oneroof', 'apply', '--in'], ['--inventory']],
  [['oneroof', 'evidence', 'verify', '--al'], ['--allowed-signers']],
  [
    ['oneroof', 'preflight', '-t', ''],
    ['replica', 'scratch', 'contabo-replica'],
  ],
  [['oneroof', 'apply', '-t', 'contabo-r'], ['contabo-replica']],
  [['oneroof', 'preflight', '--target', 'sc'], ['scratch']],
  [['oneroof', '-q', 'status', '--json', '-t', 're'], ['replica']],
];

describe('completion bash', () => {
  it('registers _oneroof for oneroof, with file names as the fallback', async () => {
    const { registered } = await bashComplete(script, ['oneroof', ''], env);
    expect(registered).toBe('complete -o default -F _oneroof oneroof');
  });

  it.each([
    ...CASES,
    // a value is not completed as a command or an option: file names (-o default) instead
    [['oneroof', 'replay', '--html', ''], []],
    [['oneroof', 'apply', '--apr', ''], []],
  ])('%j → %j', async (words, expected) => {
    const { replies } = await bashComplete(script, words, env);
    expect(replies).toEqual(expected);
  });

  it('target names come from the inventory given on the line (-i)', async () => {
    const other = await alphaInventory('other');
    const words = ['oneroof', '-i', other, 'status', '-t', ''];
    expect((await bashComplete(script, words, env)).replies).toEqual(['alpha-db']);
  });

  it('no inventory: nothing offered, nothing printed into the shell', async () => {
    const noInventory = { ...env, ONEROOF_INVENTORY: join(dir, 'missing') };
    const { replies } = await bashComplete(script, ['oneroof', 'apply', '-t', ''], noInventory);
    expect(replies).toEqual([]);
  });
});

/** The words as typed on a zsh command line (no word here holds a space or a quote). */
const typed = (words: string[]): string => words.join(' ');

describe('completion zsh (zsh -f, compinit, a real Tab on a pty)', () => {
  it.each(['source', 'fpath'] as const)(
    'loaded by %s, compinit registers _oneroof for oneroof and it completes',
    async (mode) => {
      const r = await zshComplete(zshScript, 'oneroof pre', env, { mode });
      expect(r.registered).toBe('_oneroof');
      expect(r.matches).toEqual(['preflight']);
      expect(r.noise).toEqual([]);
    },
  );

  it.each(CASES)('%j → %j', async (words, expected) => {
    const r = await zshComplete(zshScript, typed(words), env);
    expect(r.matches).toEqual(expected);
    expect(r.noise).toEqual([]);
  });

  it.each([
    [['oneroof', 'replay', '--html', '']],
    [['oneroof', 'apply', '--apr', '']],
    [['oneroof', 'replay', '']],
  ])('%j: a value or an argument completes file names, without an error', async (words) => {
    const cwd = await tempDir('oneroof-completion-cwd-');
    await writeFile(join(cwd, 'rollout_20261201T120000Z.log'), '');
    const r = await zshComplete(zshScript, typed(words), env, { cwd });
    expect(r.matches).toEqual(['rollout_20261201T120000Z.log']);
    expect(r.noise).toEqual([]);
  });

  it('target names come from the inventory given on the line (-i)', async () => {
    const other = await alphaInventory('other-zsh');
    const r = await zshComplete(zshScript, `oneroof -i ${other} status -t `, env);
    expect(r.matches).toEqual(['alpha-db']);
  });

  it('no inventory: nothing offered, nothing printed into the shell', async () => {
    const noInventory = { ...env, ONEROOF_INVENTORY: join(dir, 'missing') };
    const r = await zshComplete(zshScript, 'oneroof apply -t ', noInventory);
    expect(r.matches).toEqual([]);
    expect(r.noise).toEqual([]);
  });
});

describe('hostile completion: what the target lookup prints is data, not shell,', () => {
  let hostileEnv: NodeJS.ProcessEnv;
  let canary: string;

  beforeAll(async () => {
    canary = join(dir, 'canary');
    const names = [
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `evil;touch ${canary}`,
      'ok-name',
      'Upper',
      '*',
      'a b',
      'tab\tname',
      '\u001b]0;title\u0007',
      '-rf',
      'okay2',
    ];
    await mkdir(join(dir, 'hostile-bin'));
    await writeFile(
      join(dir, 'hostile-bin', 'oneroof'),
      `#!/bin/sh\ncat <<'NAMES'\n${names.join('\n')}\nNAMES\n`,
    );
    await chmod(join(dir, 'hostile-bin', 'oneroof'), 0o755);
    hostileEnv = { ...env, PATH: `${join(dir, 'hostile-bin')}:${process.env.PATH}` };
  });

  it('only plain names are offered and none is run', async () => {
    const cwd = await tempDir('oneroof-completion-cwd-');
    await writeFile(join(cwd, 'file-a'), '');
    const { replies } = await bashComplete(script, ['oneroof', 'apply', '-t', ''], hostileEnv, cwd);
    expect(replies).toEqual(['ok-name', 'okay2']);
    expect(await readdir(dir)).not.toContain('canary');
  });

  it('zsh: only plain names are offered and none is run', async () => {
    const cwd = await tempDir('oneroof-completion-cwd-');
    const r = await zshComplete(zshScript, 'oneroof apply -t ', hostileEnv, { cwd });
    expect(r.matches).toEqual(['ok-name', 'okay2']);
    expect(r.noise).toEqual([]);
    expect(await readdir(dir)).not.toContain('canary');
    expect(await readdir(cwd)).toEqual([]);
  });

  it.each([`$(touch CANARY)`, '`touch CANARY`', '*', '[a-z]*'])(
    'the word being completed is matched literally: %s',
    async (word) => {
      const cwd = await tempDir('oneroof-completion-cwd-');
      const typed = word.replace('CANARY', join(cwd, 'canary'));
      const { replies } = await bashComplete(
        script,
        ['oneroof', 'apply', '-t', typed],
        hostileEnv,
        cwd,
      );
      expect(replies).toEqual([]);
      expect(await readdir(cwd)).toEqual([]);
    },
  );
});
