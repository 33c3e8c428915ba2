/**
 * A private ssh-agent for a test (its own socket; stopped by its own pid), loaded with a key
 * whose passphrase is given through SSH_ASKPASS, as an operator's agent would hold it.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from './tmp.js';

export interface Agent {
  socket: string;
  env: NodeJS.ProcessEnv;
  stop(): void;
}

export async function startAgent(key: string, passphrase: string): Promise<Agent> {
  const dir = await tempDir('oneroof-agent-');
  const socket = join(dir, 'agent.sock');
  const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(50);
  if (!existsSync(socket)) throw new Error('ssh-agent did not start');
  const askpass = join(dir, 'askpass');
  await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' "$ONEROOF_TEST_PASSPHRASE"\n`);
  await chmod(askpass, 0o700);
  const env = { ...process.env, SSH_AUTH_SOCK: socket };
  execFileSync('ssh-add', [key], {
    env: {
      ...env,
      SSH_ASKPASS: askpass,
      SSH_ASKPASS_REQUIRE: 'force',
      DISPLAY: ':0',
      ONEROOF_TEST_PASSPHRASE: passphrase,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return {
    socket,
    env,
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
