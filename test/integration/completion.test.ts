/**
 * `oneroof completion bash` (src/commands/completion-script.ts) run by real bash: the script the
 * real bin/oneroof prints is sourced, registered with `complete`, and completes commands,
 * subcommands, options and the inventory's target names (through `oneroof __complete targets`,
 * found on PATH as an installed oneroof would be). Target names are hostile input: whatever that
 * call prints, only plain names are offered and nothing is evaluated.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { bashComplete } from '../helpers/bash-complete.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
let dir: string;
let script: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('oneroof-completion-');
  const r = await runCli(['completion', 'bash']);
  expect(r.code, r.stderr).toBe(0);
  script = join(dir, 'oneroof.bash');
  await writeFile(script, r.stdout);
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

describe('completion bash', () => {
  it('registers _oneroof for oneroof, with file names as the fallback', async () => {
    const { registered } = await bashComplete(script, ['oneroof', ''], env);
    expect(registered).toBe('complete -o default -F _oneroof oneroof');
  });

  it.each([
    [['oneroof', 'pre'], ['preflight']],
    [
      ['oneroof', 'replica', ''],
      ['up', 'down', 'reset', 'ps'],
    ],
    [['oneroof', 'manifest', 's'], ['sign']],
    [['oneroof', 'apply', '--d'], ['--dry-run']],
    [['oneroof', 'apply', '--in'], ['--inventory']],
    [['oneroof', 'evidence', 'verify', '--al'], ['--allowed-signers']],
    [['oneroof', 'apply', '-t', 'contabo-r'], ['contabo-replica']],
    [['oneroof', 'preflight', '--target', 'sc'], ['scratch']],
    [['oneroof', '-q', 'status', '--json', '-t', 're'], ['replica']],
    // a value is not completed as a command or an option: file names (-o default) instead
    [['oneroof', 'replay', '--html', ''], []],
    [['oneroof', 'apply', '--apr', ''], []],
  ])('%j → %j', async (words, expected) => {
    const { replies } = await bashComplete(script, words, env);
    expect(replies).toEqual(expected);
  });

  it('target names come from the inventory given on the line (-i)', async () => {
    const other = join(dir, 'other');
    await mkdir(other, { recursive: true });
    await writeFile(
      join(other, 't.yml'),
      'targets:\n  alpha-db:\n    container: c\n    database: d\n    user: u\n',
    );
    const words = ['oneroof', '-i', other, 'status', '-t', ''];
    expect((await bashComplete(script, words, env)).replies).toEqual(['alpha-db']);
  });

  it('no inventory: nothing offered, nothing printed into the shell', async () => {
    const noInventory = { ...env, ONEROOF_INVENTORY: join(dir, 'missing') };
    const { replies } = await bashComplete(script, ['oneroof', 'apply', '-t', ''], noInventory);
    expect(replies).toEqual([]);
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
