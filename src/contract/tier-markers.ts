/**
 * The tiers' markers against packet.yml (docs/packet-contract.md): once a tier begins, the run
 * shows the name its marker carries, so the SQL and the descriptor must agree. Each tier file
 * raises `ONEROOF TIER <nn> BEGIN|SKIP|COMMIT <name>` with the number and name packet.yml gives
 * it (its BEGIN and COMMIT at least) and no marker of a tier packet.yml does not give that file;
 * the same for each per-tier rollback file (`ONEROOF ROLLBACK <nn> …`) and the full rollback
 * (`ONEROOF ROLLBACK 99 … full`). Read from the RAISE literals of the files' statements, as the
 * bundler finds the packet's marker sites; a number or name left to a `%` cannot be checked and
 * is refused. Errors name the file, the line, the marker seen and what was expected (exit 2).
 */
import { join } from 'node:path';
import { PACKET_FILE, readCheckedText } from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import {
  markerFormats,
  nameAndNote,
  ROLLBACK_MARKER,
  TIER_MARKER,
} from '../packet/marker-sites.js';
import { scanPsqlScript } from '../packet/psql-lexer.js';
import { show } from '../yaml-file.js';
import { DESCRIPTOR_FILE, FULL_ROLLBACK_TIER, type PacketDescriptor } from './schema.js';

type Kind = 'TIER' | 'ROLLBACK';

/** A tier packet.yml gives a file, and the key that gives it. */
interface Declared {
  tier: number;
  name: string;
  key: string;
}

interface Seen {
  line: number;
  format: string;
  /** undefined: a marker of this kind oneroof cannot read (a % for its number, a bad phase). */
  tier: number | undefined;
  phase: string;
  name: string;
}

const HINT = `make the markers and ${DESCRIPTOR_FILE} agree (a tier's markers carry its number and name), then \`oneroof manifest write\``;

/** Every tier, per-tier rollback and full rollback file of the packet at `root`, checked. */
export async function checkTierMarkers(root: string, d: PacketDescriptor): Promise<void> {
  const files = new Map<string, { kind: Kind; file: string; declared: Declared[] }>();
  const declare = (kind: Kind, file: string, declared: Declared) => {
    const at = `${kind} ${file}`;
    const entry = files.get(at) ?? { kind, file, declared: [] };
    entry.declared.push(declared);
    files.set(at, entry);
  };
  d.tiers.forEach((t, i) => {
    declare('TIER', t.file, { tier: t.tier, name: t.name, key: `tiers.${i}` });
    if (t.rollback !== undefined)
      declare('ROLLBACK', t.rollback, { tier: t.tier, name: t.name, key: `tiers.${i}` });
  });
  declare('ROLLBACK', d.entries.rollback_full, {
    tier: FULL_ROLLBACK_TIER,
    name: 'full',
    key: 'entries.rollback_full',
  });
  for (const { kind, file, declared } of files.values()) {
    const path = join(root, file);
    const seen = markersIn(await readCheckedText(path, PACKET_FILE), kind);
    checkFile(path, kind, declared, seen, d);
  }
}

function checkFile(
  path: string,
  kind: Kind,
  declared: readonly Declared[],
  seen: readonly Seen[],
  d: PacketDescriptor,
): void {
  const expected = declared.map((t) => `${kind} ${t.tier} ${t.name} (${DESCRIPTOR_FILE} ${t.key})`);
  const refused = (at: Seen | undefined, what: string) =>
    new OneroofError('config', `${path}${at ? `:${at.line}: ${show(at.format)}` : ''}: ${what}`, {
      hint: HINT,
    });
  const grammar = `ONEROOF ${kind} <nn> BEGIN|SKIP|COMMIT <name>`;
  for (const s of seen) {
    if (s.tier === undefined || s.name.includes('%'))
      throw refused(
        s,
        `expected ${grammar} with the number and name written out: ${expected.join(' or ')}`,
      );
    const mine = declared.find((t) => t.tier === s.tier);
    if (mine === undefined) {
      const other = d.tiers.find((t) => t.tier === s.tier);
      const otherFile = other && (kind === 'TIER' ? other.file : (other.rollback ?? other.file));
      const twoTiers = seen.some((o) => declared.some((t) => t.tier === o.tier));
      throw refused(
        s,
        `a marker of tier ${s.tier}, ${
          other === undefined
            ? `which ${DESCRIPTOR_FILE} does not declare`
            : `which ${DESCRIPTOR_FILE} gives ${otherFile}`
        }${
          twoTiers
            ? `, beside the markers of ${expected.join(' and ')}: ${DESCRIPTOR_FILE} gives this file ${declared.length === 1 ? 'one tier' : 'only those tiers'}`
            : `; expected ${expected.join(' or ')}`
        }`,
      );
    }
    if (s.name !== mine.name)
      throw refused(
        s,
        `tier ${mine.tier} is named ${show(mine.name)} in ${DESCRIPTOR_FILE} (${mine.key}.name), got ${show(s.name)}`,
      );
  }
  for (const t of declared)
    for (const phase of ['BEGIN', 'COMMIT'])
      if (!seen.some((s) => s.phase === phase && s.tier === t.tier))
        throw refused(
          undefined,
          `no ONEROOF ${kind} ${t.tier} ${phase} ${t.name} marker; expected one: ${DESCRIPTOR_FILE} ${t.key} gives this file to ${kind === 'TIER' ? 'tier' : 'the rollback of tier'} ${t.tier} ${t.name}`,
        );
}

/** The file's tier (or rollback) markers: the RAISE literals of its statements, with their line. */
function markersIn(text: string, kind: Kind): Seen[] {
  const pattern = kind === 'TIER' ? TIER_MARKER : ROLLBACK_MARKER;
  const seen: Seen[] = [];
  for (const { line, format } of markerLines(text)) {
    if (!format.startsWith(`ONEROOF ${kind} `)) continue;
    const m = pattern.exec(format);
    seen.push(
      m === null
        ? { line, format, tier: undefined, phase: '', name: '' }
        : {
            line,
            format,
            tier: m[1] === 'full' ? FULL_ROLLBACK_TIER : Number(m[1]),
            phase: m[2]!,
            ...nameAndNote(m[3]!),
          },
    );
  }
  return seen;
}

/**
 * Every marker format a file's own statements raise (ONEROOF …, ASSERT …), with its line: a
 * RAISE whose literal is on one line is placed on that line; one split over lines is found in
 * the whole statement and placed at its first line.
 */
export function markerLines(text: string): { line: number; format: string }[] {
  const lines = text.split('\n');
  const found: { line: number; format: string }[] = [];
  for (const statement of scanPsqlScript(text).statements) {
    const body = lines.slice(statement.start - 1, statement.end);
    const left = markerFormats(body.join('\n'));
    body.forEach((text, i) => {
      for (const format of markerFormats(text)) {
        const at = left.indexOf(format);
        if (at >= 0) left.splice(at, 1);
        found.push({ line: statement.start + i, format });
      }
    });
    found.push(...left.map((format) => ({ line: statement.start, format })));
  }
  return found;
}
