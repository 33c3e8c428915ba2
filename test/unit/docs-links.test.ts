/**
 * The docs cite only what a clone has: every relative link in README.md and docs/*.md points to
 * a file that exists (and, with #anchor, to a heading that exists), every repository path they
 * name in backquotes exists, and nothing points outside the repository or to this workplace.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DOCS = [
  'README.md',
  'sql/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/**
 * Files other branches of the same issue write, linked before they land. An entry whose file
 * exists fails the test below: then it has landed and must be removed from here.
 */
const PENDING = new Set<string>([]);

/** A backquoted path is taken as a repository path when it starts with a top-level entry. */
const TOP = ['src', 'test', 'sql', 'docs', 'scripts', 'bench', 'bin', 'inventory', '.ci', 'logs'];
/** sql/README.md names the packet's files relative to the packet. */
const PACKET_TOP = readdirSync(join(ROOT, 'sql'));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return new Set([...text.matchAll(/^#{1,6}\s+(.*)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))));
}

/** Fenced code blocks are examples, not citations. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

interface Citation {
  file: string;
  target: string;
}

function links(file: string): Citation[] {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z]+:/.test(t))
    .map((target) => ({ file, target }));
}

function paths(file: string): Citation[] {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  const inPacket = file === 'sql/README.md';
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!.replace(/[:,;.]+$/, ''))
    .filter((p) => p.includes('/') && !/[<>…*$~{}|\\]/.test(p))
    .flatMap((p) => {
      const first = p.split('/')[0]!;
      if (TOP.includes(first) || p.startsWith('../')) return [{ file, target: p }];
      if (inPacket && PACKET_TOP.includes(first)) return [{ file, target: join('sql', p) }];
      return [];
    });
}

describe('docs cite only what the repository has', () => {
  it.each(DOCS)('%s: every relative link resolves, anchors included', (file) => {
    const broken: string[] = [];
    for (const { target } of links(file)) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const to = path === '' ? file : relative(ROOT, resolve(ROOT, dirname(file), path));
      if (to.startsWith('..')) broken.push(`${target}: outside the repository`);
      else if (PENDING.has(to)) continue;
      else if (!existsSync(join(ROOT, to))) broken.push(`${target}: no such file`);
      else if (anchor !== undefined && to.endsWith('.md') && !anchors(to).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${to}`);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every repository path in backquotes exists', (file) => {
    const missing = paths(file)
      .map((c) => c.target.replace(/\/$/, ''))
      .filter((p) => p.startsWith('../') || !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it.each(DOCS)('%s: no reference outside the repository or to this workplace', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(text).not.toMatch(/\.\.\/shared\b|shared\/design|\bfarm-[a-z]|duplicates --change/);
  });

  it('docs/usage.md names every flag the commands declare', () => {
    const usage = readFileSync(join(ROOT, 'docs', 'usage.md'), 'utf8');
    // Wherever the commands live (src/commands, src/cli today): every .ts under src/ that declares one.
    const sources = ['src'].flatMap((d) =>
      readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(join(ROOT, d, f), 'utf8')),
    );
    const flags = new Set(
      sources.flatMap((t) =>
        [...t.matchAll(/[oO]ption\(\s*'(?:-\w, )?(--[a-z][a-z-]*)/g)].map((m) => m[1]!),
      ),
    );
    expect(flags.size).toBeGreaterThan(10);
    expect([...flags].filter((f) => !usage.includes(f))).toEqual([]);
  });

  it('a pending link has not landed yet (when it has, remove it from PENDING)', () => {
    expect([...PENDING].filter((p) => existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('the checker sees what it checks: links, anchors and paths are found', () => {
    expect(links('README.md').map((l) => l.target)).toContain('docs/usage.md');
    expect(anchors('docs/usage.md')).toContain('exit-codes');
    expect(paths('README.md').map((p) => p.target)).toContain('scripts/rehearse.sh');
    expect(paths('sql/README.md').map((p) => p.target)).toContain('sql/prod/99_run_all.sql');
    expect(slug('The packet (`sql/`)'.replace(/`/g, ''))).toBe('the-packet-sql');
  });
});
