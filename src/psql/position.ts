import type { Position } from './events.js';

/** `file:line` of a position, or psql's own location, for messages to a human. */
export function describePosition(event: {
  at?: Position;
  location?: { input: string; line: number };
}): string | undefined {
  if (event.at !== undefined) return `${event.at.file}:${event.at.line}`;
  if (event.location !== undefined) return `${event.location.input}:${event.location.line}`;
  return undefined;
}
