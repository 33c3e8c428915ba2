/**
 * Ctrl-C during a run: the first one asks the server to cancel the running statement (as
 * psql's Ctrl-C does), through the signal the engine is given; a second one exits at once.
 */
import type { Ui } from '../io.js';

/** Runs `work` with SIGINT turned into its abort signal, from the start to the end of it. */
export async function withInterrupt<T>(
  ui: Ui,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // Caught from the start: a Ctrl-C before the main session exists stops it from starting.
  // Once: the handler is gone after the first Ctrl-C, so the second one ends the process.
  const interrupt = new AbortController();
  const onInterrupt = (): void => {
    ui.info(
      'interrupted: asking the server to cancel the running statement (Ctrl-C again to leave at once)',
    );
    interrupt.abort();
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await work(interrupt.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
