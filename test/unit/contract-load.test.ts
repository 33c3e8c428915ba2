import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { loadPacket, parseDescriptor } from '../../src/contract/load.js';
import { DESCRIPTOR_FILE } from '../../src/contract/schema.js';
import { OneroofError } from '../../src/errors.js';
import { writeManifest } from '../../src/packet/manifest.js';
import { tempDir } from '../helpers/tmp.js';

const SQL = join(PACKAGE_ROOT, 'sql');
const SHIPPED = await readFile(join(SQL, DESCRIPTOR_FILE), 'utf8');

/** A copy of sql/ whose packet.yml is `edit`ed and (unless told) re-manifested. */
async function packet(
  edit: (text: string) => string,
  options: { manifest?: boolean; before?: (dir: string) => Promise<void> } = {},
): Promise<string> {
  const dir = join(await tempDir('oneroof-contract-'), 'sql');
  await mkdir(dir, { recursive: true });
  await cp(SQL, dir, { recursive: true });
  await options.before?.(dir);
  const text = edit(SHIPPED);
  if (options.manifest !== false) {
    await writeFile(join(dir, DESCRIPTOR_FILE), text);
    await writeManifest(dir, SHIPPED_PACKET.checksums);
  } else await writeFile(join(dir, DESCRIPTOR_FILE), text);
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<OneroofError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OneroofError);
  return error as OneroofError;
}

function replace(from: string | RegExp, to: string): (text: string) => string {
  return (text) => {
    const after = text.replace(from, to);
    if (after === text) throw new Error(`the edit ${String(from)} changed nothing`);
    return after;
  };
}

describe('the shipped packet descriptor', () => {
  it('loads, names every tier in order, and is cached per root', async () => {
    const d = await loadPacket(SQL);
    expect(d.tiers.map((t) => t.tier)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(d.state.columns.filter((c) => c.volatile).map((c) => c.name)).toHaveLength(1);
    expect(await loadPacket(SQL)).toBe(d);
  });
});

type Case = [
  string,
  {
    edit?: (text: string) => string;
    manifest?: boolean;
    before?: (dir: string) => Promise<void>;
    exit: number;
    message: RegExp;
  },
];

const cases: Case[] = [
  [
    'a missing packet.yml names the path and oneroof init',
    {
      before: async () => {},
      edit: (t) => t,
      exit: 2,
      message: /packet\.yml: no packet descriptor/,
    },
  ],
  [
    'not YAML',
    { edit: () => 'name: [unclosed\n', exit: 2, message: /invalid YAML\n.*packet\.yml:\d+:\d+:/ },
  ],
  [
    'a YAML alias bomb',
    {
      edit: () =>
        `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: &c [${Array(10).fill('*b').join(', ')}]\nd: [${Array(10).fill('*c').join(', ')}]\n`,
      exit: 2,
      message: /not a usable packet descriptor/,
    },
  ],
  [
    'a YAML nesting bomb',
    {
      edit: () => `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`,
      exit: 2,
      message: /packet\.yml/,
    },
  ],
  [
    'an unknown key',
    {
      edit: (t) => `${t}colour: blue\n`,
      exit: 2,
      message: /packet\.yml:\d+:\d+: colour: unknown key/,
    },
  ],
  [
    'a missing key',
    {
      edit: replace(/^title: .*\n/m, ''),
      exit: 2,
      message: /packet\.yml:\d+:\d+: title: is missing/,
    },
  ],
  [
    'another contract version',
    {
      edit: replace('contract: 1', 'contract: 2'),
      exit: 2,
      message: /packet\.yml:\d+:\d+: contract: .*got 2/,
    },
  ],
  [
    'another marker grammar version',
    { edit: replace('markers: 1', 'markers: 7'), exit: 2, message: /markers: .*got 7/ },
  ],
  [
    'tiers out of order',
    {
      edit: replace('tier: 30\n', 'tier: 15\n'),
      exit: 2,
      message:
        /packet\.yml:\d+:\d+: tiers\.2\.tier: expected tiers in ascending order, 15 after 20/,
    },
  ],
  [
    'a tier number twice',
    {
      edit: replace('tier: 30\n', 'tier: 20\n'),
      exit: 2,
      message: /tiers\.2\.tier: expected tiers in ascending order, 20 after 20/,
    },
  ],
  [
    'a tier name twice',
    {
      edit: replace('name: containment', 'name: structure'),
      exit: 2,
      message: /tiers\.3\.name: structure names two tiers/,
    },
  ],
  [
    'a path with ..',
    {
      edit: replace('prod/90_verify.sql', 'prod/../../etc/x.sql'),
      exit: 2,
      message: /entries\.verify: expected a \.sql file inside the packet/,
    },
  ],
  [
    'an absolute path',
    {
      edit: replace('prod/90_verify.sql', '/etc/x.sql'),
      exit: 2,
      message: /entries\.verify: expected a \.sql file inside the packet.*got "\/etc\/x\.sql"/,
    },
  ],
  [
    'a symlink out of the packet',
    {
      before: async (dir) => {
        await writeFile(join(dir, '..', 'outside.sql'), 'SELECT 1;\n');
        await symlink('../../outside.sql', join(dir, 'prod', 'escape.sql'));
      },
      edit: replace('prod/90_verify.sql', 'prod/escape.sql'),
      // The manifest writer refuses a symlink itself: the file checks come first anyway.
      manifest: false,
      exit: 2,
      message: /entries\.verify: "prod\/escape\.sql" leads out of the packet/,
    },
  ],
  [
    'a named file that is not there',
    {
      edit: replace('prod_verify/gate.sql', 'prod_verify/nope.sql'),
      exit: 2,
      message: /probes\.gate: "prod_verify\/nope\.sql" is not in the packet/,
    },
  ],
  [
    'a vector of another width than the columns',
    {
      edit: replace('baseline: 0|0|210|0|0|0', 'baseline: 0|0|210|0|0'),
      exit: 2,
      message: /state\.baseline: expected 6 values \(one per column\), got 5/,
    },
  ],
  [
    'a gate pattern that is no regular expression',
    {
      edit: replace("'^APR-[0-9]{4}-[0-9]{4}$'", "'^APR-[0-9'"),
      exit: 2,
      message: /gate\.pattern: is not a regular expression/,
    },
  ],
  [
    'a gate variable in oneroof’s own prefix',
    {
      edit: replace('variable: ratified_apr', 'variable: oneroof_x'),
      exit: 2,
      message: /gate\.variable: expected a variable outside oneroof_/,
    },
  ],
  [
    'a gate variable that is psql’s own',
    {
      edit: replace('variable: ratified_apr', 'variable: ON_ERROR_STOP'),
      exit: 2,
      message: /gate\.variable: expected a lower-case name/,
    },
  ],
  [
    'a gate variable oneroof passes itself',
    {
      edit: replace('variable: ratified_apr', 'variable: apply_user'),
      exit: 2,
      message: /gate\.variable: expected a variable oneroof does not pass itself/,
    },
  ],
  [
    'one variable for two values',
    {
      edit: replace('tier: tier\n', 'tier: dry_run\n'),
      exit: 2,
      message: /variables\.tier: "dry_run" is also variables\.dry_run/,
    },
  ],
  [
    'a probe named as one of oneroof’s',
    {
      edit: replace('name: scanner_count', 'name: state_vector'),
      exit: 2,
      message: /probes\.verify\.1\.name: state_vector is a probe name oneroof uses itself/,
    },
  ],
  [
    'a packet.yml edited after its manifest',
    {
      edit: replace('title: One-Roof Governance, Phase 1', 'title: Something else'),
      manifest: false,
      exit: 5,
      message: /packet\.yml: is not what manifest-sha256\.txt says.*\n?/,
    },
  ],
  [
    'a packet.yml over the size cap',
    {
      edit: (t) => `${t}${'#'.repeat(300 * 1024)}\n`,
      exit: 2,
      message: /packet\.yml: expected a regular file of at most 262144 bytes/,
    },
  ],
];

describe('hostile packet-descriptor: packet.yml', () => {
  it.each(cases)('%s', async (title, c) => {
    const dir = await packet(c.edit ?? ((t) => t), {
      ...(c.manifest === undefined ? {} : { manifest: c.manifest }),
      ...(c.before ? { before: c.before } : {}),
    });
    if (title.startsWith('a missing packet.yml')) await rm(join(dir, DESCRIPTOR_FILE));
    const error = await refusal(loadPacket(dir));
    expect(error.message).toMatch(c.message);
    expect(error.exitCode).toBe(c.exit);
    if (title.startsWith('a missing packet.yml')) expect(error.hint).toMatch(/oneroof init DIR/);
  });

  it('a packet.yml not in the manifest is refused, naming the fix', async () => {
    const dir = await packet((t) => t);
    const manifest = join(dir, 'manifest-sha256.txt');
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8'))
        .split('\n')
        .filter((l) => !l.endsWith('  packet.yml'))
        .join('\n'),
    );
    const error = await refusal(loadPacket(dir));
    expect(error.message).toMatch(/packet\.yml: not in manifest-sha256\.txt/);
    expect(error.hint).toMatch(/oneroof manifest write/);
    expect(error.exitCode).toBe(5);
  });
});

/** Edits one SQL file of the copy (before its manifest is written). */
function sql(file: string, from: string | RegExp, to: string): (dir: string) => Promise<void> {
  return async (dir) => {
    const path = join(dir, file);
    const text = await readFile(path, 'utf8');
    const after = text.replace(from, to);
    if (after === text) throw new Error(`the edit ${String(from)} changed nothing in ${file}`);
    await writeFile(path, after);
  };
}

const TIER_20 = 'prod/20_responsibility_axis.sql';
const ROLLBACK_20 = 'prod_rollback/20_rollback_responsibility_axis.sql';
const BEGIN_20 = "'ONEROOF TIER 20 BEGIN responsibility_axis'";

const markerCases: [
  string,
  { before?: (dir: string) => Promise<void>; edit?: (t: string) => string; message: RegExp },
][] = [
  [
    'a tier file whose marker names the tier otherwise',
    {
      before: sql(TIER_20, BEGIN_20, "'ONEROOF TIER 20 BEGIN responsibility_axes'"),
      message:
        /sql\/prod\/20_responsibility_axis\.sql:24: "ONEROOF TIER 20 BEGIN responsibility_axes": tier 20 is named "?responsibility_axis"? in packet\.yml \(tiers\.1\.name\), got "?responsibility_axes"?$/,
    },
  ],
  [
    'a packet.yml that names the tier otherwise than its markers',
    {
      edit: replace('name: responsibility_axis', 'name: responsibility'),
      message:
        /20_responsibility_axis\.sql:21: "ONEROOF TIER 20 SKIP responsibility_axis: already applied": tier 20 is named "?responsibility"? in packet\.yml \(tiers\.1\.name\), got "?responsibility_axis"?$/,
    },
  ],
  [
    'a packet.yml that numbers the tier otherwise than its markers',
    {
      edit: replace('tier: 20\n', 'tier: 25\n'),
      message:
        /20_responsibility_axis\.sql:21: .*: a marker of tier 20, which packet\.yml does not declare; expected TIER 25 responsibility_axis \(packet\.yml tiers\.1\)$/,
    },
  ],
  [
    'a tier file with a marker of a tier packet.yml does not declare',
    {
      before: sql(TIER_20, /ONEROOF TIER 20 /g, 'ONEROOF TIER 25 '),
      message:
        /20_responsibility_axis\.sql:21: .*: a marker of tier 25, which packet\.yml does not declare; expected TIER 20 responsibility_axis \(packet\.yml tiers\.1\)$/,
    },
  ],
  [
    "a tier file with another declared tier's markers",
    {
      before: sql(
        TIER_20,
        /ONEROOF TIER 20 (\w+) responsibility_axis/g,
        'ONEROOF TIER 30 $1 sovereign_ownership',
      ),
      message:
        /20_responsibility_axis\.sql:21: .*: a marker of tier 30, which packet\.yml gives prod\/30_sovereign_ownership\.sql; expected TIER 20 responsibility_axis/,
    },
  ],
  [
    'two tiers in one tier file',
    {
      before: sql(
        TIER_20,
        `DO $$ BEGIN RAISE NOTICE ${BEGIN_20}; END $$;`,
        `DO $$ BEGIN RAISE NOTICE ${BEGIN_20}; END $$;\nDO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 30 BEGIN sovereign_ownership'; END $$;`,
      ),
      message:
        /20_responsibility_axis\.sql:25: .*: a marker of tier 30, which packet\.yml gives prod\/30_sovereign_ownership\.sql, beside the markers of TIER 20 responsibility_axis \(packet\.yml tiers\.1\): packet\.yml gives this file one tier$/,
    },
  ],
  [
    'a tier file without its COMMIT marker',
    {
      before: sql(
        TIER_20,
        "DO $$ BEGIN RAISE NOTICE 'ONEROOF TIER 20 COMMIT responsibility_axis'; END $$;\n",
        '',
      ),
      message:
        /sql\/prod\/20_responsibility_axis\.sql: no ONEROOF TIER 20 COMMIT responsibility_axis marker; expected one: packet\.yml tiers\.1 gives this file to tier 20 responsibility_axis$/,
    },
  ],
  [
    'a tier file whose number is left to a % placeholder',
    {
      before: sql(TIER_20, BEGIN_20, "'ONEROOF TIER % BEGIN responsibility_axis', 20"),
      message:
        /20_responsibility_axis\.sql:24: "ONEROOF TIER % BEGIN responsibility_axis": expected ONEROOF TIER <nn> BEGIN\|SKIP\|COMMIT <name> with the number and name written out: TIER 20 responsibility_axis/,
    },
  ],
  [
    'a rollback file whose marker names the tier otherwise',
    {
      before: sql(ROLLBACK_20, 'ROLLBACK 20 BEGIN responsibility_axis', 'ROLLBACK 20 BEGIN axis'),
      message:
        /20_rollback_responsibility_axis\.sql:14: "ONEROOF ROLLBACK 20 BEGIN axis": tier 20 is named "?responsibility_axis"? in packet\.yml \(tiers\.1\.name\), got "?axis"?$/,
    },
  ],
  [
    "a rollback file with another tier's number",
    {
      before: sql(ROLLBACK_20, /ROLLBACK 20 /g, 'ROLLBACK 30 '),
      message:
        /20_rollback_responsibility_axis\.sql:14: .*: a marker of tier 30, which packet\.yml gives prod_rollback\/30_rollback_sovereign_ownership\.sql; expected ROLLBACK 20 responsibility_axis/,
    },
  ],
  [
    'a rollback file without its BEGIN marker',
    {
      before: sql(
        ROLLBACK_20,
        "DO $$ BEGIN RAISE NOTICE 'ONEROOF ROLLBACK 20 BEGIN responsibility_axis'; END $$;\n",
        '',
      ),
      message:
        /no ONEROOF ROLLBACK 20 BEGIN responsibility_axis marker; expected one: packet\.yml tiers\.1 gives this file to the rollback of tier 20 responsibility_axis$/,
    },
  ],
  [
    'a full rollback whose marker is not named full',
    {
      before: sql(
        'prod_rollback/99_rollback_full.sql',
        'ROLLBACK 99 BEGIN full',
        'ROLLBACK 99 BEGIN all',
      ),
      message:
        /99_rollback_full\.sql:26: "ONEROOF ROLLBACK 99 BEGIN all": tier 99 is named "?full"? in packet\.yml \(entries\.rollback_full\.name\), got "?all"?$/,
    },
  ],
];

describe('hostile packet-descriptor: tier markers that disagree with packet.yml', () => {
  it.each(markerCases)(
    '%s is refused, naming the file, the line and what was expected',
    async (_, c) => {
      const dir = await packet(c.edit ?? ((t) => t), c.before ? { before: c.before } : {});
      const error = await refusal(loadPacket(dir));
      expect(error.message).toMatch(c.message);
      expect(error.exitCode).toBe(2);
      expect(error.hint).toMatch(/oneroof manifest write/);
    },
  );
});

describe('parseDescriptor', () => {
  it('reads the shipped descriptor’s text', () => {
    expect(parseDescriptor(SHIPPED, 'packet.yml').gate.variable).toBe('ratified_apr');
  });
});
