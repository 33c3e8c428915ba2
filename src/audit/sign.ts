/**
 * The run log signed with the operator's ssh key — OpenSSH's own `ssh-keygen -Y sign` (SSHSIG),
 * so that an auditor can check it years later with nothing but OpenSSH:
 *
 *     ssh-keygen -Y verify -f allowed_signers -I <principal> -n oneroof-runlog \
 *       -s rollout_….jsonl.sig < rollout_….jsonl
 *
 * What is signed is the records file. It covers the .log through the chain: every output record
 * holds its chunk's sha256, and the end record the .log's length and sha256. The key is used
 * from ssh-agent when it holds it (give the private or the .pub path), else from the file
 * (ssh-keygen asks an encrypted key's passphrase on the terminal).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OneroofError } from '../errors.js';
import type { SignatureCheck } from './report.js';

/** The SSHSIG namespace: a signature made for something else never verifies as a run log. */
export const SIGNATURE_NAMESPACE = 'oneroof-runlog';

export interface SshKeygenResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs ssh-keygen with stdin from a file (or nothing); never through a shell. */
export function sshKeygen(
  args: readonly string[],
  options: { stdinFile?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<SshKeygenResult> {
  return new Promise((resolve, reject) => {
    const fd = options.stdinFile === undefined ? undefined : openSync(options.stdinFile, 'r');
    const child = spawn('ssh-keygen', args, {
      stdio: [fd ?? 'ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = () => {
      if (fd !== undefined) closeSync(fd);
    };
    child.once('error', (error) => {
      done();
      reject(
        new OneroofError('runtime', `cannot run ssh-keygen: ${error.message}`, {
          hint: 'install OpenSSH (Debian: openssh-client)',
          cause: error,
        }),
      );
    });
    child.once('close', (code) => {
      done();
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Which key signs: ONEROOF_SIGNING_KEY when set; else the first of the target's ssh identity
 * files (as `ssh -G` resolved them) that exists; else the operator's default keys. Undefined:
 * the log stays unsigned (say so to the operator).
 */
export function findSigningKey(
  env: NodeJS.ProcessEnv,
  identityFiles: readonly string[] = [],
  home: string = homedir(),
): string | undefined {
  if (env.ONEROOF_SIGNING_KEY) return env.ONEROOF_SIGNING_KEY;
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(home, '.ssh', name));
  return [...identityFiles, ...defaults].find(
    (file) => existsSync(file) || existsSync(`${file}.pub`),
  );
}

export interface SignOptions {
  /** The operator's key: a private key file, or its .pub when ssh-agent holds the key. */
  key: string;
  env?: NodeJS.ProcessEnv;
}

export interface SignResult {
  signature: string;
  /** `ED25519 SHA256:…` */
  key: string;
}

/**
 * Signs a closed run log's records file: writes `<records>.sig` next to it (a log is never
 * re-signed: an existing signature is an error). Call after RunLog.close().
 */
export async function signRunLog(records: string, options: SignOptions): Promise<SignResult> {
  const signature = `${records}.sig`;
  if (existsSync(signature))
    throw new OneroofError('runtime', `${signature} already exists: a run log is signed once`);
  const env = options.env ?? process.env;
  const signed = await sshKeygen(
    ['-Y', 'sign', '-f', options.key, '-n', SIGNATURE_NAMESPACE, records],
    { env },
  );
  if (signed.code !== 0 || !existsSync(signature))
    throw new OneroofError(
      'runtime',
      `could not sign ${records} with ${options.key}: ${lastLine(signed.stderr) || `ssh-keygen exited ${signed.code}`}`,
      { hint: 'load the key into ssh-agent (ssh-add), or name an unencrypted key' },
    );
  const check = await sshKeygen(
    ['-Y', 'check-novalidate', '-n', SIGNATURE_NAMESPACE, '-s', signature],
    { stdinFile: records, env },
  );
  return { signature, key: keyOf(check.stdout) ?? '?' };
}

/**
 * Checks `<records>.sig`: that it is a valid signature of exactly this file, and — with an
 * allowed-signers file (ssh-keygen's format: `principal keytype base64`) — whose it is.
 */
export async function verifyRunLogSignature(
  records: string,
  signature: string | undefined,
  allowedSigners: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SignatureCheck> {
  const base = { file: signature ?? null, allowedSigners: allowedSigners ?? null };
  if (signature === undefined) return { status: 'missing', ...base };
  const check = await sshKeygen(
    ['-Y', 'check-novalidate', '-n', SIGNATURE_NAMESPACE, '-s', signature],
    { stdinFile: records, env },
  );
  const key = keyOf(check.stdout);
  if (check.code !== 0 || key === undefined)
    return {
      status: 'invalid',
      ...base,
      detail: lastLine(check.stderr) || lastLine(check.stdout) || `ssh-keygen exited ${check.code}`,
    };
  if (allowedSigners === undefined) return { status: 'valid', ...base, key };
  const found = await sshKeygen(['-Y', 'find-principals', '-s', signature, '-f', allowedSigners], {
    env,
  });
  const principals = found.stdout.split('\n').filter((p) => p.trim() !== '');
  if (found.code !== 0 || principals.length === 0)
    return {
      status: 'not-allowed',
      ...base,
      key,
      detail: `the key ${key} is not in ${allowedSigners}`,
    };
  for (const principal of principals) {
    const verified = await sshKeygen(
      [
        '-Y',
        'verify',
        '-f',
        allowedSigners,
        '-I',
        principal,
        '-n',
        SIGNATURE_NAMESPACE,
        '-s',
        signature,
      ],
      { stdinFile: records, env },
    );
    if (verified.code === 0) return { status: 'valid', ...base, key, principal };
  }
  return {
    status: 'not-allowed',
    ...base,
    key,
    detail: `${allowedSigners} names ${principals.join(', ')} for ${key}, but not for namespace ${SIGNATURE_NAMESPACE} now`,
  };
}

function keyOf(text: string): string | undefined {
  const m = / with (\S+) key (SHA256:[A-Za-z0-9+/]+)/.exec(text);
  return m ? `${m[1]} ${m[2]}` : undefined;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
