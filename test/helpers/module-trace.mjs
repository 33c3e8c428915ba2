// A preload that lists every module a process loads: `node --import ./module-trace.mjs …` with
// ONEROOF_MODULE_TRACE=FILE appends one file: URL a line to FILE — each ES module as the loader
// resolves it (a hook on the loader's thread) and, at exit, each CommonJS module in require's
// cache (a CommonJS package's own require()s do not pass the ESM hooks).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const out = process.env.ONEROOF_MODULE_TRACE;
if (out) {
  register('./module-trace-hooks.mjs', import.meta.url, { data: { out } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const urls = Object.keys(require.cache).map((path) => pathToFileURL(path).href);
    if (urls.length > 0) appendFileSync(out, urls.join('\n') + '\n');
  });
}
