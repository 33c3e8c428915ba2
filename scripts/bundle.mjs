// The program `bin/oneroof` runs: dist/ (tsc's output) and the pure-JavaScript dependencies in
// a few ES module files under bundle/, split at every `await import()` so that each command
// still loads only what it needs. Node's loader otherwise resolves, reads and compiles several
// hundred small files at every start (zod, yaml, pino and commander are most of them); one
// bundle saves about a tenth of a preflight. ssh2 and dockerode stay in node_modules: ssh2
// finds its native crypto binding next to its own files. bundle/meta.json says which modules
// every output file holds (test/integration/startup-modules.test.ts reads it).
//   node scripts/bundle.mjs        (npm run build runs it after tsc)
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'bundle');
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2', 'dockerode'],
  // The CommonJS dependencies inside call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __oneroofRequire } from 'node:module';\nconst require = __oneroofRequire(import.meta.url);",
  },
  // For `node --enable-source-maps bin/oneroof`: a trace names dist/'s files (and through their
  // own maps, src/'s).
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
