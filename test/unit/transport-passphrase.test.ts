/** The passphrase prompt: only on a terminal, nothing echoed, the answer to the caller only. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { oneAtATime, ttyPassphrasePrompt } from '../../src/transport/passphrase.js';

function fakeTty(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), {
    isTTY,
    isRaw: false,
    modes: [] as boolean[],
    setRawMode(mode: boolean) {
      this.isRaw = mode;
      this.modes.push(mode);
      return this;
    },
  });
  const output = new PassThrough();
  const written: string[] = [];
  output.on('data', (c: Buffer) => written.push(c.toString()));
  return { input, output, written };
}

describe('ttyPassphrasePrompt', () => {
  it('is absent without a terminal', () => {
    const { input, output } = fakeTty(false);
    expect(ttyPassphrasePrompt(input, output)).toBeUndefined();
  });

  it('reads a line in raw mode, echoes nothing, handles backspace, restores the mode', async () => {
    const { input, output, written } = fakeTty(true);
    const ask = ttyPassphrasePrompt(input, output)!;
    const answer = ask('/home/op/.ssh/id_ed25519');
    input.write('s3cretX\u007f!\r');
    await expect(answer).resolves.toBe('s3cret!');
    expect(written.join('')).toBe("Enter passphrase for key '/home/op/.ssh/id_ed25519': \n");
    expect(input.modes).toEqual([true, false]);
  });

  it('Ctrl-C cancels', async () => {
    const { input, output } = fakeTty(true);
    const answer = ttyPassphrasePrompt(input, output)!('/k');
    input.write('ab\u0003');
    await expect(answer).rejects.toThrow(/cancelled/);
  });
});

describe('oneAtATime', () => {
  it('asks one question at a time, each inside the pause, a refused one included', async () => {
    const seen: string[] = [];
    let open = 0;
    const answers = new Map<string, () => void>();
    const ask = (key: string) =>
      new Promise<string>((resolve, reject) => {
        open++;
        seen.push(`ask ${key} (${open} open)`);
        answers.set(key, () => {
          open--;
          if (key === 'b') reject(new Error('cancelled'));
          else resolve(`pw-${key}`);
        });
      });
    const around = async <T>(work: () => Promise<T>): Promise<T> => {
      seen.push('pause');
      try {
        return await work();
      } finally {
        seen.push('resume');
      }
    };
    const prompt = oneAtATime(ask, around);
    const [a, b, c] = [prompt('a'), prompt('b'), prompt('c')];
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    expect(seen).toEqual(['pause', 'ask a (1 open)']);
    answers.get('a')!();
    await expect(a).resolves.toBe('pw-a');
    await turn();
    answers.get('b')!();
    await expect(b).rejects.toThrow('cancelled');
    await turn();
    answers.get('c')!();
    await expect(c).resolves.toBe('pw-c');
    expect(seen).toEqual([
      'pause',
      'ask a (1 open)',
      'resume',
      'pause',
      'ask b (1 open)',
      'resume',
      'pause',
      'ask c (1 open)',
      'resume',
    ]);
  });
});
