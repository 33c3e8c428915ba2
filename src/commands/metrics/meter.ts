/**
 * The release commands' side of `--metrics FILE`: each target's run timed (a run that throws is
 * metered as the failed result the group would show), then one file for all of them, written
 * whether the run was GO, NO-GO or failed (not when it was a usage error that ran nothing). A file that cannot be written is an error on stderr,
 * and a run that was otherwise ok exits 1: a cron box must not go unwatched silently.
 */
import type { Ui } from '../io.js';
import { EXIT, OneroofError, type ExitCode } from '../../errors.js';
import type { Target } from '../../inventory/load.js';
import type { ReleaseCommand, ReleaseResult } from '../../engine/release.js';
import { failedResult } from '../run/fleet.js';
import type { MeteredRun } from './families.js';
import { metricsPath, writeMetrics } from './write.js';

export const METRICS_OPTION_HELP =
  'write a Prometheus textfile (node_exporter) for this run, also when it fails (docs/monitoring.md)';

export class Meter {
  private readonly runs: MeteredRun[] = [];

  private constructor(
    private readonly path: string | undefined,
    private readonly waitSeconds: number,
  ) {}

  /** --metrics checked before anything runs: a bad name is a usage error and writes nothing. */
  static open(file: string | undefined, cwd: string, wait: number | undefined): Meter {
    return new Meter(file === undefined ? undefined : metricsPath(file, cwd), wait ?? 0);
  }

  /** A lone target's run that throws: the file is written, then the error goes on. */
  async wrapFailure(ui: Ui, run: () => Promise<ReleaseResult>): Promise<ReleaseResult> {
    try {
      return await run();
    } catch (error) {
      await this.write(ui, error instanceof OneroofError ? error.exitCode : EXIT.runtime);
      throw error;
    }
  }

  /** `one`, timed and remembered; what it throws is still thrown. */
  wrap(
    command: ReleaseCommand,
    one: (target: Target) => Promise<ReleaseResult>,
  ): (target: Target) => Promise<ReleaseResult> {
    if (this.path === undefined) return one;
    return async (target) => {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await one(target);
        this.runs.push({ result, seconds: seconds() });
        return result;
      } catch (error) {
        this.runs.push({ result: failedResult(command, target.name, error), seconds: seconds() });
        throw error;
      }
    };
  }

  /** Writes the file (when --metrics was given); the exit code the command should end with. */
  async write(ui: Ui, exitCode: ExitCode): Promise<ExitCode> {
    if (this.path === undefined) return exitCode;
    // A usage or configuration error on every target (exit 2: the packet's gate refused the
    // --apr, a target's ssh config did not resolve) ran nothing: no file, the previous one
    // stays, and its oneroof_run_timestamp_seconds going stale is what an alert sees.
    if (this.runs.every((m) => m.result.exitCode === EXIT.usage)) return exitCode;
    try {
      const { warning } = await writeMetrics(this.path, this.runs, this.waitSeconds, new Date());
      if (warning !== undefined) ui.err(`oneroof: warning: ${warning}\n`);
      return exitCode;
    } catch (error) {
      ui.error((error as Error).message);
      return exitCode === EXIT.ok ? EXIT.runtime : exitCode;
    }
  }
}
