/**
 * `oneroof init DIR`: a new packet from the starter template (templates/starter/, shipped in the
 * package) plus the read-role file of the shipped packet, then its checksums include and its
 * manifest, computed by manifest.ts as `oneroof manifest write` would. Nothing that exists is
 * ever overwritten: DIR must be absent or an empty folder (never a symlink), every file is
 * created with O_EXCL, and a failure midway removes exactly what this call made, nothing else.
 */
import { lstat, mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OneroofError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import {
  MANIFEST_FILE,
  checkManifest,
  type ChecksumsInclude,
  describeDifference,
  formatChecksumsInclude,
  formatManifest,
  hashPacket,
} from './manifest.js';

/** The starter template `oneroof init` copies (shipped in the package). */
export const STARTER_TEMPLATE = join(PACKAGE_ROOT, 'templates', 'starter');

export interface ScaffoldOptions {
  /** The new packet's folder (absolute). */
  dir: string;
  /** The packet's name in packet.yml (already checked against the contract). */
  name: string;
  /** The template folder: every file in it is copied, its layout kept. */
  template: string;
  /** The read-role file to copy (the same role contract as the shipped packet's). */
  readerFile: string;
  /** Where the read-role file goes in the new packet (packet.yml's entries.reader). */
  readerPath: string;
  /** The checksums include packet.yml declares, generated here as `manifest write` would. */
  checksums?: ChecksumsInclude;
  /** The last check, before anything is kept (the command loads the packet as a run would). */
  check?: (dir: string) => Promise<unknown>;
}

/** The template's packet.yml names itself so; init puts the chosen name there. */
const TEMPLATE_NAME_LINE = /^name: starter$/m;

/** Creates the packet; returns the files it made, relative to dir, sorted. */
export async function scaffoldPacket(options: ScaffoldOptions): Promise<string[]> {
  const { dir } = options;
  const made: { path: string; folder: boolean }[] = [];
  if (await prepareRoot(dir)) made.push({ path: dir, folder: true });
  const files: string[] = [];
  const create = async (relative: string, data: string | Buffer): Promise<void> => {
    const parts = relative.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = join(dir, ...parts.slice(0, i));
      if (
        await mkdir(folder).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'EEXIST' && made.some((m) => m.path === folder)) return false;
            throw error;
          },
        )
      )
        made.push({ path: folder, folder: true });
    }
    await writeFile(join(dir, relative), data, { flag: 'wx', mode: 0o644 }).catch(
      (error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST'
          ? new OneroofError('runtime', `${join(dir, relative)}: exists already; not overwritten`)
          : error;
      },
    );
    made.push({ path: join(dir, relative), folder: false });
    files.push(relative);
  };
  try {
    for (const relative of await templateFiles(options.template)) {
      let data: string | Buffer = await readFile(join(options.template, relative));
      if (relative === 'packet.yml') data = named(data.toString('utf8'), options.name);
      await create(relative, data);
    }
    await create(options.readerPath, await readFile(options.readerFile));
    const { checksums } = options;
    if (checksums !== undefined)
      await create(checksums.include, formatChecksumsInclude(await hashPacket(dir), checksums));
    await create(MANIFEST_FILE, formatManifest(await hashPacket(dir)));
    const differences = await checkManifest(dir, checksums);
    if (differences.length > 0)
      throw new OneroofError(
        'runtime',
        `the new packet in ${dir} does not match its own manifest:\n${differences.map(describeDifference).join('\n')}`,
      );
    await options.check?.(dir);
  } catch (error) {
    for (const m of made.reverse())
      await (m.folder ? rmdir(m.path) : rm(m.path, { force: true })).catch(() => undefined);
    throw error;
  }
  return files.sort();
}

/**
 * DIR absent (made here: returns true), or an empty folder that is not a symlink (false).
 * Anything else is refused, exit 2, naming DIR.
 */
async function prepareRoot(dir: string): Promise<boolean> {
  const refuse = (what: string) =>
    new OneroofError('usage', `${dir}: ${what}; init writes only into a new or empty folder`, {
      hint: 'name a folder that does not exist yet: oneroof init DIR',
    });
  const stat = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw refuse(`cannot be examined (${error.code ?? String(error)})`);
  });
  if (stat === undefined) {
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      throw refuse(
        error.code === 'ENOENT'
          ? 'its parent folder does not exist'
          : `cannot be created (${error.code ?? String(error)})`,
      );
    });
    return true;
  }
  if (stat.isSymbolicLink()) throw refuse('is a symlink (not followed)');
  if (!stat.isDirectory()) throw refuse('exists and is not a folder');
  const entries = await readdir(dir);
  if (entries.length > 0)
    throw refuse(`exists and is not empty (${entries.length} entries, e.g. ${entries.sort()[0]})`);
  return false;
}

/** Every file under the template, relative, sorted; anything but files and folders is refused. */
async function templateFiles(root: string, relative = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await templateFiles(root, path)));
    else if (entry.isFile()) found.push(path);
    else throw new OneroofError('runtime', `${join(root, path)}: a template holds files only`);
  }
  return found.sort();
}

function named(descriptor: string, name: string): string {
  if (!TEMPLATE_NAME_LINE.test(descriptor))
    throw new OneroofError('runtime', 'the template packet.yml has no line "name: starter"');
  return descriptor.replace(TEMPLATE_NAME_LINE, `name: ${name}`);
}
