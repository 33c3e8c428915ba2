/**
 * The small pieces every part of the replay page is built from: HTML escaping (every text from
 * a log or a database goes through it), a table row, a state vector with its legend.
 */
import type { StateVector } from './report.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const e = escapeHtml;

export function row(label: string, html: string, id?: string): string {
  return `<tr${id ? ` id="${id}"` : ''}><th>${e(label)}</th><td>${html}</td></tr>`;
}

export function vector(v: StateVector | null, legend: string | undefined): string {
  if (v === null) return 'not recorded';
  return `<code>${e(v.raw)}</code>${legend === undefined ? '' : ` <span class="note">${e(legend)}</span>`}`;
}
