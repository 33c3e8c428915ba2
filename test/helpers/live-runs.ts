/**
 * Every run of the real bin an integration test makes, with its log folder and what it said
 * (its exit code, its --json result): test/testbed/replay-equals-live.ts replays each log after
 * the test and compares replay's outcome, tier table and exit code with the live ones.
 */
export interface LiveRun {
  args: readonly string[];
  logDir: string;
  /** null: killed (no exit code to compare). */
  code: number | null;
  stdout: string;
}

const runs: LiveRun[] = [];

/** Called by the helpers that run the bin (cli.ts, spawn-cli.ts) when a run ends. */
export function registerRun(args: readonly string[], code: number | null, stdout: string): void {
  const at = args.indexOf('--log-dir');
  const logDir = at >= 0 ? args[at + 1] : undefined;
  if (logDir === undefined) return;
  runs.push({ args, logDir, code, stdout });
}

/** The runs registered since the last call. */
export function takeRuns(): LiveRun[] {
  return runs.splice(0);
}
