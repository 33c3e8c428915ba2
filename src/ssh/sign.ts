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
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, lstat, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { OneroofError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { runLocal, type LocalResult } from '../local/run.js';
import { sshsigKey } from './sshsig-key.js';

/** What checking a run log's signature found (shown by replay, src/audit/report.ts). */
export interface SignatureCheck {
  status: 'valid' | 'missing' | 'invalid' | 'not-allowed' | 'error';
  file: string | null;
  /** The principal the allowed-signers file names for the key. */
  principal?: string;
  /** `ED25519 SHA256:…` of the signing key. */
  key?: string;
  allowedSigners: string | null;
  detail?: string;
}

/** The SSHSIG namespace: a signature made for something else never verifies as a run log. */
export const SIGNATURE_NAMESPACE = 'oneroof-runlog';

/** Runs ssh-keygen with stdin from a file, from bytes, or nothing; never through a shell. */
export async function sshKeygen(
  args: readonly string[],
  options: { stdinFile?: string; input?: Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<LocalResult> {
  try {
    return await runLocal('ssh-keygen', args, options);
  } catch (error) {
    throw new OneroofError('runtime', `cannot run ssh-keygen: ${(error as Error).message}`, {
      hint: 'install OpenSSH (Debian: openssh-client)',
      cause: error,
    });
  }
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
  /**
   * The key's passphrase, when the operator already typed it for this run (to reach the
   * target): ssh-keygen gets it through SSH_ASKPASS instead of asking a second time.
   */
  passphrase?: string;
}

/** ssh-keygen's askpass program while a known passphrase signs (bin/oneroof-askpass). */
const ASKPASS = join(PACKAGE_ROOT, 'bin', 'oneroof-askpass');

/**
 * The environment of an ssh-keygen that signs: with a passphrase, ssh-keygen asks the askpass
 * program (forced, not the terminal), which prints it from this child's own environment.
 */
function signingEnv(env: NodeJS.ProcessEnv, passphrase: string | undefined): NodeJS.ProcessEnv {
  if (passphrase === undefined) return env;
  return {
    ...env,
    SSH_ASKPASS: ASKPASS,
    SSH_ASKPASS_REQUIRE: 'force',
    ONEROOF_ASKPASS_PASSPHRASE: passphrase,
  };
}

export interface SignResult {
  signature: string;
  /** `ED25519 SHA256:…` */
  key: string;
}

/**
 * Signs `file` for `namespace` into `signature` (SSHSIG). ssh-keygen reads the file on stdin and
 * writes the signature on stdout — never to a name of its choosing: given a file, it writes
 * FILE.sig itself, follows a symlink planted there and, without a terminal, answers its own
 * "Overwrite?" with no and still exits 0. The signature goes to a fresh temporary name in the
 * same folder (O_EXCL: no symlink followed), then to its name by link(2) — which never follows
 * or replaces what is there — or, with `replace`, by rename(2), which replaces the name itself
 * (never what a symlink points to) and fails on a directory. Any failure is an error that says
 * the file is not signed.
 */
export async function signFile(
  file: string,
  signature: string,
  namespace: string,
  options: SignOptions & { replace?: boolean },
): Promise<SignResult> {
  const env = options.env ?? process.env;
  const signed = await sshKeygen(['-Y', 'sign', '-f', options.key, '-n', namespace], {
    stdinFile: file,
    env: signingEnv(env, options.passphrase),
  });
  if (signed.exitCode !== 0 || !signed.stdout.startsWith('-----BEGIN SSH SIGNATURE-----'))
    throw new OneroofError(
      'runtime',
      `could not sign ${file} with ${options.key}: ${lastLine(signed.stderr) || `ssh-keygen exited ${signed.exitCode}`}`,
      { hint: 'load the key into ssh-agent (ssh-add), or name an unencrypted key' },
    );
  const temporary = join(dirname(signature), `.${basename(signature)}.${randomHex()}.tmp`);
  try {
    await writeFile(temporary, signed.stdout, { flag: 'wx', mode: 0o644 });
    if (options.replace) await rename(temporary, signature);
    else await link(temporary, signature);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const what =
      code === 'EEXIST'
        ? `${signature} already exists (${await kindOf(signature)}), and was left as it is`
        : `cannot write ${signature} (${code})`;
    throw new OneroofError('runtime', `${file} is NOT signed: ${what}`, {
      hint: 'a signature file this run did not make is not overwritten: find out who made it',
      cause: error,
    });
  } finally {
    await rm(temporary, { force: true });
  }
  // The key is named from the signature just made (one ssh-keygen per signature, not two).
  return { signature, key: sshsigKey(signed.stdout) ?? '?' };
}

/**
 * Signs a closed run log's records file: writes `<records>.sig` next to it. A log is signed
 * once: whatever is already at that name (a file, a symlink, a folder) is left alone and the
 * log is reported NOT signed. Call after RunLog.close().
 */
export function signRunLog(records: string, options: SignOptions): Promise<SignResult> {
  return signFile(records, `${records}.sig`, SIGNATURE_NAMESPACE, options);
}

/** What is at a path, for a message: "a symlink to X", "a directory", "a file of N bytes". */
async function kindOf(path: string): Promise<string> {
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return `a symlink to ${JSON.stringify(await readlink(path))}`;
    if (info.isDirectory()) return 'a directory';
    if (info.isFile()) return `a file of ${info.size} bytes`;
    return 'not a regular file';
  } catch {
    return 'it vanished again';
  }
}

function randomHex(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Checks `<records>.sig`: that it is a valid signature of exactly this file, and — with an
 * allowed-signers file (ssh-keygen's format: `principal keytype base64`) — whose it is.
 */
export function verifyRunLogSignature(
  records: string,
  signature: string | undefined,
  allowedSigners: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SignatureCheck> {
  return verifySignature(
    { stdinFile: records },
    signature,
    SIGNATURE_NAMESPACE,
    allowedSigners,
    env,
  );
}

/**
 * The one check of an SSHSIG signature over some data for a namespace: valid at all
 * (check-novalidate, which names the key), then — with an allowed-signers file — the principals
 * it names for the key (find-principals), each tried with verify, which honours the file's
 * namespaces= and valid-after/valid-before. Values reach ssh-keygen as argv only.
 */
export async function verifySignature(
  data: { stdinFile: string } | { input: Buffer },
  signature: string | undefined,
  namespace: string,
  allowedSigners: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SignatureCheck> {
  const base = { file: signature ?? null, allowedSigners: allowedSigners ?? null };
  if (signature === undefined) return { status: 'missing', ...base };
  const check = await sshKeygen(['-Y', 'check-novalidate', '-n', namespace, '-s', signature], {
    ...data,
    env,
  });
  const key = keyOf(check.stdout);
  if (check.exitCode !== 0 || key === undefined)
    return {
      status: 'invalid',
      ...base,
      detail:
        lastLine(check.stderr) || lastLine(check.stdout) || `ssh-keygen exited ${check.exitCode}`,
    };
  if (allowedSigners === undefined) return { status: 'valid', ...base, key };
  const found = await sshKeygen(['-Y', 'find-principals', '-s', signature, '-f', allowedSigners], {
    env,
  });
  const principals = found.stdout.split('\n').filter((p) => p.trim() !== '');
  if (found.exitCode !== 0 || principals.length === 0)
    return {
      status: 'not-allowed',
      ...base,
      key,
      detail: withReason(`the key ${key} is not in ${allowedSigners}`, found.stderr),
    };
  let refusal = '';
  for (const principal of principals) {
    const verified = await sshKeygen(
      ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', namespace, '-s', signature],
      { ...data, env },
    );
    if (verified.exitCode === 0) return { status: 'valid', ...base, key, principal };
    refusal ||= verified.stderr;
  }
  return {
    status: 'not-allowed',
    ...base,
    key,
    detail: withReason(
      `${allowedSigners} names ${principals.join(', ')} for ${key}, but not for namespace ${namespace} now`,
      refusal,
    ),
  };
}

/** ssh-keygen's own reason (`FILE:N: key has expired …`), when it gave one. */
function withReason(text: string, stderr: string): string {
  const reason = stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /^.+:\d+: /.test(line));
  return reason ? `${text}: ${reason}` : text;
}

function keyOf(text: string): string | undefined {
  const m = / with (\S+) key (SHA256:[A-Za-z0-9+/]+)/.exec(text);
  return m ? `${m[1]} ${m[2]}` : undefined;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
