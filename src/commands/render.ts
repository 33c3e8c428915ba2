/**
 * The human report of a release command: what ran where, each check and tier, the state before
 * and after, the verdict in one line, and where the log is. Pure (result in, lines out), so the
 * golden-file tests pin it.
 */
import { seconds } from '../duration.js';
import { isAbsolute, relative } from 'node:path';
import { FULL_ROLLBACK_TIER } from '../contract/schema.js';
import { stateLegend } from '../contract/summary.js';
import type { ReleaseCommand, ReleaseResult } from '../engine/release.js';
import type { TierStep } from '../model/tiers.js';
import type { Peer } from '../transport/types.js';

export interface RenderOptions {
  cwd: string;
  bold: (s: string) => string;
  dim: (s: string) => string;
  /** What failed: a FAIL check, a failed tier, a verdict other than success (plain if absent). */
  red?: (s: string) => string;
  verbose: boolean;
}

export function describePeer(peer: Peer | undefined): string {
  if (peer === undefined) return 'not reached';
  if (peer.transport === 'local') return 'docker on this machine';
  const at = `${peer.user ? `${peer.user}@` : ''}${peer.host}${peer.port ? `:${peer.port}` : ''}`;
  const via = peer.jumps?.length ? ` via ${peer.jumps.map((j) => j.host).join(' → ')}` : '';
  return `${at}${via} (${peer.transport}${peer.hostKeyFingerprint ? `, host key ${peer.hostKeyFingerprint}` : ''})`;
}

export function tierLabel(step: TierStep): string {
  return step.tier === FULL_ROLLBACK_TIER ? 'full rollback' : `tier ${step.tier} ${step.name}`;
}

/**
 * A tier's state as the operator reads it: an apply's SKIP is the packet's `already applied`
 * (sql/README.md), so `applied`; a rollback's SKIP (`not applied`) stays `skipped`.
 */
export function tierWord(step: TierStep, command: ReleaseCommand): string {
  return step.status === 'skipped' && command === 'apply' ? 'applied' : step.status;
}

function tierLine(step: TierStep, command: ReleaseCommand): string {
  return `  ${tierLabel(step).padEnd(30)} ${tierWord(step, command).padEnd(8)} ${step.durationMs === undefined ? '' : seconds(step.durationMs)}`.trimEnd();
}

export function renderResult(result: ReleaseResult, options: RenderOptions): string[] {
  const { bold, dim } = options;
  const red = options.red ?? ((s: string) => s);
  const lines: string[] = [];
  const extra = [
    result.apr ? `APR ${result.apr}` : undefined,
    result.dryRun ? 'dry run' : undefined,
  ].filter(Boolean);
  lines.push(
    `${bold(`${result.command} on ${result.target}`)}  ${describePeer(result.peer)}${extra.length ? `  ${extra.join(', ')}` : ''}`,
  );
  if (result.readOnly)
    lines.push(
      result.readOnly.mode === 'role'
        ? `  read-only       role ${result.readOnly.user}  ${dim('(the server refuses writes)')}`
        : `  read-only       session setting only, as ${result.readOnly.user}  ${dim('(WEAKER: read_only: session)')}`,
    );
  if (result.state.entry)
    lines.push(
      `  ${result.command === 'status' ? 'state         ' : 'state at entry'}  ${result.state.entry.text}${result.packet ? `  ${dim(`(${stateLegend(result.packet.state)})`)}` : ''}`,
    );

  for (const p of result.preflight) {
    if (p.status === 'INFO' && !options.verbose) continue;
    const value =
      p.status === 'FAIL' && p.expected !== undefined
        ? `expected ${p.expected}, got ${p.observed}`
        : p.observed;
    const line = `  ${p.status.padEnd(4)} ${p.check.padEnd(20)} ${value}`;
    lines.push(p.status === 'FAIL' ? red(line) : line);
  }
  for (const step of result.tiers) {
    const line = tierLine(step, result.command);
    lines.push(step.status === 'failed' || step.status === 'unknown' ? red(line) : line);
  }
  if (result.verified.length > 0 && (options.verbose || result.command === 'verify'))
    for (const v of result.verified) lines.push(`  PASS ${v.check.padEnd(34)} ${v.observed}`);

  const probes = result.probes;
  for (const p of result.packet?.probes ?? []) {
    const found = probes.verify?.[p.name];
    if (found === undefined) continue;
    // One line: the value; many: how many, the first few, and what each is.
    const value =
      p.lines === 'one'
        ? found.join('')
        : `${found.length}${found.length ? `: ${found.slice(0, 5).join('; ')}` : ''}`;
    const note = p.note !== undefined && (p.lines === 'one' || found.length > 0);
    lines.push(`  ${p.label.padEnd(15)} ${value}${note ? `  ${dim(`(${p.note})`)}` : ''}`);
  }
  if (probes.fingerprint !== undefined) lines.push(`  fingerprint     ${probes.fingerprint}`);
  if (probes.ledger !== undefined) {
    const applied = probes.ledger.filter((r) => r.applied);
    lines.push(`  ledger          ${applied.length} of ${probes.ledger.length} tiers applied`);
    for (const row of probes.ledger)
      lines.push(
        `    tier ${String(row.tier).padEnd(3)} ${row.name.padEnd(22)} ${row.applied ? `applied (attempt ${row.attempt}, ${row.aprCode}, ${row.appliedAt})` : 'not applied'}`,
      );
  }
  if (probes.approvals !== undefined) {
    if (probes.approvals.length === 0) lines.push('  gate            no approvals recorded');
    for (const a of probes.approvals)
      lines.push(
        `  gate            ${a.aprCode} ${a.level} ${a.status}${a.opensGate ? ' (opens the gate)' : ''}`,
      );
  }
  if (probes.alive !== undefined) {
    if (probes.alive.length === 0) lines.push('  runs            none alive on the server');
    for (const s of probes.alive)
      lines.push(
        `  runs            ALIVE: ${s.applicationName || '(no name)'} (server pid ${s.pid}, ${s.state || 'state hidden'}${s.xactStart ? `, in a transaction since ${s.xactStart}` : ''}${s.holdsRunLock ? ', holds the run lock' : ''})`,
      );
  }

  if (result.lastRun) lines.push(`  last run        ${result.lastRun.message}`);

  for (const a of result.assertions)
    lines.push(`  ${a.text}${a.at ? `  ${dim(`(${a.at})`)}` : ''}`);
  // The verdict line says it already for a NO-GO and a lock refusal.
  if (
    result.assertions.length === 0 &&
    result.verdict !== 'NO-GO' &&
    result.lockHolder === undefined
  )
    for (const e of result.errors.slice(0, 3)) {
      lines.push(`  ERROR ${e.text}${e.at ? `  ${dim(`(${e.at})`)}` : ''}`);
      if (e.detail) lines.push(`    DETAIL: ${e.detail}`);
    }

  if (result.state.exit) {
    const mutating = result.command === 'apply' || result.command === 'rollback';
    const same =
      result.state.unchanged === undefined
        ? ''
        : result.state.unchanged
          ? '  unchanged'
          : mutating
            ? `  (was ${result.state.entry?.text})`
            : '  CHANGED by another session';
    lines.push(`  state at exit   ${result.state.exit.text}${same}`);
  }
  lines.push(result.exitCode === 0 ? bold(result.message) : red(bold(result.message)));
  if (result.log) lines.push(dim(`log: ${shortPath(options.cwd, result.log.output)}`));
  return lines;
}

/** Relative to the working folder when the log is under it, else absolute. */
function shortPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
