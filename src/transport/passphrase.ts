/**
 * Asking for an encrypted key's passphrase on the terminal, as ssh does: the prompt on stderr,
 * nothing echoed, and no prompt at all without a TTY (a cron box gets a clear refusal
 * instead). The answer goes to the caller only; it is never written anywhere.
 */
import { safeText } from '../safe-text.js';
import type { AskPassphrase } from './ssh2-auth.js';

export interface TtyInput extends NodeJS.EventEmitter {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** A prompt reading from `input` in raw mode, or undefined when `input` is not a terminal. */
export function ttyPassphrasePrompt(
  input: TtyInput = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): AskPassphrase | undefined {
  const setRawMode = input.setRawMode?.bind(input);
  if (input.isTTY !== true || setRawMode === undefined) return undefined;
  return (keyPath) =>
    new Promise((resolve, reject) => {
      // Raw (no echo) before the prompt: what is typed as soon as it shows is never echoed.
      const wasRaw = input.isRaw === true;
      setRawMode(true);
      output.write(`Enter passphrase for key '${safeText(keyPath)}': `);
      input.resume();
      let typed = '';
      const finish = (error?: Error): void => {
        input.off('data', onData);
        setRawMode(wasRaw);
        input.pause();
        output.write('\n');
        if (error) reject(error);
        else resolve(typed);
      };
      const onData = (chunk: Buffer | string): void => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n') return finish();
          if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
          if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
          else typed += ch;
        }
      };
      input.on('data', onData);
    });
}

/**
 * One question on the terminal at a time (a group's members connect at once; a second key is
 * asked only when the first answer is in, a refused one included), each asked inside `around`
 * (the live view's pause: nothing is drawn over the question while it is on the screen).
 */
export function oneAtATime(
  ask: AskPassphrase,
  around: <T>(work: () => Promise<T>) => Promise<T>,
): AskPassphrase {
  let asking: Promise<unknown> = Promise.resolve();
  return (keyPath) => {
    const question = () => around(() => ask(keyPath));
    const answer = asking.then(question, question);
    asking = answer.catch(() => undefined);
    return answer;
  };
}

/** A prompt that also remembers, for this process only, what was typed for each key. */
export interface RememberingPrompt {
  (keyPath: string): Promise<string>;
  /** What the operator typed for this key in this run, if anything (never written anywhere). */
  recall(keyPath: string): string | undefined;
}

/**
 * Wraps a prompt so that the log's signing, which needs the same key, does not ask again: the
 * answer stays in this process's memory (src/ssh/sign.ts hands it to ssh-keygen alone).
 */
export function rememberAnswers(ask: AskPassphrase): RememberingPrompt {
  const answers = new Map<string, string>();
  const prompt = (async (keyPath: string) => {
    const answer = await ask(keyPath);
    answers.set(keyPath, answer);
    return answer;
  }) as RememberingPrompt;
  prompt.recall = (keyPath) => answers.get(keyPath);
  return prompt;
}
