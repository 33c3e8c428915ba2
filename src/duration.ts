/**
 * A duration as every summary prints it, live or replayed: seconds with two decimals
 * (`0.42 s`, `12.05 s`). One format, so a run's summary and its replay read alike.
 */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
