/**
 * The runner's order of operations, with a transport that records what was asked of it
 * (the real transports are proven in test/integration/runner.test.ts): nothing connects
 * when the input is bad or the log cannot be written, and only exit 0 plus our own sentinel
 * is a success.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import type { Target } from '../../src/inventory/load.js';
import { classify } from '../../src/runner/outcome.js';
import { runSql } from '../../src/runner/run.js';
import type { RunRequest } from '../../src/runner/session-types.js';
import { prepareStream } from '../../src/runner/stream.js';
import type { Connection, ExecEnd, ExecRequest, Transport } from '../../src/transport/types.js';
import { tempDir } from '../helpers/tmp.js';

const target = {
  name: 'replica',
  transport: 'local',
  container: 'oneroof-replica',
  database: 'directus',
  user: 'workflow_admin',
} as unknown as Target;

/** Answers every exec with the given output and end; remembers what it was asked. */
class ScriptedTransport implements Transport {
  readonly kind = 'local' as const;
  connects = 0;
  requests: ExecRequest[] = [];
  stdin: Buffer[] = [];
  constructor(
    private readonly answer: (stdin: Buffer) => { stdout: string; stderr: string; end: ExecEnd },
  ) {}
  connect(): Promise<Connection> {
    this.connects++;
    return Promise.resolve({
      peer: { transport: 'local', host: 'docker' },
      exec: (request) => {
        this.requests.push(request);
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        const done = (async () => {
          let input: Buffer;
          if (Buffer.isBuffer(request.stdin)) input = request.stdin;
          else {
            const chunks: Buffer[] = [];
            for await (const c of request.stdin as Readable) chunks.push(c as Buffer);
            input = Buffer.concat(chunks);
          }
          this.stdin.push(input);
          const a = this.answer(input);
          stdout.end(a.stdout);
          stderr.end(a.stderr);
          return a.end;
        })();
        return { commandLine: request.argv.join(' '), stdout, stderr, done };
      },
      close: () => Promise.resolve(),
    });
  }
}

const echoSentinel = (stdin: Buffer) => {
  const nonce = /ONEROOF SENTINEL ([0-9a-f]{32})/.exec(stdin.toString())?.[1] ?? '';
  return {
    stdout: `SELECT 1\nONEROOF SENTINEL ${nonce}\n`,
    stderr: '',
    end: { kind: 'exit', code: 0 } as ExecEnd,
  };
};

/** `SELECT 1;` through the scripted transport; `extra` overrides any field of the request. */
function runSelect1(transport: Transport, logDir: string, extra: Partial<RunRequest> = {}) {
  return runSql({
    kind: 'run',
    target,
    source: { kind: 'text', label: 't', text: 'SELECT 1;' },
    transport,
    logDir,
    ...extra,
  });
}

describe('runSql', () => {
  it('refuses a bad variable before opening a log or connecting (exit 2)', async () => {
    const logDir = join(await tempDir('oneroof-run-'), 'logs');
    const transport = new ScriptedTransport(echoSentinel);
    const error = await runSelect1(transport, logDir, {
      variables: { ratified_apr: 'a\nb' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as OneroofError).exitCode).toBe(2);
    expect(transport.connects).toBe(0);
    expect(() => readdirSync(logDir)).toThrow();
  });

  it('stops before connecting when the log cannot be written (exit 1)', async () => {
    const dir = await tempDir('oneroof-run-');
    writeFileSync(join(dir, 'file'), '');
    const transport = new ScriptedTransport(echoSentinel);
    const error = await runSelect1(transport, join(dir, 'file', 'logs')).catch((e: unknown) => e);
    expect((error as OneroofError).exitCode).toBe(1);
    expect((error as OneroofError).message).toMatch(/log not writable/);
    expect(transport.connects).toBe(0);
  });

  it('stages exactly the announced bytes and calls exit 0 with our sentinel a success', async () => {
    const logDir = join(await tempDir('oneroof-run-'), 'logs');
    const transport = new ScriptedTransport(echoSentinel);
    const result = await runSelect1(transport, logDir);
    expect(result.outcome).toBe('ok');
    const argv = transport.requests[0]!.argv;
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[3]).toBe('oneroof-stage');
    expect(Number(argv[4])).toBe(transport.stdin[0]!.length);
    expect(argv[6]).toBe('identity');
    expect(argv.slice(7)).toEqual([
      'psql',
      '-X',
      '-U',
      'workflow_admin',
      '-d',
      'directus',
      '-v',
      'ON_ERROR_STOP=1',
      '-f',
      '-',
    ]);
    expect(transport.stdin[0]!.toString()).toMatch(
      new RegExp(`^SELECT 1;\\n\\\\echo ONEROOF SENTINEL [0-9a-f]{32}\\n$`),
    );
  });

  it('does not call exit 0 a success without the sentinel, nor an old sentinel', async () => {
    const logDir = join(await tempDir('oneroof-run-'), 'logs');
    const transport = new ScriptedTransport(() => ({
      stdout: `ONEROOF SENTINEL ${'0'.repeat(32)}\n`,
      stderr: '',
      end: { kind: 'exit', code: 0 },
    }));
    const result = await runSelect1(transport, logDir);
    expect(result.outcome).toBe('incomplete');
  });

  it('classifies every way a run can end', () => {
    expect(classify({ kind: 'exit', code: 0 }, true)).toBe('ok');
    expect(classify({ kind: 'exit', code: 0 }, false)).toBe('incomplete');
    expect(classify({ kind: 'exit', code: 3 }, false)).toBe('sql-error');
    expect(classify({ kind: 'exit', code: 1 }, false)).toBe('psql-failed');
    expect(classify({ kind: 'exit', code: 2 }, false)).toBe('psql-failed');
    expect(classify({ kind: 'exit', code: 124 }, false)).toBe('not-run');
    expect(classify({ kind: 'exit', code: 125 }, false)).toBe('not-run');
    expect(classify({ kind: 'exit', code: 137 }, false)).toBe('failed');
    expect(classify({ kind: 'signal', signal: 'KILL' }, false)).toBe('failed');
    expect(classify({ kind: 'lost', reason: 'x' }, true)).toBe('lost');
  });

  it('maps the sentinel line past the packet, and adds a newline a file lacks', async () => {
    const prepared = await prepareStream({ kind: 'text', label: 't', text: 'SELECT 1;' });
    const text = (prepared.bytes as Buffer).toString();
    expect(text.startsWith('SELECT 1;\n\\echo ONEROOF SENTINEL ')).toBe(true);
    expect(prepared.length).toBe((prepared.bytes as Buffer).length);
  });
});
