/**
 * `oneroof runs [--json] [--target T] [--last N] [--check]`: the run history of the log
 * directory, newest first (src/audit/history.ts): when, what, where, the outcome and exit code,
 * whether a signature is there — and the log's integrity only when --check replayed it.
 */
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { OneroofError } from '../errors.js';
import { quoteInput } from '../safe-text.js';
import { writeJson } from './json-out.js';

const DEFAULT_LAST = 20;

function count(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000)
    throw new OneroofError(
      'usage',
      `--last: expected a whole number from 1, got ${quoteInput(value)}`,
    );
  return Number(value);
}

export function registerRuns(program: Command, context: ContextFactory): void {
  program
    .command('runs')
    .description('the run history of the log directory, newest first')
    .option('--json', 'one JSON document on stdout (schema oneroof/runs/1)')
    .option('--target <name>', "only this target's runs")
    .addOption(
      new Option('--last <n>', `the newest N runs (default ${DEFAULT_LAST})`).argParser(count),
    )
    .option('--check', "replay each listed log: its chain, its .log's digests, its signature")
    .action(async (options, command) => {
      const { ui, settings } = context(command);
      const { runHistory } = await import('../audit/history.js');
      const runs = await runHistory(settings.logDir, {
        ...(options.target === undefined ? {} : { target: options.target }),
        last: options.last ?? DEFAULT_LAST,
        check: options.check === true,
      });
      const doc = { logDir: settings.logDir, anchors: 'not-checked' as const, runs };
      if (options.json) return writeJson(ui, 'runs', doc);
      if (doc.runs.length === 0) return ui.out(`no runs in ${settings.logDir}\n`);
      for (const r of doc.runs)
        ui.out(
          `${r.startedAt.replace(/\.\d+Z$/, 'Z')}  ${r.command.padEnd(9)} ${(r.target ?? '?').padEnd(16)} ${(r.outcome ?? 'no end record').padEnd(13)} exit ${r.exitCode ?? '-'}  signature ${r.signature}, log ${r.integrity}  ${r.log}\n`,
        );
    });
}
