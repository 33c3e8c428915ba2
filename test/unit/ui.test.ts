import { describe, expect, it } from 'vitest';
import { captureUi as ui } from '../helpers/capture-ui.js';

describe('Ui', () => {
  it('on a TTY, progress rewrites one line and is cleared before the next message', () => {
    const { ui: u, out } = ui(true, { NO_COLOR: '1' });
    u.progress('Retrieving libc6');
    u.progress('Retrieving perl');
    u.info('done');
    expect(out.stderr).toBe('\r\u001b[KRetrieving libc6\r\u001b[KRetrieving perl\r\u001b[Kdone\n');
    expect(out.stdout).toBe('');
  });

  it('without a TTY, one line per phase, no escape codes', () => {
    const { ui: u, out } = ui(false);
    for (const line of [
      'Retrieving a',
      'Validating a',
      'Retrieving b',
      'Validating b',
      'Unpacking a',
    ])
      u.progress(line);
    expect(out.stderr).toBe('Retrieving a\nValidating a\nUnpacking a\n');
  });

  it('colour only on a TTY and never with NO_COLOR', () => {
    expect(ui(true).ui.color).toBe(true);
    expect(ui(true, { NO_COLOR: '1' }).ui.color).toBe(false);
    expect(ui(false).ui.color).toBe(false);
  });

  it('--quiet silences human text but never the JSON document', () => {
    const { ui: u, out } = ui(false, {}, true);
    u.info('hello');
    u.progress('Retrieving x');
    u.json({ schema: 'oneroof/x/1' });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ schema: 'oneroof/x/1' });
  });
});
