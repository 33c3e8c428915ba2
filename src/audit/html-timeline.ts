/**
 * The replay page's Tiers section: an inline SVG timeline of the tiers and rollbacks (to scale
 * when the log has timing, in order only for a hand-made log) and the table of their outcomes.
 */
import { untimedWhy } from './timing-words.js';
import { escapeHtml as e } from './html-parts.js';
import type { ReplayReport, TierReport } from './report.js';
import { seconds } from '../duration.js';

const COLOURS: Record<string, string> = {
  ok: '#2da44e',
  skipped: '#8c959f',
  failed: '#cf222e',
  unknown: '#d4a72c',
  pending: '#ffffff',
};

export function* timelineSection(report: ReplayReport): Generator<string> {
  const rows: { label: string; tier: TierReport; kind: string }[] = [
    ...report.tiers.map((t) => ({ label: `tier ${t.tier} ${t.name}`, tier: t, kind: 'tier' })),
    ...report.rollbacks.map((t) => ({
      label: `rollback ${t.tier} ${t.name}`,
      tier: t,
      kind: 'rollback',
    })),
  ];
  yield `<h2>Tiers</h2>\n`;
  if (rows.length === 0) {
    yield `<p id="tiers-none" class="note">No tier began.</p>\n`;
    return;
  }
  const timed = rows.some((r) => r.tier.start !== undefined);
  const starts = rows.map((r) => r.tier.start).filter((t): t is number => t !== undefined);
  const ends = rows
    .map((r) => r.tier.end ?? r.tier.start)
    .filter((t): t is number => t !== undefined);
  const t0 = timed ? Math.min(...starts) : 0;
  const t1 = timed ? Math.max(...ends, t0 + 0.001) : rows.length;
  const width = 1000;
  const left = 230;
  const barWidth = width - left - 160;
  const rowHeight = 26;
  const height = rows.length * rowHeight + 30;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * barWidth;
  yield `<svg id="timeline" role="img" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">`;
  const untimed = untimedWhy(report.source.records === undefined, 'tiers');
  yield `<title>Timeline of the tiers${timed ? '' : ` (order only: ${untimed})`}</title>`;
  for (const [i, r] of rows.entries()) {
    const y = i * rowHeight + 4;
    const t = r.tier;
    let bx: number;
    let bw: number;
    if (timed && t.start !== undefined) {
      bx = x(t.start);
      bw = Math.max(3, x(t.end ?? t.start) - bx);
    } else {
      bx = left + (i / rows.length) * barWidth;
      bw = Math.max(3, barWidth / rows.length - 4);
    }
    const duration = t.durationMs !== undefined ? seconds(t.durationMs) : '';
    yield `<g class="bar" data-${r.kind}="${e(String(t.tier))}" data-outcome="${t.status}">`;
    yield `<text x="4" y="${y + 16}">${e(r.label)}</text>`;
    yield `<rect x="${bx.toFixed(1)}" y="${y + 3}" width="${bw.toFixed(1)}" height="18" rx="3" fill="${COLOURS[t.status] ?? '#000'}" stroke="#57606a"><title>${e(`${r.label}: ${t.status}${duration ? `, ${duration}` : ''}${t.at ? ` (${t.at})` : ''}`)}</title></rect>`;
    yield `<text x="${(bx + bw + 6).toFixed(1)}" y="${y + 16}">${e(`${t.status}${duration ? ` ${duration}` : ''}`)}</text></g>`;
  }
  const axisY = rows.length * rowHeight + 22;
  yield timed
    ? `<text x="${left}" y="${axisY}" fill="#6e7781">${e(`t = ${t0.toFixed(2)} s`)}</text><text x="${left + barWidth}" y="${axisY}" text-anchor="end" fill="#6e7781">${e(`${t1.toFixed(2)} s after the log opened`)}</text>`
    : `<text x="${left}" y="${axisY}" fill="#6e7781">${e(`order only: ${untimed}`)}</text>`;
  yield `</svg>\n<table id="tiers"><tr><th>tier</th><th>name</th><th>outcome</th><th>duration</th><th>at</th></tr>`;
  for (const r of rows)
    yield `<tr data-${r.kind}="${e(String(r.tier.tier))}"><td>${e(`${r.kind === 'rollback' ? 'rollback ' : ''}${r.tier.tier}`)}</td><td>${e(r.tier.name)}</td><td class="o-${r.tier.status}">${r.tier.status}</td><td>${r.tier.durationMs !== undefined ? e(seconds(r.tier.durationMs)) : ''}</td><td class="mono">${e(r.tier.at ?? '')}</td></tr>`;
  yield `</table>\n`;
}
