/**
 * `oneroof init DIR` (src/packet/scaffold.ts, src/commands/init.ts): the scaffold passes every
 * packet check oneroof makes before a run — the descriptor's schema, the manifest, the
 * meta-command allow-list of every file — and speaks the marker grammar the runner reads; and
 * init never touches what exists. (test/integration/init.test.ts runs it on the testbed.)
 */
import { runMain } from '../helpers/in-process.js';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { loadPacket, readDescriptor } from '../../src/contract/load.js';
import type { PacketDescriptor } from '../../src/contract/schema.js';
import { bundlePacket } from '../../src/packet/bundle.js';
import { markerFormats } from '../../src/packet/marker-sites.js';
import { checkManifest, listPacketFiles } from '../../src/packet/manifest.js';
import { scaffoldPacket, STARTER_TEMPLATE } from '../../src/packet/scaffold.js';
import { markerOf } from '../../src/psql/markers.js';
import type { MessageEvent } from '../../src/psql/events.js';
import { tempDir } from '../helpers/tmp.js';

const cli = (argv: string[], cwd = process.cwd()) => runMain(argv, { cwd });

/** The template's own descriptor: where its read-role file and checksums include go. */
const starter = await readDescriptor(STARTER_TEMPLATE);
const READER_FILE = starter.entries.reader;
const starterOptions = {
  readerFile: join(PACKAGE_ROOT, 'sql', READER_FILE),
  readerPath: READER_FILE,
  checksums: starter.checksums!,
};

const scaffold = (dir: string, template = STARTER_TEMPLATE) =>
  scaffoldPacket({ dir, name: 'shop-loyalty', template, ...starterOptions });

async function made(): Promise<{ dir: string; files: string[]; descriptor: PacketDescriptor }> {
  const dir = join(await tempDir('oneroof-init-'), 'pkt');
  const files = await scaffold(dir);
  // As every command loads it: the schema, every named file on disk, vouched for by the manifest.
  return { dir, files, descriptor: await loadPacket(dir) };
}

/** Every entry under dir (not following symlinks): its kind, size, mode and mtime. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const s = await lstat(path);
    out.push(`${name} ${s.mode} ${s.size} ${s.mtimeMs}`);
    if (s.isDirectory()) out.push(...(await snapshot(path)).map((l) => `${name}/${l}`));
  }
  return [`. ${(await lstat(dir)).mtimeMs}`, ...out];
}

/** What psql would show for a RAISE of that format, `%` filled in. */
function message(format: string): MessageEvent {
  const text = format.replace(/%/g, 'x');
  const severity = /^(ASSERT |ONEROOF (NO-GO|REFUSED))/.test(text) ? 'ERROR' : 'NOTICE';
  const event: MessageEvent = { kind: 'message', stream: 'stderr', raw: [text], severity, text };
  return event;
}

describe('oneroof init: the scaffold passes the packet checks', () => {
  it('packet.yml fits the contract, with the chosen name, and names only files that exist', async () => {
    const { dir, files, descriptor } = await made();
    expect(descriptor.name).toBe('shop-loyalty');
    expect(descriptor.tiers.map((t) => [t.tier, t.name])).toEqual([
      [10, 'loyalty_schema'],
      [20, 'enrol_customers'],
    ]);
    const named = [
      ...Object.values(descriptor.entries),
      ...descriptor.tiers.flatMap((t) => [
        t.file,
        ...(t.rollback === undefined ? [] : [t.rollback]),
      ]),
      descriptor.state.probe,
      descriptor.probes.tier_status,
      descriptor.probes.gate,
      descriptor.probes.fingerprint,
      ...descriptor.probes.verify.map((p) => p.file),
      descriptor.replica.golden_clone,
      descriptor.replica.approve,
      descriptor.checksums!.include,
    ];
    for (const file of named) expect(files, file).toContain(file);
    expect(files).toEqual(
      await listPacketFiles(dir).then((l) => [...l, 'manifest-sha256.txt'].sort()),
    );
  });

  it('its manifest and checksums include match its files, as `oneroof manifest check` needs', async () => {
    const { dir } = await made();
    expect(await checkManifest(dir, starter.checksums)).toEqual([]);
    const check = await cli(['manifest', 'check', '--packet', dir]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  });

  it('every file passes the meta-command allow-list (bundled as the runner bundles it)', async () => {
    const { dir, files } = await made();
    const sql = files.filter((f) => f.endsWith('.sql'));
    expect(sql.length).toBeGreaterThan(20);
    for (const entry of sql)
      await expect(bundlePacket({ root: dir, entry }), entry).resolves.toBeDefined();
  });

  it('every marker it raises is one the runner reads, and each tier and entry says its own', async () => {
    const { dir, files, descriptor } = await made();
    const text = async (file: string) => readFile(join(dir, file), 'utf8');
    for (const file of files.filter((f) => f.endsWith('.sql'))) {
      for (const format of markerFormats(await text(file)))
        if (!format.startsWith('ONEROOF DRY-RUN') && !format.startsWith('ONEROOF READER'))
          expect(markerOf(message(format)), `${file}: ${format}`).toBeDefined();
    }
    for (const t of descriptor.tiers) {
      const formats = markerFormats(await text(t.file));
      for (const phase of ['BEGIN', 'COMMIT'])
        expect(formats).toContain(`ONEROOF TIER ${t.tier} ${phase} ${t.name}`);
      expect(formats).toContain(`ONEROOF TIER ${t.tier} SKIP ${t.name}: already applied`);
      if (t.rollback !== undefined)
        for (const phase of ['BEGIN', 'COMMIT'])
          expect(markerFormats(await text(t.rollback))).toContain(
            `ONEROOF ROLLBACK ${t.tier} ${phase} ${t.name}`,
          );
    }
    for (const entry of [
      ...Object.values(descriptor.entries),
      descriptor.replica.golden_clone,
      descriptor.replica.approve,
    ]) {
      const base = entry.slice(entry.lastIndexOf('/') + 1, -'.sql'.length);
      expect(markerFormats(await text(entry)).at(-1), entry).toBe(`ONEROOF END ${base}`);
    }
  });

  it('the tier list the SQL keeps is the descriptor’s (_session.sql, tier_status.sql, the executor)', async () => {
    const { dir, descriptor } = await made();
    const numbers = descriptor.tiers.map((t) => t.tier).join(',');
    expect(await readFile(join(dir, 'prod/_session.sql'), 'utf8')).toContain(
      `'release.tiers', '${numbers}'`,
    );
    const status = await readFile(join(dir, descriptor.probes.tier_status), 'utf8');
    const values = descriptor.tiers.map((t) => `(${t.tier}, '${t.name}')`).join(', ');
    expect(status.split(`(VALUES ${values})`).length).toBe(3);
    const runAll = await readFile(join(dir, descriptor.entries.apply), 'utf8');
    const includes = [...runAll.matchAll(/^\\ir (\d\d_\w+\.sql)$/gm)].map((m) => `prod/${m[1]!}`);
    expect(includes.filter((f) => descriptor.tiers.some((t) => t.file === f))).toEqual(
      descriptor.tiers.map((t) => t.file),
    );
  });

  it('the read role file is the shipped packet’s, byte for byte', async () => {
    const { dir } = await made();
    expect(await readFile(join(dir, READER_FILE))).toEqual(
      await readFile(join(PACKAGE_ROOT, 'sql', READER_FILE)),
    );
  });
});

describe('oneroof init: the command', () => {
  it('makes DIR, names every file and prints the next commands, exit 0', async () => {
    const parent = await tempDir('oneroof-init-');
    const r = await cli(['init', 'my packet', '--name', 'p'], parent);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${join(parent, 'my packet')}: packet `);
    expect(r.stdout).toContain(
      "  oneroof --packet 'my packet' replica reset --target R --approve APR-2026-0001\n",
    );
    expect(r.stdout).toContain('  prod/10_loyalty_schema.sql\n');
    expect(await readFile(join(parent, 'my packet', 'packet.yml'), 'utf8')).toMatch(/^name: p$/m);
  });

  it('takes an empty folder that exists', async () => {
    const dir = await tempDir('oneroof-init-');
    const r = await cli(['init', dir, '--name', 'empty-ok']);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'packet.yml'), 'utf8')).toMatch(/^name: empty-ok$/m);
  });

  it.each([
    ['a name with upper case', 'Shop'],
    ['a name with a space', 'my shop'],
    ['an empty name', ''],
  ])('hostile init-name: %s is refused, exit 2, nothing made', async (_, name) => {
    const parent = await tempDir('oneroof-init-');
    const r = await cli(['init', join(parent, 'p'), '--name', name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^oneroof: error: --name: expected a-z/);
    expect(await readdir(parent)).toEqual([]);
  });

  it('hostile init-name: a DIR whose name does not fit asks for --name, exit 2', async () => {
    const parent = await tempDir('oneroof-init-');
    const r = await cli(['init', join(parent, 'My Packet')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the name of ${join(parent, 'My Packet')}`);
    expect(r.stderr).toContain('pass --name NAME');
    expect(await readdir(parent)).toEqual([]);
  });

  type Setup = (parent: string) => Promise<string>;
  const cases: [string, Setup, RegExp][] = [
    [
      'a folder that is not empty',
      async (p) => {
        await mkdir(join(p, 'd'));
        await writeFile(join(p, 'd', 'notes.txt'), 'mine\n');
        return join(p, 'd');
      },
      /exists and is not empty \(1 entries, e\.g\. notes\.txt\)/,
    ],
    [
      'a folder holding only a dot file',
      async (p) => {
        await mkdir(join(p, 'd'));
        await writeFile(join(p, 'd', '.git'), 'x');
        return join(p, 'd');
      },
      /exists and is not empty/,
    ],
    [
      'a symlink to an empty folder',
      async (p) => {
        await mkdir(join(p, 'real'));
        await symlink(join(p, 'real'), join(p, 'd'));
        return join(p, 'd');
      },
      /is a symlink \(not followed\)/,
    ],
    [
      'a dangling symlink',
      async (p) => {
        await symlink(join(p, 'nowhere'), join(p, 'd'));
        return join(p, 'd');
      },
      /is a symlink \(not followed\)/,
    ],
    [
      'a file',
      async (p) => {
        await writeFile(join(p, 'd'), 'mine\n');
        return join(p, 'd');
      },
      /exists and is not a folder/,
    ],
    [
      'a folder whose parent does not exist',
      (p) => Promise.resolve(join(p, 'no', 'd')),
      /its parent folder does not exist/,
    ],
  ];
  it.each(cases)(
    'hostile init-dir: %s is refused, exit 2, naming DIR, nothing changed',
    async (_, setup, why) => {
      const parent = await tempDir('oneroof-init-');
      const dir = await setup(parent);
      const before = await snapshot(parent);
      const r = await cli(['init', dir, '--name', 'p']);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(
        new RegExp(`^oneroof: error: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
      );
      expect(r.stderr).toMatch(why);
      expect(await snapshot(parent)).toEqual(before);
    },
  );

  it('fault init-midway: a failure after some files removes exactly what init made', async () => {
    const template = await tempDir('oneroof-init-template-');
    await mkdir(join(template, 'a'));
    await writeFile(join(template, 'a', 'one.sql'), 'SELECT 1;\n');
    await writeFile(join(template, 'packet.yml'), 'name: starter\n');
    execFileSync('mkfifo', [join(template, 'z-fifo')]);
    // A new DIR: removed whole.
    const parent = await tempDir('oneroof-init-');
    await expect(scaffold(join(parent, 'new'), template)).rejects.toThrow(
      /a template holds files only/,
    );
    expect(await readdir(parent)).toEqual([]);
    // An empty DIR that existed: left, empty.
    const own = await tempDir('oneroof-init-');
    const mode = (await stat(own)).mode;
    await expect(scaffold(own, template)).rejects.toThrow(/a template holds files only/);
    expect(await readdir(own)).toEqual([]);
    expect((await stat(own)).mode).toBe(mode);
  });

  it('fault init-midway: a failing last check removes the whole new packet', async () => {
    const parent = await tempDir('oneroof-init-');
    await expect(
      scaffoldPacket({
        dir: join(parent, 'p'),
        name: 'p',
        template: STARTER_TEMPLATE,
        ...starterOptions,
        check: () => Promise.reject(new Error('the check said no')),
      }),
    ).rejects.toThrow('the check said no');
    expect(await readdir(parent)).toEqual([]);
  });

  it('fault init-midway: a write onto an existing file is refused (O_EXCL), and init undoes itself', async () => {
    const dir = join(await tempDir('oneroof-init-'), 'p');
    const template = await tempDir('oneroof-init-template-');
    await writeFile(join(template, 'packet.yml'), 'name: starter\n');
    // The reader file goes to a path the template already made: O_EXCL refuses the second write.
    await expect(
      scaffoldPacket({
        dir,
        name: 'p',
        template,
        readerFile: join(PACKAGE_ROOT, 'sql', READER_FILE),
        readerPath: 'packet.yml',
      }),
    ).rejects.toThrow(`${join(dir, 'packet.yml')}: exists already; not overwritten`);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
