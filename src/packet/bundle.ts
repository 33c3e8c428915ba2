/**
 * The SQL stream: a packet's entry file with its `\i` / `\ir` includes expanded locally, so the
 * far side receives one stream whose every byte was checked here, and psql's line counter over
 * it maps back to (file, line) through a SourceMap.
 *
 * Rules (each refusal is a BundleError naming file, line, column, with the text and a caret):
 * - `\ir` / `\include_relative` resolve against the including file's directory; `\i` /
 *   `\include` against `cwd` (psql's working directory; default: the packet root's parent,
 *   where an operator runs `psql -f sql/<entry>.sql`). File names follow psql's
 *   argument rules ('…' with '' and backslash escapes; "…" is kept literally, quotes included).
 * - An include must stay inside the packet root, also after symlinks (realpath); absolute and
 *   `~` paths, backquotes and `:variables` are refused; so are missing files and cycles.
 * - Includes are expanded even inside a `\if` branch: the files are ours, and a branch psql
 *   skips still had to be checked. (psql would not read a file in a false branch; the packet
 *   does not rely on that.)
 * - An include must stand alone on its line with no SQL pending in the buffer (psql runs an
 *   included file with its own buffer; inlined, pending text would glue onto it). Every file
 *   must end outside any string, comment, dollar quote or COPY data, and with no unterminated
 *   statement (psql sends that at the end of *each* file; inlined, it would glue onto the next).
 * - Every meta-command psql would see (split at every unquoted backslash, as psql does, in
 *   every `\if` branch) must be on the allow-list of src/packet/meta-args.ts, with its
 *   arguments in the form the shipped packet uses; anything else is refused ('unsupported'):
 *   `\!`, `\g`, `\o`, `\copy`, `\unset`, `\set ON_ERROR_STOP off`, backquotes, …. So is
 *   `COPY … FROM STDIN` (when it fails, psql reads its data lines as commands) and an operator's
 *   value interpolated unquoted (`:gate_variable`: psql lexes the value as script text).
 *   Every other line is copied byte for byte.
 * - psql skips a UTF-8 byte order mark at the start of each file it reads, but not in the
 *   middle of a stream: the bundle drops it (so line 1 of such a file is 3 bytes shorter).
 *   A last line without a newline gets one, so the next file starts on a line of its own
 *   (line numbers do not change). CRLF is kept as it is (psql counts lines by LF).
 *
 * The checks of one file's own text are ./bundle-check.ts; following its includes is here.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { PACKET_FILE, readCheckedAsync } from '../bounded-file.js';
import { BundleError, type BundleErrorDetails } from './bundle-error.js';
import { checkFile } from './bundle-check.js';
import { markerFormats } from './marker-sites.js';
import { type CommandOrigin, parseIncludeArgument, runnerVariables } from './meta-args.js';
import type { MetaCommand } from './psql-lexer.js';
import { SourceMap } from './source-map.js';

/** File access for the bundler; the default reads the disk, tests pass an in-memory one. */
export interface PacketReader {
  readFile(absolutePath: string): Promise<Buffer> | Buffer;
  /** The path with symlinks resolved; throws (code ENOENT) when it does not exist. */
  realpath(absolutePath: string): Promise<string> | string;
}

export interface BundleOptions {
  /** The packet directory (e.g. /…/sql); nothing outside it may be included. */
  root: string;
  /** The entry file, relative to root (e.g. its packet.yml's `entries.apply`) or absolute inside it. */
  entry: string;
  /** psql's working directory, against which `\i` resolves. Default: the parent of root. */
  cwd?: string;
  reader?: PacketReader;
  /**
   * The entry file is a script oneroof generated (src/engine/plans.ts), not a packet file: it
   * may also use the few meta-commands the probes need (`\echo`, `\pset`, `\set QUIET`).
   */
  generatedEntry?: boolean;
  /** The packet's runner variables (gate, dry-run, tier: packet.yml), never set, read quoted. */
  packetVariables?: readonly string[];
}

interface BundledFile {
  /** Relative to root, `/`-separated. */
  path: string;
  /** sha256 of the file's bytes as read (before BOM or newline fixes). */
  sha256: string;
}

export interface Bundle {
  text: string;
  bytes: Buffer;
  sha256: string;
  map: SourceMap;
  /** Every file read, in the order first read (the entry first). */
  files: BundledFile[];
}

/**
 * The disk. Synchronous underneath (a bundle resolves dozens of includes one after another: each
 * through the thread pool left the process idle between them), promises on top.
 */
export const fsPacketReader: PacketReader = {
  readFile: (p) => readCheckedAsync(p, PACKET_FILE),
  realpath: (p) => new Promise((resolve) => resolve(realpathSync.native(p))),
};

export { BundleError } from './bundle-error.js';

const RELATIVE = new Set(['ir', 'include_relative']);
const NEWLINE = Buffer.from('\n');

export async function bundlePacket(options: BundleOptions): Promise<Bundle> {
  const reader = options.reader ?? fsPacketReader;
  const runner = runnerVariables(options.packetVariables);
  const root = path.resolve(options.root);
  const cwd = path.resolve(options.cwd ?? path.dirname(root));
  let realRoot: string;
  try {
    realRoot = await reader.realpath(root);
  } catch (error) {
    throw new BundleError(
      { reason: 'missing', file: root },
      `the packet root does not exist (${describe(error)})`,
    );
  }
  const chunks: Buffer[] = [];
  const map = SourceMap.builder();
  const files: BundledFile[] = [];
  const seen = new Set<string>();
  const display = (absolute: string): string => toPosix(path.relative(root, absolute));

  const entry = path.resolve(root, options.entry);
  const entryFile = display(entry);
  if (!isInside(root, entry))
    throw new BundleError(
      { reason: 'escape', file: entryFile },
      `the entry file is outside the packet root ${root}`,
    );
  const realEntry = await resolveReal(
    entry,
    { reason: 'missing', file: entryFile },
    'the entry file',
  );
  if (!isInside(realRoot, realEntry))
    throw new BundleError(
      { reason: 'escape', file: entryFile },
      `the entry file resolves outside the packet root: ${realEntry}`,
    );
  await expand(entry, realEntry, [], options.generatedEntry === true ? 'plan' : 'packet');

  const bytes = Buffer.concat(chunks);
  return {
    text: bytes.toString('utf8'),
    bytes,
    sha256: sha256(bytes),
    map: map.build(),
    files,
  };

  async function resolveReal(
    absolute: string,
    details: BundleErrorDetails,
    what: string,
  ): Promise<string> {
    try {
      return await reader.realpath(absolute);
    } catch (error) {
      throw new BundleError(
        details,
        `${what} ${display(absolute)} does not exist (${describe(error)})`,
      );
    }
  }

  async function expand(
    absolute: string,
    real: string,
    chain: { file: string; real: string }[],
    origin: CommandOrigin = 'packet',
  ): Promise<void> {
    const file = display(absolute);
    let raw: Buffer;
    try {
      raw = await reader.readFile(real);
    } catch (error) {
      const last = chain.at(-1);
      throw new BundleError(
        { reason: 'missing', file: last?.file ?? file },
        `cannot read ${file} (${describe(error)})`,
      );
    }
    if (!seen.has(real)) {
      seen.add(real);
      files.push({ path: file, sha256: sha256(raw) });
    }
    const { content, lineStarts, scan, includes, lineText, charColumn } = checkFile(
      file,
      raw,
      origin,
      runner,
    );
    const bundleLineOf = new Map<number, number>();
    const nextChain = [...chain, { file, real }];
    for (let index = 0; index < lineStarts.length; index++) {
      const lineNo = index + 1;
      const start = lineStarts[index]!;
      const end = lineStarts[index + 1] ?? content.length;
      const include = includes.get(lineNo);
      if (include !== undefined) {
        await expandInclude(
          include,
          absolute,
          {
            file,
            line: lineNo,
            column: charColumn(lineNo, include.column),
            text: lineText(lineNo),
          },
          nextChain,
        );
        continue;
      }
      chunks.push(content.subarray(start, end));
      if (end === content.length && content[end - 1] !== 0x0a) chunks.push(NEWLINE);
      bundleLineOf.set(lineNo, map.addLine(file, lineNo));
    }
    for (const statement of scan.statements) {
      const start = bundleLineOf.get(statement.start);
      const end = bundleLineOf.get(statement.end);
      if (start !== undefined && end !== undefined) map.addStatement(start, end);
      if (end === undefined) continue;
      const text = Array.from({ length: statement.end - statement.start + 1 }, (_, k) =>
        lineText(statement.start + k),
      ).join('\n');
      const formats = markerFormats(text);
      if (formats.length > 0) map.addMarkerSite(end, formats);
    }
  }

  async function expandInclude(
    command: MetaCommand,
    including: string,
    where: Omit<BundleErrorDetails, 'reason'>,
    chain: { file: string; real: string }[],
  ): Promise<void> {
    const name = parseIncludeArgument(command, where);
    if (path.isAbsolute(name) || name.startsWith('~'))
      throw new BundleError(
        { reason: 'absolute', ...where },
        `\\${command.name} ${name}: an absolute path ties the packet to one machine`,
        'use \\ir with a path relative to the including file',
      );
    const base = RELATIVE.has(command.name) ? path.dirname(including) : cwd;
    const target = path.resolve(base, name);
    const shown = display(target);
    if (!isInside(root, target))
      throw new BundleError(
        { reason: 'escape', ...where },
        `\\${command.name} ${name} resolves to ${shown}, outside the packet root`,
      );
    const real = await resolveReal(
      target,
      { reason: 'missing', ...where },
      `\\${command.name}: file`,
    );
    if (!isInside(realRoot, real))
      throw new BundleError(
        { reason: 'escape', ...where },
        `\\${command.name} ${name} resolves (through a symlink) to ${real}, outside the packet root`,
      );
    const loop = chain.findIndex((c) => c.real === real);
    if (loop >= 0) {
      const names = [...chain.map((c) => c.file), shown];
      throw new BundleError(
        { reason: 'cycle', ...where, chain: names },
        `include cycle: ${names.join(' → ')}`,
      );
    }
    await expand(target, real, chain);
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
