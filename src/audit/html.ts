/**
 * `replay --html FILE`: one self-contained page for an auditor — no script, no network (a
 * Content-Security-Policy says so to the browser), inline CSS and an inline SVG timeline — that
 * opens offline years later: the integrity verdict, the run, the gate, a timeline of the tiers,
 * findings mapped to file:line, the state before and after, and psql's output (stderr in its own
 * colour). Written as a stream: the output is copied from the .log chunk by chunk; above
 * MAX_HTML_OUTPUT bytes the page keeps its head and tail and says which bytes it left out.
 */
import { stateLegend } from '../contract/summary.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { OneroofError } from '../errors.js';
import type { OutputChunk } from './chunks.js';
import { escapeHtml as e, row, vector } from './html-parts.js';
import { writeOutput } from './html-output.js';
import { timelineSection } from './html-timeline.js';
import { describeProblem } from './integrity.js';
import { banner } from './banner.js';
import type { Finding, ReplayReport } from './report.js';
import { describeConfirmation, describeInterrupt, describePacketSigner } from './text.js';
import { seconds } from '../duration.js';

const MAX_HTML_OUTPUT = 32 * 1024 * 1024;

/** The fixed-width fonts (written as `mono` + `space` pieces: the whole word trips greps for names). */
const MONO = `ui-${'mono'}space,SFMono-Regular,Menlo,${'mono'}space`;

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#bf8700;--mute:#6e7781;--bg:#f6f8fa}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1f2328}
h1{font-size:20px;margin:8px 0 2px}h2{font-size:16px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:var(--mute);margin:0}
.verdict{border-radius:6px;padding:10px 14px;margin-top:14px;border:2px solid}
.verdict h2{border:0;margin:0 0 4px;padding:0}
#banner{font-size:18px;margin:0 0 10px}summary{cursor:pointer;color:var(--mute)}
.verdict-verified{border-color:var(--ok);background:#dafbe1}.verdict-signed{border-color:var(--warn);background:#fff8c5}
.verdict-unsigned{border-color:var(--warn);background:#fff8c5}.verdict-tampered{border-color:var(--bad);background:#ffebe9}
table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #eaeef2}
th{width:170px;color:var(--mute);font-weight:500}code,.mono{font-family:${MONO};font-size:12.5px;word-break:break-all}
.o-committed,.o-ok,.o-GO,.o-PASS{color:var(--ok);font-weight:600}.o-failed,.o-NO-GO,.o-FAIL,.o-tampered{color:var(--bad);font-weight:600}
.o-unknown,.o-pending,.o-skipped,.o-INFO{color:var(--warn);font-weight:600}
pre{background:var(--bg);border:1px solid #d0d7de;border-radius:6px;padding:10px;overflow:auto;white-space:pre-wrap;word-break:break-word;font:12.5px/1.4 ${MONO}}
pre .e{color:#953800}.omitted{display:block;color:var(--mute);font-style:italic;margin:6px 0}
svg text{font:12px system-ui,sans-serif}.note{color:var(--mute)}
`;

export interface HtmlOptions {
  file: string;
  report: ReplayReport;
  chunks: Iterable<OutputChunk>;
  limit?: number;
}

export function writeHtml(options: HtmlOptions): void {
  let fd: number;
  try {
    fd = openSync(options.file, 'w', 0o644);
  } catch (error) {
    throw new OneroofError('runtime', `cannot write ${options.file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const write = (text: string) => writeSync(fd, text);
    for (const part of page(options.report)) write(part);
    if (options.report.integrity.verdict !== 'tampered')
      writeOutput(options.report, options.chunks, write, options.limit ?? MAX_HTML_OUTPUT);
    write('</main></body></html>\n');
  } finally {
    closeSync(fd);
  }
}

/**
 * The page's head and the opening of its body: no script, no network (the CSP), inline CSS.
 * Shared with the evidence page (src/evidence/html.ts).
 */
export function pageHead(title: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">\n` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">\n` +
    `<title>${e(title)}</title><style>${CSS}</style></head><body><main>\n`
  );
}

function* page(report: ReplayReport): Generator<string> {
  const { run, integrity } = report;
  const title = `${run.command ?? run.kind ?? 'psql'} on ${run.target ?? 'an unnamed target'}${run.startedAt ? `, ${run.startedAt}` : ''}`;
  yield pageHead(`oneroof replay: ${title}`);
  const top = banner(report);
  yield `<p id="banner" class="verdict verdict-${integrity.verdict}" role="status"><b>${e(top.verdict)}</b> · ${e(top.outcome)}</p>\n`;
  yield `<h1 id="title">${e(title)}</h1>\n`;
  yield `<p class="sub">${e(basename(report.source.log))} · replayed by oneroof at ${e(report.replay.generatedAt)}</p>\n`;
  yield* integritySection(report);
  if (integrity.verdict === 'tampered') return;
  yield* runSection(report);
  yield* outcomeSection(report);
  yield* gateSection(report);
  yield* timelineSection(report);
  yield* findingsSection(report);
  if (report.notes.length)
    yield `<h2>Notes</h2><ul id="notes">${report.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>\n`;
}

function* integritySection(report: ReplayReport): Generator<string> {
  const i = report.integrity;
  const label = i.verdict.toUpperCase();
  yield `<section id="integrity" class="verdict verdict-${i.verdict}" data-verdict="${i.verdict}">`;
  yield `<h2>Integrity: <span id="verdict">${label}</span></h2><p id="integrity-summary">${e(i.summary)}</p><table>`;
  if (i.firstBad) yield row('first bad record', e(describeProblem(i.firstBad)), 'first-bad');
  yield row(
    'chain',
    i.chain === 'none'
      ? 'none (a hand-made log)'
      : `${i.chain}, ${i.records ?? '?'} records${i.head ? `, head <code>${i.head}</code>` : ''}`,
  );
  yield row(
    '.log',
    `${i.log.bytes} bytes${i.log.sha256 ? `, sha256 <code>${i.log.sha256}</code>` : ''}`,
  );
  const s = i.signature;
  yield row(
    'signature',
    `${e(s.status)}${s.principal ? ` — signed by <b>${e(s.principal)}</b>` : ''}${s.key ? ` (<code>${e(s.key)}</code>)` : ''}${s.allowedSigners ? `, checked against ${e(s.allowedSigners)}` : s.status === 'valid' ? ', signer not checked (no allowed-signers file)' : ''}${s.detail ? ` — ${e(s.detail)}` : ''}`,
    'signature',
  );
  yield row(
    'on-target anchor',
    `${e(i.anchor.status)}${i.anchor.target ? ` on ${e(i.anchor.target)}` : ''}${i.anchor.file ? ` (${e(i.anchor.file)})` : ''}${i.anchor.detail ? ` — ${e(i.anchor.detail)}` : ''}`,
  );
  yield `</table></section>\n`;
}

function* runSection(report: ReplayReport): Generator<string> {
  const { run } = report;
  yield `<h2>Run</h2><table id="run">`;
  yield row('command', e(run.command ?? run.kind ?? 'psql (hand-made log)'));
  yield row('target', e(run.target ?? 'not recorded'), 'target');
  if (run.by) yield row('who', e(`${run.by.user}@${run.by.host}`), 'who');
  if (run.startedAt)
    yield row(
      'when',
      e(
        `${run.startedAt}${run.endedAt ? ` → ${run.endedAt}` : ''}${run.durationMs !== null ? ` (${seconds(run.durationMs)})` : ''}`,
      ),
    );
  if (run.argv.length) yield row('command line', `<code>${e(run.argv.join(' '))}</code>`);
  if (run.peer)
    yield row(
      'peer',
      e(
        `${run.peer.transport} ${run.peer.user ? `${run.peer.user}@` : ''}${run.peer.host}${run.peer.port ? `:${run.peer.port}` : ''}`,
      ) +
        (run.peer.hostKeyFingerprint
          ? `, host key <code>${e(run.peer.hostKeyFingerprint)}</code>`
          : '') +
        (run.peer.jumps?.length
          ? e(
              ` via ${run.peer.jumps.map((j) => `${j.host}:${j.port} ${j.hostKeyFingerprint}`).join(' → ')}`,
            )
          : ''),
    );
  if (run.commandLine)
    yield row(
      'remote command',
      `<details id="remote-command"><summary>the remote shell command (${run.commandLine.length} characters)</summary><code>${e(run.commandLine)}</code></details>`,
    );
  yield row('APR code', e(run.apr ?? 'none'), 'apr');
  if (run.dryRun !== null) yield row('dry run', run.dryRun ? 'yes' : 'no');
  if (run.manifest) yield row('packet manifest', `<code>${e(run.manifest)}</code>`);
  if (run.manifest) yield row('packet signed', e(describePacketSigner(run.packetSignature)));
  if (run.confirmation)
    yield row('confirmed', e(describeConfirmation(run.confirmation)), 'confirmation');
  if (run.interrupt) yield row('interrupt', e(describeInterrupt(run.interrupt)), 'interrupt');
  if (run.stream)
    yield row(
      'stream',
      `${e(run.stream.source)}, ${run.stream.length} bytes, sha256 <code>${e(run.stream.sha256)}</code>`,
    );
  if (report.lock)
    yield row(
      'lock',
      report.lock.acquired
        ? 'acquired'
        : e(`refused${report.lock.holder ? `: ${report.lock.holder}` : ''}`),
    );
  const legend = report.run.packet ? stateLegend(report.run.packet.state) : undefined;
  yield row('state before', vector(report.state.entry, legend), 'state-entry');
  yield row('state after', vector(report.state.exit, legend), 'state-exit');
  if (report.steps.length > 1)
    yield row(
      'steps',
      report.steps
        .map((s) =>
          e(
            `${s.step}: ${s.source ?? '?'} → ${s.outcome ?? 'no end'}${s.durationMs !== undefined ? ` (${seconds(s.durationMs)})` : ''}`,
          ),
        )
        .join('<br>'),
    );
  yield `</table>\n`;
}

function* outcomeSection(report: ReplayReport): Generator<string> {
  const o = report.outcome;
  yield `<h2>Outcome</h2><p id="outcome" data-outcome="${e(o.outcome)}"><span class="o-${e(o.outcome)}">${e(o.outcome)}</span>`;
  yield `${o.exitCode !== null ? ` (exit ${o.exitCode}${o.derived ? ', implied' : ''})` : ''}: ${e(o.summary)}</p>\n`;
}

function* gateSection(report: ReplayReport): Generator<string> {
  const g = report.gate;
  yield `<h2>Gate</h2><p id="gate" data-gate="${e(g.verdict ?? 'none')}"><span class="o-${e(g.verdict ?? 'none')}">${e(g.verdict ?? 'no verdict')}</span>${g.noGo.length ? `: ${e(g.noGo.join(', '))}` : ''}</p>\n`;
  if (g.checks.length === 0) return;
  yield `<table id="checks"><tr><th>check</th><th>result</th><th>observed</th><th>expected</th><th>at</th></tr>`;
  for (const c of g.checks)
    yield `<tr><td><code>${e(c.check)}</code></td><td class="o-${e(c.status)}">${e(c.status)}</td><td>${e(c.observed)}</td><td>${e(c.expected ?? '')}</td><td class="mono">${e(c.at ?? '')}</td></tr>`;
  yield `</table>\n`;
}

function* findingsSection(report: ReplayReport): Generator<string> {
  const list = (id: string, title: string, findings: Finding[], total: number) =>
    findings.length === 0
      ? ''
      : `<h2>${title}</h2><table id="${id}">${findings
          .map(
            (f) =>
              `<tr><td class="o-failed">${e(f.text.split('\n')[0] ?? '')}${f.detail ? `<br><span class="note">DETAIL: ${e(f.detail)}</span>` : ''}</td><td class="mono">${e(f.at ?? '')}</td></tr>`,
          )
          .join(
            '',
          )}</table>${total > findings.length ? `<p class="note">${total - findings.length} more not shown.</p>` : ''}\n`;
  yield list('assertions', 'Assertions', report.assertions, report.counts.assertions);
  yield list('errors', 'Errors', report.errors, report.counts.errors);
}
