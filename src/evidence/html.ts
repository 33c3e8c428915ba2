/**
 * The evidence set as one self-contained offline page: the replay page's shell (no script, no
 * network, inline CSS; src/audit/html.ts), a table of contents, then each document as a
 * section, escaped as the Markdown is (./doc.ts).
 */
import { pageHead } from '../audit/html.js';
import { escapeHtml } from '../audit/html-parts.js';
import { renderHtmlSection, sectionId, type EvidenceDoc } from './doc.js';
import type { EvidenceInput } from './input.js';

export function renderEvidenceHtml(input: EvidenceInput, docs: EvidenceDoc[]): string {
  const e = escapeHtml;
  const title = `oneroof evidence: ${input.packet.name} ${input.packet.version} on ${input.target}`;
  const toc = docs.map((d) => `<li><a href="#${e(sectionId(d))}">${e(d.title)}</a></li>`).join('');
  return [
    pageHead(title),
    `<h1 id="title">${e(title)}</h1>\n`,
    `<p class="sub">packet manifest sha256 <code>${e(input.packet.manifestSha256)}</code> · generated ${e(input.generatedAt)}</p>\n`,
    `<nav><ol>${toc}</ol></nav>\n`,
    ...docs.map(renderHtmlSection),
    '</main></body></html>\n',
  ].join('');
}
