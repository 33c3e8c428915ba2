/**
 * "Did you mean": the names closest to a mistyped one, by edit distance (insert, delete,
 * substitute, swap two neighbours: a typo's moves), as git and commander suggest commands.
 */

/** Optimal-string-alignment distance between a and b. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Up to `max` of `names` near `typed`, nearest first (ties in the given order): within a third
 * of the typed length (at least 2 edits), or a name that starts with what was typed.
 */
export function closestNames(typed: string, names: readonly string[], max = 3): string[] {
  const lower = typed.toLowerCase();
  const limit = Math.max(2, Math.floor(lower.length / 3));
  return names
    .map((name, order) => ({ name, order, d: distance(lower, name.toLowerCase()) }))
    .filter((c) => c.d <= limit || (lower.length > 0 && c.name.startsWith(lower)))
    .sort((x, y) => x.d - y.d || x.order - y.order)
    .slice(0, max)
    .map((c) => c.name);
}
