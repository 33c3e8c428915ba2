/**
 * The exact bytes psql reads: a packet entry file with its includes expanded (src/packet/
 * bundle.ts), a generated plan, SQL text or one file streamed as is, then our random sentinel
 * line, whose echo proves psql reached the end. Built locally, digested, before any contact.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { OneroofError } from '../errors.js';
import { bundlePacket, BundleError, fsPacketReader, type PacketReader } from '../packet/bundle.js';
import type { SourceMap } from '../packet/source-map.js';
import type { MarkerClaims } from '../psql/markers.js';
import type { StagedEncoding } from '../remote/stage.js';
import { encodingFor, SAMPLE_BYTES } from './compress.js';

export type SqlSource =
  /** A packet entry file; its \i / \ir includes are expanded locally. */
  | {
      kind: 'packet';
      root: string;
      entry: string;
      packetVariables?: readonly string[];
      /** Which of its files own which claims (the packet's contract), for the parser. */
      claims?: MarkerClaims;
    }
  /** SQL text the runner itself chose (probes); `label` names it in messages. */
  | { kind: 'text'; label: string; text: string }
  /** One file streamed as is (no includes expanded): large scripts stay out of memory. */
  | { kind: 'file'; path: string }
  /**
   * A script oneroof generated (the lock, a probe, then a packet entry file), placed at
   * `<root>/<name>` for the bundler: its `\ir` includes are packet files, checked like any other.
   */
  | {
      kind: 'plan';
      root: string;
      name: string;
      text: string;
      packetVariables?: readonly string[];
      claims?: MarkerClaims;
      /** Where the packet's files are read from (default: the disk). */
      reader?: PacketReader;
    };

const SENTINEL_PREFIX = 'ONEROOF SENTINEL';
export interface PreparedStream {
  /** The bytes psql will read, or a way to stream them (file sources). */
  bytes: Buffer | (() => Readable);
  length: number;
  /** How they travel (./compress.ts); `length` and `sha256` are those psql reads. */
  encoding: StagedEncoding;
  sha256: string;
  map: SourceMap | undefined;
  /** The packet's claims (SqlSource), for the parser. */
  claims?: MarkerClaims | undefined;
  files: { path: string; sha256: string }[];
  sentinel: string;
}

function variablesOf(source: { packetVariables?: readonly string[] }): {
  packetVariables?: readonly string[];
} {
  return source.packetVariables ? { packetVariables: source.packetVariables } : {};
}

/** Builds the exact bytes psql will read: the source, then our sentinel line. */
export async function prepareStream(source: SqlSource): Promise<PreparedStream> {
  const sentinel = randomBytes(16).toString('hex');
  if (source.kind === 'file') return prepareFile(source.path, sentinel);
  let body: Buffer;
  let map: SourceMap | undefined;
  let files: { path: string; sha256: string }[] = [];
  if (source.kind === 'packet' || source.kind === 'plan') {
    try {
      const bundle = await bundlePacket(
        source.kind === 'packet'
          ? { root: source.root, entry: source.entry, ...variablesOf(source) }
          : {
              root: source.root,
              entry: source.name,
              reader: planReader(source),
              generatedEntry: true,
              ...variablesOf(source),
            },
      );
      body = bundle.bytes;
      map = bundle.map.append(1, '<oneroof sentinel>');
      files = bundle.files;
    } catch (error) {
      if (error instanceof BundleError)
        throw new OneroofError('usage', error.message, { cause: error });
      throw error;
    }
  } else {
    body = Buffer.from(source.text, 'utf8');
  }
  const bytes = Buffer.concat([body, sentinelLine(body.at(-1), sentinel)]);
  return {
    bytes,
    length: bytes.length,
    encoding: encodingFor(bytes.length, bytes),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    map,
    ...(source.kind !== 'text' && source.claims ? { claims: source.claims } : {}),
    files,
    sentinel,
  };
}

function sentinelLine(lastByte: number | undefined, sentinel: string): Buffer {
  const newline = lastByte !== undefined && lastByte !== 0x0a ? '\n' : '';
  return Buffer.from(`${newline}\\echo ${SENTINEL_PREFIX} ${sentinel}\n`);
}

/** The disk, plus the generated script at `<root>/<name>` (which exists only in memory). */
function planReader(plan: {
  root: string;
  name: string;
  text: string;
  reader?: PacketReader;
}): PacketReader {
  const virtual = resolve(plan.root, plan.name);
  const text = Buffer.from(plan.text, 'utf8');
  const files = plan.reader ?? fsPacketReader;
  return {
    readFile: (p) => (p === virtual ? text : files.readFile(p)),
    realpath: async (p) =>
      p === virtual ? resolve(await files.realpath(dirname(p)), basename(p)) : files.realpath(p),
  };
}

/** A file is hashed in one streaming pass, then streamed again: memory stays flat. */
async function prepareFile(path: string, sentinel: string): Promise<PreparedStream> {
  const hash = createHash('sha256');
  let length = 0;
  let last: number | undefined;
  /** The file's first bytes, copied: how well it compresses (./compress.ts). */
  const head: Buffer[] = [];
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      if (length < SAMPLE_BYTES) head.push(Buffer.from(chunk.subarray(0, SAMPLE_BYTES - length)));
      length += chunk.length;
      last = chunk.at(-1);
    }
  } catch (error) {
    throw new OneroofError('usage', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const fileDigest = hash.copy().digest('hex');
  const tail = sentinelLine(last, sentinel);
  hash.update(tail);
  const digest = hash.digest('hex');
  return {
    bytes: () => Readable.from(concatStreams(path, tail)),
    length: length + tail.length,
    encoding: encodingFor(length + tail.length, Buffer.concat(head)),
    sha256: digest,
    map: undefined,
    files: [{ path, sha256: fileDigest }],
    sentinel,
  };
}

async function* concatStreams(path: string, tail: Buffer): AsyncGenerator<Buffer> {
  yield* createReadStream(path) as AsyncIterable<Buffer>;
  yield tail;
}
