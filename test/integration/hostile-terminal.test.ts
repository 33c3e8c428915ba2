/**
 * The real bin on the testbed, through ssh2 to the loopback sshd and docker exec into the
 * replica: text from the database reaches the terminal inert (a collection named with ESC[2J,
 * an OSC 8 link and a bidi override shows escaped in the preflight FAIL line, in replay's text
 * and in --play; --play --raw and --json keep it as it was); a closed stdout pipe keeps the
 * command's own exit code without a stack trace; an encrypted key's passphrase is asked once
 * for a run that opens two connections, on a terminal (a pty), and is never echoed.
 */
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { PacketBench } from '../helpers/packet.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const testbed = inject('testbed');
const ESC = '\u001b';
/** The hostile name, as SQL (E'' escapes: no raw control byte in our own source). */
const NAME_SQL = "E'evil\\033[2J\\033]8;;http://x/\\007link\\033]8;;\\007\\u202Etxt'";
const SHOWN = 'evil\\x1b[2J\\x1b]8;;http://x/\\x07link\\x1b]8;;\\x07\\u202etxt';
const RAW = `evil${ESC}[2J${ESC}]8;;http://x/\u0007link${ESC}]8;;\u0007\u202etxt`;

const INERT = new RegExp('(?![\\n\\t\\r])[\\p{Cc}\\u202a-\\u202e\\u2066-\\u2069]|\\r(?!\\n)', 'u');

/** No control but LF, TAB and CRLF; no bidi control (a RegExp from a string: no-control-regex). */
function expectInert(text: string): void {
  expect(text).not.toMatch(INERT);
}

describe('hostile terminal-text: database text on the real chain', () => {
  let bench: PacketBench;
  let logDir: string;
  let preflight: Awaited<ReturnType<typeof runCli>>;
  let log: string;
  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.install();
    await bench.reset();
    // A governed collection on no axis point: the preflight names it in a FAIL line.
    await bench.query(
      `DO $$ BEGIN EXECUTE format('CREATE TABLE public.%I (id int)', ${NAME_SQL}); END $$`,
    );
    await bench.query(`INSERT INTO public.directus_collections (collection) VALUES (${NAME_SQL})`);
    logDir = await tempDir('oneroof-hostile-text-');
    preflight = await runCli([
      '--inventory',
      testbed.inventory,
      '--log-dir',
      logDir,
      'preflight',
      '--target',
      testbed.ssh.alias,
    ]);
    log = join(
      logDir,
      readdirSync(logDir).find((f) => f.endsWith('.log'))!,
    );
  });
  afterAll(async () => {
    await bench.uninstall();
    await bench.emptyDatabase();
  });

  it('hostile terminal-text: the preflight FAIL line shows the name escaped', () => {
    expect(preflight.code, preflight.stderr).toBe(3);
    const fail = preflight.stdout.split('\n').find((l) => l.includes('FAIL') && l.includes('evil'));
    expect(fail, preflight.stdout).toContain(SHOWN);
    expectInert(preflight.stdout);
    expectInert(preflight.stderr);
  });

  it('hostile terminal-text: the log keeps the bytes as psql wrote them', async () => {
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(log, 'utf8')).toContain(RAW);
  });

  it('hostile terminal-text: replay’s text report shows it escaped', async () => {
    const r = await runCli(['replay', log]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(SHOWN);
    expectInert(r.stdout + r.stderr);
  });

  it('hostile terminal-text: replay --play shows it escaped', async () => {
    const r = await runCli(['replay', log, '--play', '--max-wait', '0.01']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(SHOWN);
    expectInert(r.stdout + r.stderr);
  });

  it('hostile terminal-text: replay --play --raw passes the bytes through, when asked', async () => {
    const r = await runCli(['replay', log, '--play', '--raw', '--max-wait', '0.01']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(RAW);
  });

  it('hostile terminal-text: replay --json stays JSON (escaped by JSON)', async () => {
    const r = await runCli(['replay', log, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(JSON.stringify(JSON.parse(r.stdout))).toContain(JSON.stringify(RAW).slice(1, -1));
  });
});

/** `CMD | head -1` in bash: the command's own exit code and its stderr. */
async function piped(args: string, env: NodeJS.ProcessEnv = {}) {
  const { stdout } = await run(
    'bash',
    [
      '-c',
      `node ${BIN} ${args} 2>"$ERR" | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "$ERR"`,
    ],
    { env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 24 },
  );
  const [code, ...stderr] = stdout.split('\n');
  return { code: Number(code), stderr: stderr.join('\n') };
}

describe('hostile closed-pipe: stdout closed by head -1', () => {
  let dir: string;
  let bigLog: string;
  beforeAll(async () => {
    dir = await tempDir('oneroof-pipe-');
    bigLog = join(dir, 'rollout_20261125T000000Z.log');
    // A hand-made log of 400 000 lines: far more than a pipe holds.
    writeFileSync(bigLog, 'NOTICE:  a line of psql output, long enough\n'.repeat(400_000));
  });

  it.each([
    ['targets', (): string => `--inventory ${testbed.inventory} targets`, 0],
    ['targets --json', (): string => `--inventory ${testbed.inventory} targets --json`, 0],
    ['replay of a long log --play', (): string => `replay ${bigLog} --play`, 0],
    ['replay --play --raw', (): string => `replay ${bigLog} --play --raw`, 0],
    ['manifest check', (): string => 'manifest check', 0],
    ['a failing command', (): string => '--inventory /dev/zero targets', 2],
  ] as const)('hostile closed-pipe: %s keeps its exit code', async (_name, args, code) => {
    const ERR = join(dir, 'stderr');
    const r = await piped(args(), { ERR });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
  });
});

const PTY = `
import os, pty, sys, select, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
passphrase = os.environ['PP'].encode() + b'\\r'
out = b''
sent = False
deadline = time.time() + 40
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b'Enter passphrase' in out:
        os.write(fd, passphrase)
        sent = True
sys.stdout.buffer.write(out)
sys.stdout.flush()
if time.time() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

describe('hostile passphrase: an encrypted key on a terminal', () => {
  let bench: PacketBench;
  beforeAll(async () => {
    bench = await PacketBench.open(testbed);
    await bench.reset();
  });
  afterAll(async () => {
    await bench.emptyDatabase();
  });

  it.each([
    ['the log signed by another key', true],
    ['the same key signing both logs (ssh-keygen is not let ask again)', false],
  ])(
    'hostile passphrase: asked once for a run of two connections, never echoed: %s',
    async (_name, otherKey) => {
      const dir = await tempDir('oneroof-pty-');
      const endpoint = `{ host: 127.0.0.1, port: ${testbed.ssh.port}, user: ${testbed.ssh.user}, identity: ${testbed.ssh.encryptedUserKey} }`;
      const target = (name: string) =>
        `  ${name}:\n    ssh: ${endpoint}\n    known_hosts: ${testbed.ssh.knownHosts}\n    container: ${testbed.container}\n    database: ${testbed.database}\n    user: ${testbed.user}\n`;
      writeFileSync(
        join(dir, 'targets.yml'),
        `targets:\n${target('one')}${target('two')}groups:\n  both: [one, two]\n`,
      );
      writeFileSync(join(dir, 'on-a-terminal.py'), PTY);
      const result = await run(
        'python3',
        [
          join(dir, 'on-a-terminal.py'),
          process.execPath,
          BIN,
          '--inventory',
          dir,
          '--log-dir',
          join(dir, 'logs'),
          'status',
          '--target',
          'both',
        ],
        {
          env: {
            ...process.env,
            NO_COLOR: '1',
            PP: testbed.ssh.passphrase,
            SSH_AUTH_SOCK: '',
            // Signing with the encrypted key itself: the passphrase typed once must serve it too.
            ...(otherKey ? { ONEROOF_SIGNING_KEY: testbed.ssh.userKey } : {}),
          },
          maxBuffer: 1 << 24,
        },
      ).catch((error: { stdout: string; stderr: string }) => error);
      const transcript = `${result.stdout}${result.stderr}`;
      // Ours ("Enter passphrase for key …") or ssh-keygen's ("Enter passphrase:"): one in all.
      expect(transcript.match(/Enter passphrase/g) ?? [], transcript).toHaveLength(1);
      expect(transcript).not.toContain(testbed.ssh.passphrase);
      expect(transcript).toMatch(/one\s+\S+\s+exit 0/);
      expect(transcript).toMatch(/two\s+\S+\s+exit 0/);
      // Both logs signed, by the key that was asked for (or the other one).
      const signatures = readdirSync(join(dir, 'logs')).filter((f) => f.endsWith('.jsonl.sig'));
      expect(signatures, transcript).toHaveLength(2);
      expect(transcript).not.toMatch(/unsigned/);
    },
  );
});
