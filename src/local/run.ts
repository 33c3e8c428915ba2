/**
 * The one way oneroof starts a local program (`ssh -G`, `ssh -v … true`, `ssh-keygen`, `tar`,
 * `debootstrap`): argv only, never a shell; stdin from bytes, a file or nothing; output kept up to
 * a bound; an optional time limit and abort signal (SIGTERM). The exit code is a result, not an
 * error: the caller says what it means. A program that cannot start (ENOENT) rejects with the
 * spawn error, whose `code` the caller turns into its own message.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

export interface LocalResult {
  /** null when a signal ended it (then `signal` says which). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The time limit ran out and the program was sent SIGTERM. */
  timedOut: boolean;
  /** An output stream went past `maxBuffer`: what is kept is cut short. */
  overflowed: boolean;
}

export interface LocalOptions {
  /** Bytes for stdin, ended after they are written. */
  input?: string | Buffer;
  /** A file for stdin (opened read-only here, closed when the program ends). */
  stdinFile?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Aborting sends the program SIGTERM. */
  signal?: AbortSignal;
  /** Bytes kept of each output stream (default 1 MiB); the rest is read and dropped. */
  maxBuffer?: number;
  /** stdout is handed to the caller as a stream (`LocalProcess.stdout`), not collected. */
  streamStdout?: boolean;
  /** Each line of stdout and stderr as it comes (collected output is unaffected). */
  onLine?: (line: string) => void;
}

export interface LocalProcess {
  stdout: Readable;
  done: Promise<LocalResult>;
}

const MAX_BUFFER = 1 << 20;

export function startLocal(
  command: string,
  args: readonly string[],
  options: LocalOptions = {},
): LocalProcess {
  const fd = options.stdinFile === undefined ? undefined : openSync(options.stdinFile, 'r');
  const stdin = fd ?? (options.input === undefined ? 'ignore' : 'pipe');
  const child = spawn(command, args, {
    stdio: [stdin, 'pipe', 'pipe'],
    env: options.env ?? process.env,
    windowsHide: true,
  });
  // stdio[1] and [2] are 'pipe': these streams exist.
  const out = child.stdout as Readable;
  const err = child.stderr as Readable;
  const max = options.maxBuffer ?? MAX_BUFFER;
  let overflowed = false;
  const collect = (stream: Readable): (() => string) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (size < max) chunks.push(chunk.subarray(0, max - size));
      size += chunk.length;
      if (size > max) overflowed = true;
    });
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const stdout = options.streamStdout === true ? () => '' : collect(out);
  const stderr = collect(err);
  if (options.onLine !== undefined) {
    const streams = options.streamStdout === true ? [err] : [out, err];
    for (const stream of streams) createInterface({ input: stream }).on('line', options.onLine);
  }
  // The program may stop reading (a bad key): its closed stdin is not our error.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.input);

  let timedOut = false;
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs);
  options.signal?.addEventListener('abort', stop, { once: true });

  let cleaned = false;
  const cleanUp = (): void => {
    if (cleaned) return;
    cleaned = true;
    if (fd !== undefined) closeSync(fd);
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  };
  const done = new Promise<LocalResult>((resolve, reject) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) {
        cleanUp(); // it never started: no 'close' to wait for
        reject(error);
      }
    });
    child.once('close', (exitCode, signal) => {
      cleanUp();
      if (spawnError !== undefined) reject(spawnError);
      else resolve({ exitCode, signal, stdout: stdout(), stderr: stderr(), timedOut, overflowed });
    });
  });
  done.catch(() => undefined); // the caller awaits it; a rejection before then is not unhandled
  return { stdout: out, done };
}

/** Runs a program to its end: its exit code and output. */
export function runLocal(
  command: string,
  args: readonly string[],
  options: Omit<LocalOptions, 'streamStdout'> = {},
): Promise<LocalResult> {
  return startLocal(command, args, options).done;
}
