/**
 * `oneroof evidence --target T [--out DIR] [--from LOG…] [--apr CODE]`: the document set for a
 * target. Without --from it makes a read-only preflight and a status run on the target, through
 * the one engine (logged, replayable like any run); with --from it reads the given logs (a
 * preflight's, a status run's) instead. Each log is replayed and checked before a figure of it
 * is written (src/evidence/run-facts.ts). Document 04 comes from a clone revalidation run only
 * when --revalidate-on names a local replica (or --from gives a revalidate log): the evidence
 * for a target never mutates it, and the revalidation runs DDL (rolled back).
 */
import { Option, type Command } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { PACKET_OPTION_HELP } from './packet-root.js';

export function registerEvidence(program: Command, context: ContextFactory): Command {
  return (
    program
      .command('evidence')
      .description(
        'write the evidence set for a target: ten documents and one page, from real runs',
      )
      // Not commander's requiredOption: that would also demand it of `evidence verify DIR`.
      .option('--target <name>', 'a target of the inventory (required to write a set)')
      .option('--out <dir>', 'a new or empty folder (default evidence/<target>_<stamp>)')
      .addOption(
        new Option(
          '--from <log...>',
          'use these run logs (a preflight, a status run) instead of running',
        ),
      )
      .option('--apr <code>', 'the approval code the preflight should judge')
      .option(
        '--revalidate-on <replica>',
        'also run the clone revalidation (rolled back) on this local replica, for document 04',
      )
      .option('--json', 'one JSON document on stdout')
      .addOption(new Option('--packet <dir>', PACKET_OPTION_HELP))
      .action(async (options, command) => {
        const { evidence } = await import('./evidence-run.js');
        await evidence(context(command), options);
      })
  );
}
