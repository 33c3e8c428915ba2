/**
 * The building blocks of the `--json` contract (docs/json.md): every document is a zod object
 * whose first field is `schema: "oneroof/<name>/<major>"`; a value that may be absent is
 * `null`, never a missing key (`nul`); a timestamp is ISO 8601 in UTC (`iso`).
 */
import { z } from 'zod';

/** Absent is null: the key is always there (parsing fills in null for a missing value). */
export function nul<T extends z.ZodType>(type: T) {
  return type.nullable().default(null);
}

/** A timestamp: ISO 8601, UTC (`2026-12-01T19:42:31.123Z`). */
export const iso = z.iso.datetime();

/** A count, a byte length, a duration in ms: a non-negative integer. */
export const count = z.number().int().nonnegative();

/** A document: its `schema` tag first, then its fields. */
export function document<const N extends string, const M extends number, S extends z.ZodRawShape>(
  name: N,
  major: M,
  shape: S,
) {
  return z.object({ schema: z.literal(`oneroof/${name}/${major}` as const), ...shape });
}
