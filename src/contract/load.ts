/**
 * A packet's descriptor, `<packet>/packet.yml` (docs/packet-contract.md): read through the one
 * bounded opener, parsed as YAML (bombs refused), validated with the schema, then checked
 * against the disk: every file it names is a regular file inside the packet, the
 * descriptor itself is what the packet's manifest says it is, and every tier's markers carry
 * the number and name it gives the tier (./tier-markers.ts). Errors name the file, the line,
 * the key, the value and what was expected (exit 2; a descriptor the manifest does not vouch
 * for, exit 5). Read once per packet root per process.
 */
import { lstat, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  DESCRIPTOR_FILE_KIND,
  MANIFEST_FILE_KIND,
  readCheckedAsync,
  readCheckedText,
} from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import { MANIFEST_FILE, ManifestError, parseManifest, sha256Hex } from '../packet/manifest.js';
import { parseYamlFile, show } from '../yaml-file.js';
import { DESCRIPTOR_FILE, packetDescriptorSchema, type PacketDescriptor } from './schema.js';
import { checkTierMarkers } from './tier-markers.js';

/** Variables oneroof passes itself (the preflight's apply role, the read role's name). */
const OWN_VARIABLES: readonly string[] = ['apply_user', 'reader'];

const INIT_HINT =
  'a packet declares itself in packet.yml: `oneroof init DIR` makes a new packet with one (docs/packet-contract.md)';

/** The descriptor parsed and validated, from its text (`shown` names the file in errors). */
/** @internal Only tests import it (knip --production ignores it): not yet behind a production import. */
export function parseDescriptor(text: string, shown: string): PacketDescriptor {
  const descriptor = parseYamlFile(text, shown, packetDescriptorSchema, {
    what: 'packet descriptor',
    shape: 'a packet descriptor is a plain YAML mapping (docs/packet-contract.md)',
  });
  const variables: [string, string][] = [
    ['gate.variable', descriptor.gate.variable],
    ['variables.dry_run', descriptor.variables.dry_run],
    ['variables.tier', descriptor.variables.tier],
  ];
  variables.forEach(([key, value], i) => {
    if (OWN_VARIABLES.includes(value))
      throw new OneroofError(
        'config',
        `${shown}: ${key}: expected a variable oneroof does not pass itself (${OWN_VARIABLES.join(', ')}), got ${show(value)}`,
      );
    const other = variables.findIndex(([, v]) => v === value);
    if (other !== i)
      throw new OneroofError(
        'config',
        `${shown}: ${key}: ${show(value)} is also ${variables[other]![0]}; each variable carries one value`,
      );
  });
  return descriptor;
}

/** The descriptor of the packet at `root`, without the disk checks (`manifest write` needs it first). */
export async function readDescriptor(root: string): Promise<PacketDescriptor> {
  return (await readDescriptorBytes(root)).descriptor;
}

async function readDescriptorBytes(
  root: string,
): Promise<{ descriptor: PacketDescriptor; bytes: Buffer }> {
  const file = join(resolve(root), DESCRIPTOR_FILE);
  let bytes: Buffer;
  try {
    bytes = await readCheckedAsync(file, DESCRIPTOR_FILE_KIND);
  } catch (error) {
    if (error instanceof OneroofError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new OneroofError(
      'config',
      code === 'ENOENT'
        ? `${file}: no packet descriptor: the packet in ${resolve(root)} has no ${DESCRIPTOR_FILE}`
        : `${file}: cannot be read (${code ?? String(error)})`,
      { hint: INIT_HINT, cause: error },
    );
  }
  return { descriptor: parseDescriptor(bytes.toString('utf8'), file), bytes };
}

/** Every file the descriptor names, with its key (`tiers.1.rollback`). */
function descriptorFiles(d: PacketDescriptor): { key: string; file: string }[] {
  return [
    ...Object.entries(d.entries).map(([k, file]) => ({ key: `entries.${k}`, file })),
    ...d.tiers.flatMap((t, i) => [
      { key: `tiers.${i}.file`, file: t.file },
      ...(t.rollback === undefined ? [] : [{ key: `tiers.${i}.rollback`, file: t.rollback }]),
    ]),
    { key: 'state.probe', file: d.state.probe },
    { key: 'probes.tier_status', file: d.probes.tier_status },
    { key: 'probes.gate', file: d.probes.gate },
    { key: 'probes.fingerprint', file: d.probes.fingerprint },
    ...d.probes.verify.map((p, i) => ({ key: `probes.verify.${i}.file`, file: p.file })),
    { key: 'replica.golden_clone', file: d.replica.golden_clone },
    { key: 'replica.approve', file: d.replica.approve },
    ...(d.replica.revalidate === undefined
      ? []
      : [{ key: 'replica.revalidate', file: d.replica.revalidate }]),
  ];
}

const loaded = new Map<string, PacketDescriptor>();

/**
 * The packet's descriptor, checked against the disk and the manifest: what every command reads
 * the packet's names from. Cached per packet root (a command reads it once).
 */
export async function loadPacket(root: string): Promise<PacketDescriptor> {
  const key = resolve(root);
  const cached = loaded.get(key);
  if (cached) return cached;
  const { descriptor, bytes } = await readDescriptorBytes(key);
  const shown = join(key, DESCRIPTOR_FILE);
  const realRoot = await realpath(key);
  for (const { key: at, file } of descriptorFiles(descriptor))
    await checkNamedFile(realRoot, key, file, `${shown}: ${at}`);
  await checkCovered(key, shown, sha256Hex(bytes));
  await checkTierMarkers(key, descriptor);
  loaded.set(key, descriptor);
  return descriptor;
}

/** A named file: there, a regular file, and inside the packet once symlinks are resolved. */
async function checkNamedFile(
  realRoot: string,
  root: string,
  file: string,
  where: string,
): Promise<void> {
  const path = join(root, file);
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw new OneroofError('config', `${where}: ${show(file)} is not in the packet (${path})`, {
      hint: `add the file, or name one that is there (${(error as NodeJS.ErrnoException).code ?? 'missing'})`,
    });
  }
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || resolve(realRoot, rel) !== real)
    throw new OneroofError(
      'config',
      `${where}: ${show(file)} leads out of the packet (to ${real}); expected a file inside it`,
    );
  const stats = await lstat(real);
  if (!stats.isFile())
    throw new OneroofError(
      'config',
      `${where}: ${show(file)}: expected a regular file, got something else`,
    );
}

/** packet.yml is in the manifest, with the digest it has on disk. */
async function checkCovered(root: string, shown: string, actual: string): Promise<void> {
  const manifestPath = join(root, MANIFEST_FILE);
  const fix = 'after review, regenerate the manifest: `oneroof manifest write`';
  let text: string;
  try {
    text = await readCheckedText(manifestPath, MANIFEST_FILE_KIND);
  } catch (error) {
    if (error instanceof OneroofError) throw error;
    throw new OneroofError(
      'integrity',
      `${manifestPath}: cannot be read, so ${DESCRIPTOR_FILE} is not vouched for`,
      {
        hint: fix,
        cause: error,
      },
    );
  }
  let entries;
  try {
    entries = parseManifest(text, manifestPath);
  } catch (error) {
    if (error instanceof ManifestError) throw new OneroofError('integrity', error.message);
    throw error;
  }
  const entry = entries.find((e) => e.path === DESCRIPTOR_FILE);
  if (entry === undefined)
    throw new OneroofError(
      'integrity',
      `${shown}: not in ${MANIFEST_FILE}: the packet's descriptor must be covered by its manifest`,
      { hint: fix },
    );
  if (actual !== entry.sha256)
    throw new OneroofError(
      'integrity',
      `${shown}: is not what ${MANIFEST_FILE} says (manifest ${entry.sha256}, file ${actual}); nothing was run`,
      { hint: `restore the ratified ${DESCRIPTOR_FILE}, or ${fix}` },
    );
}
