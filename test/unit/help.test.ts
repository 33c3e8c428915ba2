/**
 * Every command's --help (src/cli/help.ts, examples.ts): an Examples section whose command
 * lines use only the options that command has and give every option it requires, "(required)"
 * on those, the program's options under "Global Options", and the short flags of one table.
 */
import { describe, expect, it } from 'vitest';
import { SHORT_FLAGS } from '../../src/commands/short-flags.js';
import { runMain } from '../helpers/in-process.js';

const help = async (path: string[]) => {
  const r = await runMain([...path, '--help']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

/** The subcommands listed under "Commands:" of a help page. */
function subcommands(text: string): string[] {
  const block = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(text)?.[1] ?? '';
  return [...block.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

async function allCommands(path: string[] = []): Promise<string[][]> {
  const subs = subcommands(await help(path));
  const below = await Promise.all(subs.map((s) => allCommands([...path, s])));
  return [path, ...below.flat()];
}

/** The flags a help page offers (its own and the global ones). */
function flags(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/^ {2}(?:(-[a-zA-Z]), )?(--[a-z-]+)/gm)]
      .flatMap((m) => [m[1], m[2]!])
      .filter((f) => f !== undefined),
  );
}

const commands = await allCommands();

/** The command an example line runs: the longest command its plain words begin with. */
function exampleCommand(line: string): string[] {
  const words = line
    .slice(line.indexOf('oneroof ') + 'oneroof '.length)
    .split(/\s+/)
    .filter((w) => /^[a-z]+$/.test(w));
  const matching = commands.filter((c) => c.join(' ') === words.slice(0, c.length).join(' '));
  return matching.sort((a, b) => b.length - a.length)[0]!;
}

/** The long options a help page marks "(required)". */
function required(text: string): string[] {
  return [
    ...text.matchAll(/^ {2}(?:-[a-zA-Z], )?(--[a-z-]+)[^\n]*(?:\n {20,}[^\n]*)*?\(required\)/gm),
  ].map((m) => m[1]!);
}

describe('help', () => {
  it('lists the commands, hidden ones left out', () => {
    const names = commands.map((c) => c.join(' '));
    expect(names).toEqual(
      expect.arrayContaining(['apply', 'replica up', 'evidence verify', 'completion']),
    );
    expect(names).not.toContain('__complete');
  });

  it.each(commands.map((c) => [c.join(' ') || '(oneroof)', c]))(
    '%s: an Examples section; each line uses the options its command has and the required ones',
    async (_name, path) => {
      const examples = /\nExamples:\n([\s\S]*)$/.exec(await help(path))?.[1];
      expect(examples, 'an Examples section').toBeDefined();
      const lines = examples!
        .split('\n')
        .filter((l) => /oneroof /.test(l) && !l.trim().startsWith('#'));
      const paths = lines.map((line) => exampleCommand(line));
      expect(paths.some((p) => p.slice(0, path.length).join(' ') === path.join(' '))).toBe(true);
      for (const [i, line] of lines.entries()) {
        const text = await help(paths[i]!);
        const offered = flags(text);
        const used = line.split(/\s+/).filter((w) => /^-/.test(w) && w !== '-');
        for (const flag of used) expect(offered, `${line}: ${flag}`).toContain(flag);
        for (const flag of required(text))
          expect(
            used.some((u) => u === flag || SHORT_FLAGS[flag] === u),
            `${line}: ${flag}`,
          ).toBe(true);
      }
    },
  );

  it('marks required options and shows the global options on a command', async () => {
    const text = await help(['apply']);
    expect(text).toMatch(/-t, --target <name> +a target or a group of the inventory \(required\)/);
    expect(text).toMatch(/--apr <code>[\s\S]*?\(required\)/);
    expect(text).toMatch(/Global Options:\n[\s\S]*-i, --inventory <path>[\s\S]*--log-dir <dir>/);
    expect(text).not.toMatch(/Global Options:[\s\S]*--packet <dir>[\s\S]*Examples/);
  });

  it.each([
    [['rollback'], 'Usage: oneroof rollback (--full | --tier <n>) [options]'],
    [['logs', 'prune'], 'Usage: oneroof logs prune (--keep <n> | --older-than <age>) [options]'],
  ])('%j: the usage line says which of its options one must give', async (args, usage) => {
    expect((await help(args)).split('\n')[0]).toBe(usage);
  });

  it('a parent command’s own options are not shown as global', async () => {
    const text = await help(['evidence', 'verify']);
    const globals = /Global Options:\n([\s\S]*?)\n\n/.exec(text)?.[1] ?? '';
    expect(globals).not.toMatch(/--target|--out/);
  });

  it('each short flag means one long option everywhere, and works', async () => {
    for (const path of commands) {
      for (const m of (await help(path)).matchAll(/^ {2}(-[a-gi-zA-Z]), (--[a-z-]+)/gm))
        expect(SHORT_FLAGS[m[2]!], `${path.join(' ')}: ${m[0]}`).toBe(m[1]);
    }
    const long = await runMain(['preflight', '--target', 'nowhere']);
    const short = await runMain(['preflight', '-t', 'nowhere', '-q']);
    expect(short.code).toBe(2);
    expect(short.stderr).toBe(long.stderr);
  });

  it('an unknown command: usage error (2) with commander’s suggestion', async () => {
    const r = await runMain(['preflite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'preflite'\n\(Did you mean preflight\?\)/);
  });
});
