/**
 * The passphrase prompt of an encrypted key (ssh2 transport) under a real pseudo-terminal,
 * through the real bin/oneroof on the testbed (loopback sshd, docker exec, psql): the live view
 * is running when the key is asked for, and it must not draw over the question — nothing
 * reaches the terminal between the prompt and the line end the answer gives it — nor may the
 * passphrase be echoed or written anywhere; the view resumes after, and the run goes on.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PacketBench } from '../helpers/packet.js';
import { onPty } from '../helpers/pty.js';
import { screen } from '../helpers/screen.js';
import { tempDir } from '../helpers/tmp.js';

const testbed = inject('testbed');
const ALIAS = 'locked-key';
const PROMPT = /Enter passphrase for key '([^']+)': /;

describe('an encrypted key asked for while the live view runs', () => {
  let bench: PacketBench;
  let dir: string;
  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.install();
    dir = await tempDir('oneroof-tty-passphrase-');
    const sshConfig = join(dir, 'ssh_config');
    await writeFile(
      sshConfig,
      [
        `Host ${ALIAS}`,
        '  HostName 127.0.0.1',
        `  Port ${testbed.ssh.port}`,
        `  User ${testbed.ssh.user}`,
        `  IdentityFile ${testbed.ssh.encryptedUserKey}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        `  UserKnownHostsFile ${testbed.ssh.knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'targets.yml'),
      `targets:\n  ${ALIAS}:\n    ssh: ${ALIAS}\n    ssh_config: ${sshConfig}\n    transport: ssh2\n    container: ${testbed.container}\n    database: directus\n    user: workflow_admin\n`,
    );
  });
  afterAll(async () => {
    await bench.uninstall();
    await bench.emptyDatabase();
  });

  it('the view pauses for the prompt, nothing is echoed, and it resumes after', async () => {
    await bench.reset();
    const logDir = join(dir, 'logs');
    const run = await onPty(
      ['--inventory', dir, '--log-dir', logDir, 'preflight', '--target', ALIAS],
      { SSH_AUTH_SOCK: '' },
      { when: new RegExp(`${PROMPT.source}$`), text: testbed.ssh.passphrase },
    );
    const shown = screen(run.transcript);
    expect(run.code, shown).toBe(3);
    const prompt = PROMPT.exec(run.transcript);
    expect(prompt, run.transcript).not.toBeNull();
    expect(prompt![1]).toBe(testbed.ssh.encryptedUserKey);
    // The view was live before the question (the connect row) …
    const before = run.transcript.slice(0, prompt!.index);
    expect(before).toContain('  connect ');
    // … erased for it (none of its rows on the screen under the question), and nothing at all
    // written over the question until the answer's line end.
    expect(screen(before)).not.toMatch(/^ {2}(resolve|connect) /m);
    const after = run.transcript.slice(prompt!.index + prompt![0].length);
    expect(after.startsWith('\r\n'), JSON.stringify(after.slice(0, 200))).toBe(true);
    // The view resumed below the question, and the run went on to its verdict.
    expect(after).toContain('  connect ');
    expect(after).toContain('  NO-GO ');
    expect(shown).toContain(prompt![0]);
    // Never echoed, never logged.
    expect(run.transcript).not.toContain(testbed.ssh.passphrase);
    const files = (await readdir(logDir, { recursive: true, withFileTypes: true })).filter((f) =>
      f.isFile(),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(await readFile(join(f.parentPath, f.name), 'utf8')).not.toContain(
        testbed.ssh.passphrase,
      );
  });
});
