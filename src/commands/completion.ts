/**
 * `oneroof completion bash|zsh` prints a shell completion script (completion-script.ts);
 * `oneroof __complete targets` (hidden) lists the inventory's target and group names for it.
 */
import { Argument, type Command } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { TARGET_NAME } from '../inventory/identifiers.js';
import { bashScript, zshScript } from './completion-script.js';

export function registerCompletion(program: Command, context: ContextFactory): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, options, target names)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh'] as const))
    .action((shell, _options, command) => {
      const { io } = context(command);
      io.stdout.write(shell === 'bash' ? bashScript(program) : zshScript(program));
    });

  program
    .command('__complete', { hidden: true })
    .description('names for the completion scripts, one a line')
    .addArgument(new Argument('<what>').choices(['targets'] as const))
    .action(async (_what, _options, command) => {
      const { io, settings } = context(command);
      const { loadInventory } = await import('../inventory/load.js');
      const inventory = await loadInventory(settings.inventory, io.cwd);
      for (const name of [...inventory.targets.keys(), ...inventory.groups.keys()])
        if (TARGET_NAME.pattern.test(name)) io.stdout.write(`${name}\n`);
    });
}
