/** The replay report as text for a human (stderr): the integrity verdict first, then the run. */
import { seconds } from '../duration.js';
import { stateLegend } from '../contract/summary.js';
import { basename } from 'node:path';
import { describeSignature } from '../packet/signature.js';
import type { PacketSignatureInfo } from '../runlog/records.js';
import type { Finding, ReplayReport, StateVector, TierReport } from './report.js';
import { banner } from './banner.js';

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
}

const plain: Paint = { bold: (t) => t, dim: (t) => t };

export function renderText(report: ReplayReport, paint: Paint = plain): string {
  const out: string[] = [];
  const row = (label: string, text: string) => {
    const [first = '', ...rest] = text.split('\n');
    out.push(`${paint.bold(label.padEnd(11))}${first}`);
    for (const line of rest) out.push(`${' '.repeat(11)}${line}`);
  };
  const { run, integrity, outcome } = report;
  const top = banner(report);
  out.push(paint.bold(`${top.verdict} · ${top.outcome}`));
  row(
    'replay',
    `${report.source.log}${report.source.records ? ` + ${basename(report.source.records)}` : ' (hand-made: no records)'}`,
  );
  row('integrity', integrity.summary);
  if (integrity.verdict === 'tampered') return `${out.join('\n')}\n`;
  if (integrity.log.sha256)
    row(
      '',
      paint.dim(
        `.log ${integrity.log.bytes} bytes, sha256 ${integrity.log.sha256}; chain head ${integrity.head}`,
      ),
    );
  const when = run.startedAt
    ? `${run.startedAt}${run.endedAt ? ` → ${run.endedAt}` : ''}${run.durationMs !== null ? ` (${seconds(run.durationMs)})` : ''}`
    : 'no timing (a tee log)';
  row(
    'run',
    [
      `${run.command ?? run.kind ?? 'psql'} on ${run.target ?? 'an unnamed target'}${run.by ? ` by ${run.by.user}@${run.by.host}` : ''}, ${when}`,
      ...(run.argv.length ? [paint.dim(`argv: ${run.argv.join(' ')}`)] : []),
      ...(run.peer ? [paint.dim(`peer: ${describePeer(run.peer)}`)] : []),
      ...(run.commandLine ? [paint.dim(`remote: ${truncate(run.commandLine, 160)}`)] : []),
      ...(run.stream
        ? [
            paint.dim(
              `stream: ${run.stream.source}, ${run.stream.length} bytes, sha256 ${run.stream.sha256}`,
            ),
          ]
        : []),
      ...(run.manifest ? [paint.dim(`packet manifest sha256 ${run.manifest}`)] : []),
      ...(run.manifest ? [`packet ${describePacketSigner(run.packetSignature)}`] : []),
    ].join('\n'),
  );
  if (run.confirmation) row('confirmed', describeConfirmation(run.confirmation));
  if (run.interrupt) row('interrupt', describeInterrupt(run.interrupt));
  const gate = report.gate;
  const apr = run.apr ? `APR ${run.apr}` : 'no APR code';
  const failing = gate.checks.filter((c) => c.status === 'FAIL');
  row(
    'gate',
    [
      `${gate.verdict ?? 'no verdict'}${gate.noGo.length ? `: ${gate.noGo.join(', ')}` : ''} (${apr}${run.dryRun ? ', dry run' : ''})`,
      ...failing.map(
        (c) =>
          `FAIL ${c.check}: expected ${c.expected ?? '?'}, got ${c.observed}${c.at ? paint.dim(`  ${c.at}`) : ''}`,
      ),
    ].join('\n'),
  );
  if (report.lock)
    row(
      'lock',
      report.lock.acquired
        ? 'acquired'
        : `refused${report.lock.holder ? `: ${report.lock.holder}` : ''}`,
    );
  if (report.state.entry || report.state.exit)
    row(
      'state',
      `${vector(report.state.entry)} → ${vector(report.state.exit)}${report.run.packet ? `  ${paint.dim(stateLegend(report.run.packet.state))}` : ''}`,
    );
  if (report.steps.length > 1)
    row(
      'steps',
      report.steps
        .map(
          (s) =>
            `${s.step.padEnd(12)} ${s.source ?? ''} ${s.outcome ?? 'no end'}${s.durationMs !== undefined ? ` ${seconds(s.durationMs)}` : ''}`,
        )
        .join('\n'),
    );
  if (report.tiers.length) row('tiers', report.tiers.map((t) => tierLine(t, paint)).join('\n'));
  if (report.rollbacks.length)
    row('rollbacks', report.rollbacks.map((t) => tierLine(t, paint)).join('\n'));
  if (report.verified.length) row('verified', `${report.verified.length} checks passed`);
  if (report.assertions.length)
    row('assertions', report.assertions.map((f) => finding(f, paint)).join('\n'));
  if (report.errors.length) row('errors', report.errors.map((f) => finding(f, paint)).join('\n'));
  row(
    'outcome',
    `${outcome.outcome}${outcome.exitCode !== null ? ` (exit ${outcome.exitCode}${outcome.derived ? ', implied' : ''})` : ''}: ${outcome.summary}`,
  );
  if (report.onTarget) row('on target', report.onTarget.message);
  for (const note of report.notes) row('note', note);
  return `${out.join('\n')}\n`;
}

function tierLine(t: TierReport, paint: Paint): string {
  const duration = t.durationMs !== undefined ? seconds(t.durationMs) : '';
  return `${String(t.tier).padStart(4)} ${t.name.padEnd(24)} ${t.status.padEnd(11)} ${duration.padStart(8)}${t.at ? paint.dim(`  ${t.at}`) : ''}${t.note ? paint.dim(`  (${t.note})`) : ''}`;
}

function finding(f: Finding, paint: Paint): string {
  const head = f.kind === 'error' && f.severity ? `${f.severity}: ${f.text}` : f.text;
  return `${head.split('\n')[0]}${f.at ? paint.dim(`  at ${f.at}`) : ''}${f.detail ? `\n  ${paint.dim(`DETAIL: ${f.detail}`)}` : ''}`;
}

function describePeer(peer: NonNullable<ReplayReport['run']['peer']>): string {
  const hops = peer.jumps?.length
    ? ` via ${peer.jumps.map((j) => `${j.host}:${j.port} (${j.hostKeyFingerprint})`).join(' → ')}`
    : '';
  return `${peer.transport} ${peer.user ? `${peer.user}@` : ''}${peer.host}${peer.port ? `:${peer.port}` : ''}${peer.hostKeyFingerprint ? `, host key ${peer.hostKeyFingerprint}` : ''}${hops}`;
}

function vector(v: StateVector | null): string {
  return v === null ? '?' : v.raw;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Who signed the packet that ran, as the run recorded it (not re-checked now). */
type Run = ReplayReport['run'];

/** Who confirmed a mutating run, how and when (what they typed only when it was the target). */
export function describeConfirmation(c: NonNullable<Run['confirmation']>): string {
  const who = c.by ? ` by ${c.by.user}@${c.by.host}` : '';
  const when = c.at ? ` at ${c.at}` : '';
  if (c.via === 'not-asked') return `not asked (--yes)${who}${when}`;
  if (!c.confirmed)
    return `refused at the prompt${who}${when}: the answer was not the target's name (not recorded); nothing was run`;
  return `at the prompt${who}${when}, typing ${c.typed === undefined ? "the target's name" : `"${c.typed}"`}`;
}

/** When Ctrl-C was pressed (or the log failed), and what it stopped. */
export function describeInterrupt(i: NonNullable<Run['interrupt']>): string {
  const what = i.reason === 'interrupt' ? 'Ctrl-C' : 'the log could not be written';
  return `${what}${i.at ? ` at ${i.at}` : ''}: ${
    i.mainStarted
      ? "the server was asked to cancel the main session's running statement"
      : 'before the main session started: nothing ran'
  }`;
}

export function describePacketSigner(signature: PacketSignatureInfo | null): string {
  return signature === null
    ? 'signature not recorded (a log from before oneroof recorded it)'
    : `${describeSignature(signature)}, at run time`;
}
