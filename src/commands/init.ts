/** `oneroof init DIR [--name NAME]`: scaffold a new, runnable packet (src/packet/scaffold.ts). */
import { basename, join, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { OneroofError } from '../errors.js';
import { scaffoldPacket, STARTER_TEMPLATE } from '../packet/scaffold.js';
import { shellQuote } from '../remote/quote.js';
import { quoteInput } from '../safe-text.js';

/** The approval code the rehearsal uses (packet.yml's gate.example). */
const EXAMPLE_CODE = 'APR-2026-0001';

export function registerInit(program: Command, context: ContextFactory): void {
  program
    .command('init')
    .description('scaffold a new, small, runnable packet in DIR (a new or empty folder)')
    .argument('<dir>', 'the new packet folder; must not exist, or be empty')
    .option('--name <name>', "the packet's name in packet.yml (default: DIR's name)")
    .action(async (dirArgument, options, command) => {
      const { io, ui } = context(command);
      const [{ loadPacket, readDescriptor }, { packetDescriptorSchema }] = await Promise.all([
        import('../contract/load.js'),
        import('../contract/schema.js'),
      ]);
      const dir = resolve(io.cwd, dirArgument);
      const name = options.name ?? basename(dir);
      const checked = packetDescriptorSchema.shape.name.safeParse(name);
      if (!checked.success)
        throw new OneroofError(
          'usage',
          `${options.name === undefined ? `the name of ${dir}` : '--name'}: ${checked.error.issues[0]?.message ?? 'invalid'}, got ${quoteInput(name)}`,
          { hint: options.name === undefined ? 'pass --name NAME' : undefined },
        );
      // The template's own descriptor says where its read-role file and checksums include go;
      // the read role is the shipped packet's, one file for both.
      const template = await readDescriptor(STARTER_TEMPLATE);
      const shipped = await readDescriptor(join(PACKAGE_ROOT, 'sql'));
      const files = await scaffoldPacket({
        dir,
        name,
        template: STARTER_TEMPLATE,
        readerFile: join(PACKAGE_ROOT, 'sql', shipped.entries.reader),
        readerPath: template.entries.reader,
        ...(template.checksums === undefined ? {} : { checksums: template.checksums }),
        check: loadPacket,
      });
      // As typed, quoted for a POSIX shell: the next commands can be pasted.
      const shown = shellQuote(dirArgument);
      ui.out(
        `${dir}: packet ${name}, ${files.length} files\n` +
          files.map((f) => `  ${f}\n`).join('') +
          `\nRead ${join(dir, 'README.md')} first. Then rehearse on a replica target R:\n` +
          [
            `replica reset --target R --approve ${EXAMPLE_CODE}`,
            `preflight --target R --apr ${EXAMPLE_CODE}`,
            `apply --target R --apr ${EXAMPLE_CODE} --yes`,
            'verify --target R',
            'status --target R',
            'rollback --target R --full --yes',
          ]
            .map((step) => `  oneroof --packet ${shown} ${step}\n`)
            .join(''),
      );
    });
}
