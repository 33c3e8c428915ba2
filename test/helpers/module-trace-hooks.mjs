// The loader-thread half of module-trace.mjs: every resolved file: URL, appended to the file.
import { appendFileSync } from 'node:fs';

let out = '';

export function initialize(data) {
  out = data.out;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:')) appendFileSync(out, resolved.url + '\n');
  return resolved;
}
