/**
 * The packet's tiers, as the engine runs them (the tier state machine is src/model/tiers.ts).
 */
export const RELEASE_TIERS: readonly { tier: number; name: string }[] = [
  { tier: 10, name: 'structure' },
  { tier: 20, name: 'responsibility_axis' },
  { tier: 30, name: 'sovereign_ownership' },
  { tier: 40, name: 'containment' },
  { tier: 50, name: 'topic_finalization' },
  { tier: 60, name: 'scanner_baseline' },
];

/** Rollback tiers: per-tier 60..20, and 99 for the full rollback. */
export const ROLLBACK_TIERS: readonly number[] = [60, 50, 40, 30, 20];
