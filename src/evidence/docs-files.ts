/** A packet file's facts by its path, and what it includes, for the documents written from the packet. */
import type { EvidenceInput } from './input.js';
import type { FileFacts } from './packet-facts.js';

export function file(input: EvidenceInput, path: string): FileFacts {
  return (
    input.packet.files[path] ?? {
      path,
      sha256: 'not read',
      includes: [],
      includePaths: [],
      markers: [],
      objects: [],
    }
  );
}

/** The files `f` includes, transitively, as read (each once, in the order first included). */
export function included(
  input: EvidenceInput,
  f: FileFacts,
  seen = new Set<string>(),
): FileFacts[] {
  const out: FileFacts[] = [];
  for (const path of f.includePaths) {
    const facts = input.packet.files[path];
    if (facts === undefined || seen.has(path)) continue;
    seen.add(path);
    out.push(facts, ...included(input, facts, seen));
  }
  return out;
}

/** The marker formats of a file whose text starts with one of `prefixes`, as table rows. */
export function markerRows(f: FileFacts, prefixes: string[]): string[][] {
  return f.markers
    .filter((m) => prefixes.some((p) => m.format.startsWith(p)))
    .map((m) => [`${f.path}:${m.line}`, m.format]);
}
