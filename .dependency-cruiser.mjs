// The layers of src/, enforced by `npm run lint` (depcruise src --config .dependency-cruiser.mjs).
//
// A folder may import only folders on a LOWER line of LAYERS (and itself); folders on one line
// are peers and do not import each other. The base files (errors.ts, safe-text.ts,
// bounded-file.ts, package-root.ts) sit below every folder and import none. On top of the
// direction: no import cycle between modules at all, src/ never imports test/, every module is
// reachable from the entry point (src/cli/main.ts), and nothing in src/ uses a devDependency.
// Adding an upward import fails lint: move the shared piece down instead.

/** Top to bottom. */
const LAYERS = [
  ['cli'], // the program: commander wiring of the commands
  ['commands'], // one file per command: parse, validate, one call, render
  ['json'], // the --json documents: their zod objects (schema/*.schema.json is generated from them)
  ['evidence'], // the evidence set: documents from runs and the packet, its signed manifest, its check
  ['replica'], // local Docker replicas of production targets
  ['engine'], // the gated release (preflight/apply/rollback/verify/status), reader setup
  ['audit', 'runner'], // replay of a run log | one psql session run through a transport
  ['model'], // the run model: tier state machine, event summary, judge
  ['psql', 'runlog'], // psql's output as typed events | the hash-chained run log and its anchor
  ['contract'], // the packet descriptor: schema, loader (the manifest vouches for it), summary
  ['packet'], // the SQL packet: manifest, signature, bundling
  ['transport'], // ssh2 / openssh / local: one exec of the remote command line
  ['docker', 'remote'], // the Docker client, exec and demuxer | the pure remote-command builders
  ['inventory'], // targets and groups
  ['ssh'], // OpenSSH config, known hosts, ssh-keygen signing
  ['local'], // the one local-process runner
];

const BASE = '^src/[^/]+\\.ts$';
const folder = (names) => `^src/(${names.join('|')})/`;

const layerRules = LAYERS.map((names, index) => {
  const above = LAYERS.slice(0, index + 1).flat();
  return {
    name: `layer-${names.join('-')}`,
    comment: `${names.join(', ')} may import only the layers below: ${
      LAYERS.slice(index + 1)
        .map((l) => l.join('/'))
        .join(', ') || 'the base files'
    }`,
    severity: 'error',
    from: { path: folder(names) },
    // $1: a folder imports itself freely
    to: { path: folder(above), pathNot: '^src/$1/' },
  };
});

export default {
  forbidden: [
    ...layerRules,
    {
      name: 'folder-has-a-layer',
      comment: 'a new folder under src/ gets its line in LAYERS first',
      severity: 'error',
      from: { path: '^src/', pathNot: [folder(LAYERS.flat()), BASE] },
      to: {},
    },
    {
      name: 'to-folder-with-a-layer',
      comment: 'a new folder under src/ gets its line in LAYERS first',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: [folder(LAYERS.flat()), BASE] },
    },
    {
      name: 'base-imports-no-folder',
      comment: 'the base files sit below every folder',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^src/[^/]+/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-dev-dependency',
      comment: 'the installed bin has no devDependencies',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'reachable-from-main',
      comment: 'a module the program never loads is dead code (or a missing import)',
      severity: 'error',
      from: { path: '^src/cli/main\\.ts$' },
      to: { path: '^src/', reachable: false },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.sh$' },
  },
};
