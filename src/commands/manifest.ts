/** `oneroof manifest check | write | sign [--packet DIR]`: the packet's sha256 manifest and its signature. */
import { join, resolve } from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import { findSigningKey, signFile } from '../ssh/sign.js';
import type { ContextFactory } from './context.js';
import { writeJson } from './json-out.js';
import { PACKET_OPTION_HELP, packetRoot } from './packet-root.js';
import { OneroofError } from '../errors.js';
import { MANIFEST_FILE, SIGNATURE_FILE, writeManifest } from '../packet/manifest.js';
import { PACKET_NAMESPACE, describeSignature } from '../packet/signature.js';

const packetOption = () => new Option('--packet <dir>', PACKET_OPTION_HELP);

export function registerManifest(program: Command, context: ContextFactory): void {
  const manifest = program
    .command('manifest')
    .description('the sha256 manifest of the SQL packet, and its ssh signature');

  manifest
    .command('check')
    .description(
      'exit 0 when every file matches the manifest (5 naming each file that does not); says who signed it',
    )
    .addOption(packetOption())
    .option(
      '--packet-signers <file>',
      'an allowed-signers file: exit 5 unless one of its principals signed the manifest',
    )
    .option('--json', 'one JSON document on stdout')
    .action(async (options, command) => {
      const { io, ui } = context(command);
      const root = packetRoot(options.packet, io.env);
      const signers = options.packetSigners;
      const { checkPacket } = await import('../engine/packet-check.js');
      const identity = await checkPacket(root, {
        env: io.env,
        ...(signers === undefined
          ? {}
          : { signers: { file: resolve(io.cwd, signers), setBy: '--packet-signers' } }),
      });
      if (options.json)
        await writeJson(ui, 'manifest-check', {
          ok: true,
          packet: root,
          manifestSha256: identity.manifestSha256,
          signature: identity.signature,
        });
      else
        ui.out(
          `${join(root, MANIFEST_FILE)} matches the packet (manifest sha256 ${identity.manifestSha256})\n` +
            `packet ${describeSignature(identity.signature)}\n`,
        );
    });

  manifest
    .command('write')
    .description(
      `regenerate ${MANIFEST_FILE} (and the checksums include packet.yml names) after a reviewed change`,
    )
    .addOption(packetOption())
    .action(async (options, command) => {
      const { io, ui } = context(command);
      const root = packetRoot(options.packet, io.env);
      const { readDescriptor } = await import('../contract/load.js');
      const { checksums } = await readDescriptor(root);
      const result = await writeManifest(root, checksums);
      const include = checksums
        ? `, ${checksums.include} ${result.checksumsChanged ? 'rewritten' : 'unchanged'}`
        : '';
      ui.out(
        `${result.entries.length} files; ${MANIFEST_FILE} ${result.manifestChanged ? 'rewritten' : 'unchanged'}${include}\n` +
          (result.signatureRemoved
            ? `${SIGNATURE_FILE} removed: it signed the old manifest (re-sign with oneroof manifest sign)\n`
            : ''),
      );
    });

  manifest
    .command('sign')
    .description(
      `sign ${MANIFEST_FILE} with your ssh key (${SIGNATURE_FILE}, namespace ${PACKET_NAMESPACE}), after checking it`,
    )
    .addOption(packetOption())
    .option(
      '--key <file>',
      'the ssh key: a private key, or its .pub with ssh-agent (default: ONEROOF_SIGNING_KEY, else ~/.ssh/id_ed25519|id_ecdsa|id_rsa)',
    )
    .option('--json', 'one JSON document on stdout')
    .action(async (options, command) => {
      const { io, ui } = context(command);
      const root = packetRoot(options.packet, io.env);
      const key = options.key === undefined ? findSigningKey(io.env) : resolve(io.cwd, options.key);
      if (key === undefined)
        throw new OneroofError('usage', 'no ssh key to sign with', {
          hint: 'pass --key FILE, or set ONEROOF_SIGNING_KEY, or have a key in ~/.ssh',
        });
      // Only a manifest that matches the files is signed (exit 5 otherwise).
      const { checkPacket } = await import('../engine/packet-check.js');
      const before = await checkPacket(root, { env: io.env });
      await signFile(join(root, MANIFEST_FILE), join(root, SIGNATURE_FILE), PACKET_NAMESPACE, {
        key,
        env: io.env,
        replace: true,
      });
      // What a run will see: the new signature, checked over the manifest it read.
      const after = await checkPacket(root, { env: io.env });
      if (after.manifestSha256 !== before.manifestSha256 || after.signature.status !== 'signed')
        throw new OneroofError(
          'integrity',
          `${join(root, MANIFEST_FILE)} changed while it was signed, or the signature does not verify: packet ${describeSignature(after.signature)}`,
        );
      if (options.json)
        await writeJson(ui, 'manifest-sign', {
          ok: true,
          packet: root,
          manifestSha256: after.manifestSha256,
          signature: after.signature,
        });
      else
        ui.out(
          `${join(root, SIGNATURE_FILE)}: ${MANIFEST_FILE} (sha256 ${after.manifestSha256}) signed with ${after.signature.key}\n`,
        );
    });
}
