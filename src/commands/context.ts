/** What every command handler is given; the cli builds it (src/cli/main.ts). */
import type { Io, Ui } from './io.js';
import type { Settings } from './options.js';

export interface Context {
  io: Io;
  ui: Ui;
  settings: Settings;
}

/** What a command handler gets: the resolved global settings and a Ui that honours them. */
export type ContextFactory = (command: { optsWithGlobals(): object }) => Context;
