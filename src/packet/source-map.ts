/**
 * The map from a line of the bundled SQL stream back to the packet file and line it came from.
 * psql counts the lines of its input (`psql:<stdin>:LINE:`); the bundle keeps every source line
 * whole and in order, so the map is a short list of runs: "bundle lines 40..71 are lines 1..32 of
 * tiers/axis.sql". Lines the runner adds around the packet (a preamble, the sentinel) are runs
 * with a label instead of a file.
 *
 * It also remembers where each statement starts and ends: psql reports the line that *ended* a
 * statement, and the server's `LINE n:` counts from the line it *started*; together they give
 * the exact line of the error (`resolveInStatement`).
 *
 * Immutable: prepend/append return a new map. toJSON()/fromJSON() give the compact form that the
 * run log stores.
 */
import { z } from 'zod';
import {
  checkCount,
  SourceMapBuilder,
  type ExcerptRun,
  type MapExcerpt,
  type Run,
  type Source,
} from './source-map-parts.js';

export interface SourcePosition {
  /** Packet file, relative to the packet root with `/` separators, or a generated label. */
  file: string;
  /** 1-based line in that file (or within the generated run). */
  line: number;
  /** Present when the line was added by the runner, not read from a packet file. */
  generated?: true;
}

const sourceMapJsonSchema = z.object({
  version: z.literal(1),
  lines: z.number().int().nonnegative(),
  sources: z.array(z.object({ name: z.string(), generated: z.boolean().optional() })),
  /** [bundleStart, count, sourceIndex, sourceStart] */
  runs: z.array(z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()])),
  /** [startLine, endLine] of each statement, in bundle lines, ascending. */
  statements: z.array(z.tuple([z.number().int(), z.number().int()])),
  /**
   * The packet's marker statements: [bundle line that ends the statement, the RAISE formats
   * (`ONEROOF …`, `ASSERT …`) it holds]. Absent in maps written before markers were checked.
   */
  markers: z.array(z.tuple([z.number().int(), z.array(z.string())])).optional(),
});

export type SourceMapJson = z.infer<typeof sourceMapJsonSchema>;

/** What the psql parser asks of a map (src/psql/parse.ts): a SourceMap, or one that records or replays the answers (./map-excerpts.ts). */
export type SourceLookup = Pick<
  SourceMap,
  'lookup' | 'resolveInStatement' | 'markerFormats' | 'knowsMarkers'
>;

export class SourceMap {
  private constructor(
    private readonly sources: readonly Source[],
    private readonly runs: readonly Run[],
    private readonly statements: readonly (readonly [number, number])[],
    /** Total number of lines of the bundle this map describes. */
    readonly lines: number,
    /** Marker statements by the bundle line that ends them; undefined: an older map. */
    private readonly markerSites?: ReadonlyMap<number, readonly string[]>,
  ) {}

  static empty(): SourceMap {
    return new SourceMap([], [], [], 0, new Map());
  }

  /** This map knows the packet's marker statements (maps written before that do not). */
  get knowsMarkers(): boolean {
    return this.markerSites !== undefined;
  }

  /**
   * The RAISE formats of the marker statement psql reports at bundle line `line` (the line
   * that ended it); [] when no marker statement ends there.
   */
  markerFormats(line: number): readonly string[] {
    return this.markerSites?.get(line) ?? [];
  }

  static fromJSON(json: unknown): SourceMap {
    const parsed = sourceMapJsonSchema.parse(json);
    const runs = parsed.runs.map(([start, count, source, sourceStart]) => ({
      start,
      count,
      source,
      sourceStart,
    }));
    let expected = 1;
    for (const run of runs) {
      if (run.start !== expected || run.count < 1 || parsed.sources[run.source] === undefined)
        throw new Error(
          `source map: run at line ${run.start} does not follow line ${expected - 1}`,
        );
      expected += run.count;
    }
    if (expected - 1 !== parsed.lines)
      throw new Error(`source map: runs cover ${expected - 1} lines, expected ${parsed.lines}`);
    return new SourceMap(
      parsed.sources.map((s) => ({ name: s.name, generated: s.generated === true })),
      runs,
      parsed.statements,
      parsed.lines,
      parsed.markers === undefined ? undefined : new Map(parsed.markers),
    );
  }

  toJSON(): SourceMapJson {
    return {
      version: 1,
      lines: this.lines,
      sources: this.sources.map((s) =>
        s.generated ? { name: s.name, generated: true } : { name: s.name },
      ),
      runs: this.runs.map((r) => [r.start, r.count, r.source, r.sourceStart]),
      statements: this.statements.map(([a, b]) => [a, b]),
      ...(this.markerSites === undefined
        ? {}
        : { markers: [...this.markerSites].map(([line, formats]) => [line, [...formats]]) }),
    };
  }

  /** Where bundle line `line` (1-based, as psql counts) came from; undefined past either end. */
  lookup(line: number): SourcePosition | undefined {
    const run = this.runAt(line);
    if (run === undefined) return undefined;
    const source = this.sources[run.source]!;
    const position: SourcePosition = {
      file: source.name,
      line: run.sourceStart + line - run.start,
    };
    if (source.generated) position.generated = true;
    return position;
  }

  /**
   * The source line of line `lineInStatement` (the server's `LINE n:`, 1-based) of the statement
   * that psql reports at bundle line `endLine` (the line that ended it). Undefined when no known
   * statement ends there, or when several do and the line number does not tell which.
   */
  resolveInStatement(endLine: number, lineInStatement: number): SourcePosition | undefined {
    const candidates = this.statementsEndingAt(endLine).filter(
      ([start, end]) => end - start + 1 >= lineInStatement,
    );
    // Several statements on one line (`SELECT 1; SELECT 2;`) are all single-line: same answer.
    const starts = new Set(candidates.map(([start]) => start));
    if (starts.size !== 1) return undefined;
    const [start] = candidates[0]!;
    return this.lookup(start + lineInStatement - 1);
  }

  /**
   * What the psql parser can ask of bundle line `line`, as runs of positions: lookup (the line
   * itself), or with `statements`, resolveInStatement (every line of the statements that end
   * there). A run log of format /3 records these for the lines psql reported (with the marker
   * formats that matched: ./map-excerpts.ts), so that replay re-parses the .log with the same
   * answers (fromExcerpts) without the packet.
   */
  excerpt(line: number, statements = false): MapExcerpt {
    const ending = statements
      ? this.statementsEndingAt(line).map(([a, b]) => [a, b] as [number, number])
      : [];
    const runs: ExcerptRun[] = [];
    for (const [from, to] of ending.length === 0 ? [[line, line]] : ending)
      for (let at = from!; at <= to!;) {
        const run = this.runAt(at);
        if (run === undefined) break;
        const last = Math.min(to!, run.start + run.count - 1);
        const source = this.sources[run.source]!;
        runs.push([at, last - at + 1, source.name, run.sourceStart + at - run.start]);
        if (source.generated) runs[runs.length - 1]!.push(1);
        at = last + 1;
      }
    return {
      line,
      ...(runs.length === 0 ? {} : { runs }),
      ...(ending.length === 0 ? {} : { statements: ending }),
    };
  }

  /**
   * A map that answers exactly what the excerpts it is built from answered (and nothing about
   * other lines); `knowsMarkers` as the map they came from.
   */
  static fromExcerpts(excerpts: readonly MapExcerpt[], knowsMarkers: boolean): SourceMap {
    const sources: Source[] = [];
    const index = new Map<string, number>();
    const byLine = new Map<number, Run>();
    const statements = new Map<string, readonly [number, number]>();
    const markers = new Map<number, readonly string[]>();
    for (const excerpt of excerpts) {
      for (const [start, count, named, sourceStart, generated] of excerpt.runs ?? []) {
        const name = String(named);
        const key = `${generated === 1 ? 'g' : 'f'}${name}`;
        let source = index.get(key);
        if (source === undefined) {
          source = sources.push({ name, generated: generated === 1 }) - 1;
          index.set(key, source);
        }
        for (let i = 0; i < count; i++)
          byLine.set(start + i, {
            start: start + i,
            count: 1,
            source,
            sourceStart: sourceStart + i,
          });
      }
      for (const [a, b] of excerpt.statements ?? []) statements.set(`${a}:${b}`, [a, b]);
      if (excerpt.markers !== undefined)
        markers.set(excerpt.line, [...(markers.get(excerpt.line) ?? []), ...excerpt.markers]);
    }
    const runs = [...byLine.values()].sort((x, y) => x.start - y.start);
    const lines = runs.length === 0 ? 0 : runs[runs.length - 1]!.start;
    return new SourceMap(
      sources,
      runs,
      [...statements.values()].sort((x, y) => x[0] - y[0]),
      lines,
      knowsMarkers ? markers : undefined,
    );
  }

  /** This map with `lines` generated lines labelled `label` before the bundle. */
  prepend(lines: number, label: string): SourceMap {
    checkCount(lines);
    if (lines === 0) return this;
    const sources = [...this.sources, { name: label, generated: true }];
    const runs: Run[] = [
      { start: 1, count: lines, source: sources.length - 1, sourceStart: 1 },
      ...this.runs.map((r) => ({ ...r, start: r.start + lines })),
    ];
    const statements = this.statements.map(([a, b]) => [a + lines, b + lines] as const);
    const markers =
      this.markerSites === undefined
        ? undefined
        : new Map([...this.markerSites].map(([line, f]) => [line + lines, f] as const));
    return new SourceMap(sources, runs, statements, this.lines + lines, markers);
  }

  /** This map with `lines` generated lines labelled `label` after the bundle. */
  append(lines: number, label: string): SourceMap {
    checkCount(lines);
    if (lines === 0) return this;
    const sources = [...this.sources, { name: label, generated: true }];
    const runs = [
      ...this.runs,
      { start: this.lines + 1, count: lines, source: sources.length - 1, sourceStart: 1 },
    ];
    return new SourceMap(sources, runs, this.statements, this.lines + lines, this.markerSites);
  }

  private runAt(line: number): Run | undefined {
    if (!Number.isInteger(line) || line < 1 || line > this.lines) return undefined;
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = this.runs[mid]!;
      if (line < run.start) hi = mid - 1;
      else if (line >= run.start + run.count) lo = mid + 1;
      else return run;
    }
    return undefined;
  }

  private statementsEndingAt(endLine: number): (readonly [number, number])[] {
    // Statements are sorted by start and do not overlap, so their ends ascend too.
    let lo = 0;
    let hi = this.statements.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.statements[mid]![1] < endLine) lo = mid + 1;
      else hi = mid;
    }
    const found: (readonly [number, number])[] = [];
    for (let i = lo; i < this.statements.length && this.statements[i]![1] === endLine; i++)
      found.push(this.statements[i]!);
    return found;
  }

  /** @internal Used by the bundler: builds a map run by run. */
  static builder(): SourceMapBuilder<SourceMap> {
    return new SourceMapBuilder(
      (sources, runs, statements, lines, markers) =>
        new SourceMap(sources, runs, statements, lines, markers),
    );
  }
}
