/** A Ui whose stdout and stderr are captured as strings (unit tests of the writers). */
import { Ui, type Io } from '../../src/commands/io.js';

export function captureUi(isTTY: boolean, env: NodeJS.ProcessEnv = {}, quiet = false) {
  const out = { stdout: '', stderr: '' };
  const io: Io = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t), isTTY },
    env,
    cwd: '/',
  };
  return { ui: new Ui(io, { quiet, verbose: false }), out };
}
