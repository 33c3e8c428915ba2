/**
 * The database objects a packet file's own statements touch, for document 02: what each
 * statement creates, replaces, alters, drops, comments on, grants on or writes rows into, with
 * its line. Read from the statements the packet's lexer finds (src/packet/psql-lexer.ts), with
 * comments and quoted literals blanked first, so that a comment or a COMMENT's text is never
 * taken for a statement; a PL/pgSQL body (dollar-quoted) is code and is read. It reads, it does
 * not parse SQL: a statement it has no pattern for is simply not listed.
 */
import { scanPsqlScript } from '../packet/psql-lexer.js';

export interface ObjectUse {
  /** created, replaced, altered, dropped, commented, granted, rows inserted/updated/deleted. */
  action: string;
  /** schema, table, view, function, index, …; `rows of` for the writes. */
  kind: string;
  /** As written (schema-qualified when the file qualifies it), lower case. */
  name: string;
  line: number;
}

const KIND = String.raw`(SCHEMA|TABLE|MATERIALIZED\s+VIEW|VIEW|FUNCTION|PROCEDURE|INDEX|TRIGGER|TYPE|SEQUENCE|ROLE|POLICY|DOMAIN|EXTENSION)`;
const NAME = String.raw`("[^"]+"|[A-Za-z_][\w$]*)(?:\.("[^"]+"|[A-Za-z_][\w$]*))?`;
const PATTERNS: {
  re: RegExp;
  action: (m: RegExpExecArray) => string;
  kind: (m: RegExpExecArray) => string;
}[] = [
  {
    re: new RegExp(
      String.raw`\bCREATE\s+(OR\s+REPLACE\s+)?(?:UNIQUE\s+)?${KIND}\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`,
      'gi',
    ),
    action: (m) => (m[1] ? 'created or replaced' : 'created'),
    kind: (m) => m[2]!,
  },
  {
    re: new RegExp(
      String.raw`\b(ALTER|DROP)\s+${KIND}\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}`,
      'gi',
    ),
    action: (m) => (m[1]!.toUpperCase() === 'ALTER' ? 'altered' : 'dropped'),
    kind: (m) => m[2]!,
  },
  {
    re: new RegExp(String.raw`\bCOMMENT\s+ON\s+${KIND}\s+${NAME}`, 'gi'),
    action: () => 'commented',
    kind: (m) => m[1]!,
  },
  {
    re: new RegExp(String.raw`\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE(?:\s+ONLY)?)\s+${NAME}`, 'gi'),
    action: (m) => {
      const verb = m[1]!.toUpperCase();
      return verb.startsWith('INSERT')
        ? 'rows inserted'
        : verb.startsWith('DELETE')
          ? 'rows deleted'
          : 'rows updated';
    },
    kind: () => 'table',
  },
];

/** Comments and '…' literals blanked (line breaks kept, so lines still count). */
function blank(text: string): string {
  return text.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'/g, (s) => s.replace(/[^\n]/g, ' '));
}

const unquote = (part: string | undefined) =>
  part === undefined ? undefined : part.startsWith('"') ? part.slice(1, -1) : part.toLowerCase();

/** UPDATE … SET: `UPDATE x SET` only, not an `ON CONFLICT … DO UPDATE SET`. */
function isStatementUpdate(text: string, index: number): boolean {
  return !/\bDO\s*$/i.test(text.slice(Math.max(0, index - 8), index));
}

export function objectUses(text: string): ObjectUse[] {
  const lines = text.split('\n');
  const out: ObjectUse[] = [];
  for (const statement of scanPsqlScript(text).statements) {
    const body = blank(lines.slice(statement.start - 1, statement.end).join('\n'));
    for (const p of PATTERNS) {
      p.re.lastIndex = 0;
      for (let m = p.re.exec(body); m !== null; m = p.re.exec(body)) {
        const action = p.action(m);
        if (action === 'rows updated' && !isStatementUpdate(body, m.index)) continue;
        const parts = m
          .slice(-2)
          .map(unquote)
          .filter((s) => s !== undefined);
        out.push({
          action,
          kind: p.kind(m).toLowerCase().replace(/\s+/g, ' '),
          name: parts.join('.'),
          line: statement.start + body.slice(0, m.index).split('\n').length - 1,
        });
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}
