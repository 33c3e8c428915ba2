#!/usr/bin/env node
// The packet's sha256 manifest, until the CLI's `oneroof manifest` command lands:
//
//   node scripts/manifest.mjs write [--sql DIR]   regenerate sql/prod/_checksums.sql, then sql/manifest-sha256.txt
//   node scripts/manifest.mjs check [--sql DIR]   exit 0 when both are current; exit 5 naming each
//                                                 mismatching, missing, extra or stale file with both digests
//
// The logic lives in src/packet/manifest.ts; this imports the build (npm run build).
// Exit codes as the CLI's: 0 ok, 1 runtime (no build, unreadable file), 2 usage, 5 integrity.
import process from 'node:process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/manifest.mjs write|check [--sql DIR]\n';

async function main(argv) {
  const [verb, ...rest] = argv;
  let sqlDir = join(ROOT, 'sql');
  if (rest.length === 2 && rest[0] === '--sql') sqlDir = resolve(rest[1]);
  else if (rest.length !== 0) return usage(`unexpected arguments: ${rest.join(' ')}`);
  if (verb !== 'write' && verb !== 'check')
    return usage(`expected write or check, got ${verb ?? 'nothing'}`);

  let manifest;
  let contract;
  try {
    manifest = await import('../dist/packet/manifest.js');
    contract = await import('../dist/contract/load.js');
  } catch (error) {
    process.stderr.write(
      `manifest: cannot load dist/packet/manifest.js (${error.code ?? error.message}); run npm run build first\n`,
    );
    return 1;
  }
  try {
    if (verb === 'write') {
      const { checksums } = await contract.readDescriptor(sqlDir);
      const result = await manifest.writeManifest(sqlDir, checksums);
      process.stderr.write(
        `manifest: ${result.entries.length} files; ${manifest.MANIFEST_FILE} ${result.manifestChanged ? 'rewritten' : 'unchanged'}` +
          `${checksums ? `, ${checksums.include} ${result.checksumsChanged ? 'rewritten' : 'unchanged'}` : ''}\n`,
      );
      return 0;
    }
    const differences = await manifest.checkManifest(
      sqlDir,
      (await contract.readDescriptor(sqlDir)).checksums,
    );
    if (differences.length === 0) {
      process.stderr.write(
        `manifest: ${join(sqlDir, manifest.MANIFEST_FILE)} matches the packet\n`,
      );
      return 0;
    }
    for (const d of differences)
      process.stderr.write(`manifest: ${manifest.describeDifference(d)}\n`);
    process.stderr.write(
      `manifest: ${differences.length} difference(s); the packet is not what the manifest says\n`,
    );
    return 5;
  } catch (error) {
    if (error instanceof manifest.ManifestError) {
      process.stderr.write(`manifest: ${error.message}\n`);
      return 5;
    }
    process.stderr.write(`manifest: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function usage(message) {
  process.stderr.write(`manifest: ${message}\n${USAGE}`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
