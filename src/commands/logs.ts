/**
 * `oneroof logs prune --keep N | --older-than D [--dry-run]`: an hourly cron's log directory
 * kept to a size (src/audit/prune.ts decides what goes and removes it). Says every run it
 * removed and every run it left that the rule named, and why.
 */
import { Option, type Command } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

function age(value: string): number {
  const m = /^(\d{1,6})([mhdw])$/.exec(value);
  if (!m || Number(m[1]) === 0)
    throw new OneroofError(
      'usage',
      `--older-than: expected a positive whole number and m, h, d or w (90m, 12h, 30d, 2w), got ${quoteInput(value)}`,
    );
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

function keep(value: string): number {
  if (!/^\d{1,7}$/.test(value))
    throw new OneroofError('usage', `--keep: expected a whole number, got ${quoteInput(value)}`);
  return Number(value);
}

export function registerLogs(program: Command, context: ContextFactory): void {
  const logs = program.command('logs').description('the run logs of the log directory');
  logs
    .command('prune')
    .usage('(--keep <n> | --older-than <age>) [options]') // one of them is required
    .description('remove whole old runs (.log, records, signature); never one in progress')
    .addOption(new Option('--keep <n>', 'keep the newest N runs').argParser(keep))
    .addOption(
      new Option(
        '--older-than <age>',
        'remove runs started longer ago (90m, 12h, 30d, 2w)',
      ).argParser(age),
    )
    .option('--dry-run', 'say what would be removed; remove nothing')
    .addHelpText(
      'after',
      '\nBoth rules together remove only runs outside the newest N and older than the age.',
    )
    .action(async (options, command) => {
      const { ui, settings } = context(command);
      if (options.keep === undefined && options.olderThan === undefined)
        throw new OneroofError('usage', 'logs prune needs --keep N or --older-than AGE (or both)');
      const { planPrune, applyPrune } = await import('../audit/prune.js');
      const dir = settings.logDir;
      const plan = planPrune(dir, {
        ...(options.keep === undefined ? {} : { keep: options.keep }),
        ...(options.olderThan === undefined
          ? {}
          : { olderThan: new Date(Date.now() - options.olderThan) }),
      });
      for (const { run, why } of plan.spared) ui.err(`oneroof: left ${run.base}: ${why}\n`);
      if (options.dryRun) {
        for (const run of plan.remove) ui.out(`would remove ${run.base} (${files(run)})\n`);
        ui.out(
          `${plan.remove.length} runs would be removed, ${plan.kept} kept, ${plan.spared.length} left (dry run)\n`,
        );
        return;
      }
      const removed = applyPrune(dir, plan);
      for (const run of plan.remove) ui.out(`removed ${run.base} (${files(run)})\n`);
      ui.out(
        `${plan.remove.length} runs removed (${removed.length} files), ${plan.kept} kept, ${plan.spared.length} left\n`,
      );
    });
}

function files(run: { files: Partial<Record<string, string>> }): string {
  return Object.values(run.files).join(', ');
}
