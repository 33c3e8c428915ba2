/**
 * One evidence document as data — a title, paragraphs, tables, lists, each text plain — and its
 * two renderings: Markdown (one file per document) and a section of the one HTML page. Every
 * text may come from a database or a log, so both renderers make it inert: control and
 * invisible characters shown as escapes (safeText), Markdown's own punctuation backslashed,
 * HTML escaped. Nothing is ever written raw.
 */
import { escapeHtml } from '../audit/html-parts.js';
import { safeText } from '../safe-text.js';

export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'h'; text: string };

export interface EvidenceDoc {
  /** `01-state-baselines.md` … */
  file: string;
  title: string;
  blocks: Block[];
}

/** One line of text: safeText'd, line breaks shown as spaces (a cell, a list item). */
function line(text: string): string {
  return safeText(text.replace(/\r?\n/g, ' '));
}

/**
 * Markdown text that renders as itself: every mark Markdown (and GitHub's autolinks) reads is
 * backslash-escaped or made an entity, and a line cannot start a list, a heading or a quote.
 */
function markdownText(text: string): string {
  return line(text)
    .replace(/[\\`*_{}[\]()#+!|~<>&@]|:(?=\/\/)|(?<=www)\./gi, (c) =>
      c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`,
    )
    .replace(/^(\s*)(\d+)([.)])/, '$1$2\\$3')
    .replace(/^(\s*)([-=])/, '$1\\$2');
}

export function renderMarkdown(doc: EvidenceDoc): string {
  const out: string[] = [`# ${markdownText(doc.title)}`, ''];
  for (const b of doc.blocks) {
    switch (b.kind) {
      case 'h':
        out.push(`## ${markdownText(b.text)}`, '');
        break;
      case 'p':
        out.push(markdownText(b.text), '');
        break;
      case 'list':
        for (const item of b.items) out.push(`- ${markdownText(item)}`);
        out.push('');
        break;
      case 'table':
        out.push(`| ${b.head.map(markdownText).join(' | ')} |`);
        out.push(`|${b.head.map(() => '---|').join('')}`);
        for (const r of b.rows) out.push(`| ${r.map(markdownText).join(' | ')} |`);
        out.push('');
        break;
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const h = (text: string) => escapeHtml(line(text));
/** A digest in a cell is set in code, which may break anywhere (it has no spaces to break at). */
const cell = (text: string) => (/^[0-9a-f]{32,}$/.test(text) ? `<code>${h(text)}</code>` : h(text));

/** The id of the document's section on the page (`doc-01-state-baselines`). */
export function sectionId(doc: EvidenceDoc): string {
  return `doc-${doc.file.replace(/\.md$/, '')}`;
}

/** The document as one `<section>` of the HTML page. */
export function renderHtmlSection(doc: EvidenceDoc): string {
  const id = sectionId(doc);
  const out: string[] = [`<section id="${h(id)}"><h2>${h(doc.title)}</h2>`];
  for (const b of doc.blocks) {
    switch (b.kind) {
      case 'h':
        out.push(`<h3>${h(b.text)}</h3>`);
        break;
      case 'p':
        out.push(`<p>${h(b.text)}</p>`);
        break;
      case 'list':
        out.push(`<ul>${b.items.map((i) => `<li>${h(i)}</li>`).join('')}</ul>`);
        break;
      case 'table':
        out.push(
          `<table><tr>${b.head.map((c) => `<th>${h(c)}</th>`).join('')}</tr>${b.rows
            .map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`)
            .join('')}</table>`,
        );
        break;
    }
  }
  out.push('</section>');
  return `${out.join('\n')}\n`;
}
