/**
 * The source map as a run log of format /3 carries it: not whole (it can be larger than the
 * .log), but the excerpts of the lines psql reported (SourceMap.excerpt). The runner's parser
 * asks a RecordingMap, which notes each line asked about; its excerpts go into the output record
 * of the chunk that made the parser ask (a message's formats with the chunk that ended it). Replay's parser asks an ExcerptMap built from the
 * excerpts read so far, so re-parsing the .log's bytes gets the answers the run got.
 */
import type { MapExcerpt } from './source-map-parts.js';
import { SourceMap, type SourceLookup } from './source-map.js';

/**
 * The runner's side: the map's answers, and what each line asked about says — its position
 * (lookup), its statements (resolveInStatement), and of its marker formats those a message
 * psql reported there matched (`take`: the formats a re-parse of the same text asks about).
 */
export class RecordingMap implements SourceLookup {
  private readonly positions = new Set<number>();
  private readonly statements = new Set<number>();
  /** Lines whose marker formats were asked about, and the formats recorded for each. */
  private readonly markers = new Map<number, Set<string>>();
  private fresh: MapExcerpt[] = [];

  constructor(
    private readonly map: SourceMap,
    /** Whether a marker format matches a message's text (src/psql/raise-format.ts). */
    private readonly matches: (format: string, text: string) => boolean,
    /** The step's files as its stream record lists them: a source is named by its index. */
    private readonly files: readonly string[] = [],
  ) {}

  get knowsMarkers(): boolean {
    return this.map.knowsMarkers;
  }

  lookup(line: number): ReturnType<SourceMap['lookup']> {
    if (!this.positions.has(line)) {
      this.positions.add(line);
      this.fresh.push(this.map.excerpt(line));
    }
    return this.map.lookup(line);
  }

  resolveInStatement(endLine: number, lineInStatement: number): ReturnType<SourceMap['lookup']> {
    if (!this.statements.has(endLine)) {
      this.statements.add(endLine);
      this.fresh.push(this.map.excerpt(endLine, true));
    }
    return this.map.resolveInStatement(endLine, lineInStatement);
  }

  markerFormats(line: number): readonly string[] {
    if (!this.markers.has(line)) this.markers.set(line, new Set());
    return this.map.markerFormats(line);
  }

  /**
   * The excerpts asked for since the last call, with the marker formats that the messages
   * parsed meanwhile (`events`) matched at lines whose formats were asked about.
   */
  take(
    events: readonly { kind: string; text?: string; location?: { line: number } }[],
  ): MapExcerpt[] {
    for (const event of events) {
      const line = event.location?.line;
      const recorded = line === undefined ? undefined : this.markers.get(line);
      if (recorded === undefined || event.kind !== 'message' || event.text === undefined) continue;
      const text = event.text;
      const formats = this.map
        .markerFormats(line!)
        .filter((f) => !recorded.has(f) && this.matches(f, text));
      for (const f of formats) recorded.add(f);
      if (formats.length > 0) this.fresh.push({ line: line!, markers: formats });
    }
    if (this.fresh.length === 0) return [];
    const index = new Map(this.files.map((file, i) => [file, i]));
    const fresh = this.fresh.map((excerpt) =>
      renamed(excerpt, (source) =>
        typeof source === 'string' ? (index.get(source) ?? source) : source,
      ),
    );
    this.fresh = [];
    return fresh;
  }
}

/** Replay's side: answers from the excerpts added so far (rebuilt when more arrive). */
export class ExcerptMap implements SourceLookup {
  private readonly excerpts: MapExcerpt[] = [];
  private built: SourceMap | undefined;

  constructor(
    readonly knowsMarkers: boolean,
    /** The step's files as its stream record lists them (a source's index names it). */
    private readonly files: readonly string[] = [],
  ) {}

  add(excerpts: readonly MapExcerpt[]): void {
    if (excerpts.length === 0) return;
    for (const excerpt of excerpts)
      this.excerpts.push(
        renamed(excerpt, (source) =>
          typeof source === 'number' ? (this.files[source] ?? `#${source}`) : source,
        ),
      );
    this.built = undefined;
  }

  lookup(line: number): ReturnType<SourceMap['lookup']> {
    return this.map().lookup(line);
  }

  resolveInStatement(endLine: number, lineInStatement: number): ReturnType<SourceMap['lookup']> {
    return this.map().resolveInStatement(endLine, lineInStatement);
  }

  markerFormats(line: number): readonly string[] {
    return this.map().markerFormats(line);
  }

  private map(): SourceMap {
    this.built ??= SourceMap.fromExcerpts(this.excerpts, this.knowsMarkers);
    return this.built;
  }
}

/** One excerpt per line, in the order first asked (an output record's, when it is written). */
export function mergeByLine(excerpts: readonly MapExcerpt[]): MapExcerpt[] {
  const byLine = new Map<number, MapExcerpt>();
  for (const excerpt of excerpts) {
    const merged = byLine.get(excerpt.line);
    if (merged === undefined) {
      byLine.set(excerpt.line, { ...excerpt });
      continue;
    }
    for (const key of ['runs', 'statements', 'markers'] as const) {
      const more = excerpt[key];
      if (more !== undefined) merged[key] = [...(merged[key] ?? []), ...more] as never;
    }
  }
  return [...byLine.values()];
}

/** An excerpt with each run's source renamed (a file's name ↔ its index in the step's files). */
function renamed(
  excerpt: MapExcerpt,
  rename: (source: string | number) => string | number,
): MapExcerpt {
  if (excerpt.runs === undefined) return excerpt;
  return {
    ...excerpt,
    runs: excerpt.runs.map((run) => {
      const copy: typeof run = [...run];
      copy[2] = rename(run[2]);
      return copy;
    }),
  };
}
