/** `oneroof manifest check | write [--packet DIR]`: the packet's sha256 manifest. */
import { join } from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import type { ContextFactory } from '../cli/main.js';
import { PACKAGE_ROOT } from '../cli/options.js';
import { checkPacket } from '../engine/packet-check.js';
import { CHECKSUMS_INCLUDE, MANIFEST_FILE, writeManifest } from '../packet/manifest.js';

const packetOption = () =>
  new Option(
    '--packet <dir>',
    'the SQL packet (env ONEROOF_PACKET; default: the one shipped with oneroof)',
  );

export function registerManifest(program: Command, context: ContextFactory): void {
  const manifest = program.command('manifest').description('the sha256 manifest of the SQL packet');

  manifest
    .command('check')
    .description('exit 0 when every file matches the manifest; 5 naming each file that does not')
    .addOption(packetOption())
    .option('--json', 'one JSON document on stdout')
    .action(async (options, command) => {
      const { io, ui } = context(command);
      const root = options.packet ?? io.env.ONEROOF_PACKET ?? join(PACKAGE_ROOT, 'sql');
      const identity = await checkPacket(root);
      if (options.json)
        ui.json({ ok: true, packet: root, manifestSha256: identity.manifestSha256 });
      else
        ui.out(
          `${join(root, MANIFEST_FILE)} matches the packet (manifest sha256 ${identity.manifestSha256})\n`,
        );
    });

  manifest
    .command('write')
    .description(`regenerate ${CHECKSUMS_INCLUDE} and ${MANIFEST_FILE} after a reviewed change`)
    .addOption(packetOption())
    .action(async (options, command) => {
      const { io, ui } = context(command);
      const root = options.packet ?? io.env.ONEROOF_PACKET ?? join(PACKAGE_ROOT, 'sql');
      const result = await writeManifest(root);
      ui.out(
        `${result.entries.length} files; ${MANIFEST_FILE} ${result.manifestChanged ? 'rewritten' : 'unchanged'}, ${CHECKSUMS_INCLUDE} ${result.checksumsChanged ? 'rewritten' : 'unchanged'}\n`,
      );
    });
}
