/**
 * What a run needs of its packet's descriptor after the packet is gone: its name and version,
 * the tiers, the state vector's columns and the verify probes' labels. The engine puts it in
 * the result (--json) and in the run log's start record, so the renderers and replay name
 * things as the packet does without reading the packet (an older log without it: raw values).
 */
import { z } from 'zod';
import type { PacketDescriptor } from './schema.js';

export const packetSummarySchema = z.object({
  name: z.string(),
  version: z.string(),
  /** The gate's psql variable (the approval code travels in it). */
  gate: z.string(),
  tiers: z.array(z.object({ tier: z.number().int(), name: z.string() })),
  /** Tier numbers with a per-tier rollback, in the order a rollback would take them. */
  rollbacks: z.array(z.number().int()).default([]),
  state: z.array(z.object({ name: z.string(), label: z.string(), volatile: z.boolean() })),
  probes: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      note: z.string().optional(),
      lines: z.enum(['one', 'many']),
      alert: z.boolean(),
    }),
  ),
});
export type PacketSummary = z.infer<typeof packetSummarySchema>;

export function summarizePacket(d: PacketDescriptor): PacketSummary {
  return {
    name: d.name,
    version: d.version,
    gate: d.gate.variable,
    tiers: releaseTiers(d),
    rollbacks: rollbackTiers(d),
    state: d.state.columns.map((c) => ({ name: c.name, label: c.label, volatile: c.volatile })),
    probes: d.probes.verify.map((p) => ({
      name: p.name,
      label: p.label,
      ...(p.note === undefined ? {} : { note: p.note }),
      lines: p.lines,
      alert: p.alert,
    })),
  };
}

/** The packet's tiers, in the order the executor runs them. */
export function releaseTiers(d: PacketDescriptor): { tier: number; name: string }[] {
  return d.tiers.map((t) => ({ tier: t.tier, name: t.name }));
}

/** The tiers a per-tier rollback may name (those with a rollback file), last first. */
export function rollbackTiers(d: PacketDescriptor): number[] {
  return d.tiers
    .filter((t) => t.rollback !== undefined)
    .map((t) => t.tier)
    .reverse();
}

/** The variables oneroof passes the packet: its gate, dry-run and tier variables. */
export function packetVariables(d: PacketDescriptor): string[] {
  return [d.gate.variable, d.variables.dry_run, d.variables.tier];
}

/**
 * Which packet files own which claims (src/psql/markers.ts, MarkerClaims): the preflight entry
 * its PREFLIGHT lines and GO, the verify entry and the clone revalidation (replica.revalidate)
 * their VERIFY PASS lines.
 */
export function markerClaims(d: PacketDescriptor): { preflight: string[]; verify: string[] } {
  return {
    preflight: [d.entries.preflight],
    verify: [
      d.entries.verify,
      ...(d.replica.revalidate === undefined ? [] : [d.replica.revalidate]),
    ],
  };
}

/** The state vector's legend: its column names joined as the probe prints them. */
export function stateLegend(columns: readonly { name: string }[]): string {
  return columns.map((c) => c.name).join('|');
}
