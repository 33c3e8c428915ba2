/**
 * Host key verification for ssh2, which accepts any key unless told otherwise
 * (mscdex/ssh2#1421): the offered key is checked against the known_hosts files that `ssh -G`
 * (or the inventory) names, as OpenSSH's StrictHostKeyChecking=yes|accept-new would.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { KNOWN_HOSTS_FILE, readCheckedText } from '../bounded-file.js';
import { dirname } from 'node:path';
import type { HostVerifier } from 'ssh2';
import { OneroofError } from '../errors.js';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypesFor,
  loadKnownHosts,
  type KnownHostEntry,
  type KnownHostsWarning,
} from '../ssh/known-hosts.js';

export type HostKeyPolicy = 'strict' | 'accept-new';

export interface HostKeyAccepted {
  /** The name looked up, as written: `host` or `[host]:port`. */
  name: string;
  type: string;
  fingerprint: string;
  file: string;
  line: number;
}

export interface HostKeyCheck {
  /** Host name (or HostKeyAlias) and port, as known_hosts looks them up. */
  host: string;
  port: number;
  files: readonly string[];
  policy: HostKeyPolicy;
}

export interface PreparedHostKeyCheck {
  /** The `[host]:port` name, for messages. */
  name: string;
  /** Host key algorithms to offer: only the types known for this host (empty: ssh2's defaults). */
  algorithms: string[];
  verifier: HostVerifier;
  /** Why the key was refused, once the verifier refused it. */
  refusal(): OneroofError | undefined;
  /** SHA256:… of the key that was offered (and, if the connection is up, verified). */
  fingerprint(): string | undefined;
  warnings: KnownHostsWarning[];
}

/** Reads the files (fail closed: an unreadable file is an error, never "unknown host"). */
export async function prepareHostKeyCheck(
  check: HostKeyCheck,
  hooks: {
    onAccepted?: (event: HostKeyAccepted) => void;
    onNotice?: (message: string) => void;
  } = {},
): Promise<PreparedHostKeyCheck> {
  let known: { entries: KnownHostEntry[]; warnings: KnownHostsWarning[] };
  try {
    known = await loadKnownHosts([...check.files]);
  } catch (error) {
    throw new OneroofError('config', (error as Error).message, {
      cause: error,
      hint: 'fix the file permissions, or name other files with known_hosts: in the inventory',
    });
  }
  const name = knownHostsName(check.host, check.port);
  let refusal: OneroofError | undefined;
  let fingerprint: string | undefined;
  const verifier: HostVerifier = (blob, verify) => {
    fingerprint = fingerprintSha256(blob);
    const result = judge(known.entries, check, name, blob);
    if (result instanceof OneroofError) {
      refusal = result;
      verify(false);
    } else if (result === 'match') {
      verify(true);
    } else if (typeof result === 'object') {
      hooks.onNotice?.(
        `host ${name}: its key ${fingerprint} is recorded for ${result.hostField} without a port (${where(result)}); accepted, as OpenSSH does`,
      );
      verify(true);
    } else {
      recordHostKey(check, blob).then(
        (event) => {
          hooks.onAccepted?.(event);
          verify(true);
        },
        (error: unknown) => {
          refusal = new OneroofError(
            'runtime',
            `host ${name} is new (${fingerprint}) and could not be recorded in ${check.files[0]}: ${(error as Error).message}`,
            { cause: error },
          );
          verify(false);
        },
      );
    }
  };
  return {
    name,
    algorithms: knownKeyTypesFor(known.entries, check.host, check.port),
    verifier,
    refusal: () => refusal,
    fingerprint: () => fingerprint,
    warnings: known.warnings,
  };
}

function judge(
  entries: KnownHostEntry[],
  check: HostKeyCheck,
  name: string,
  blob: Buffer,
): 'match' | 'record' | KnownHostEntry | OneroofError {
  const fingerprint = fingerprintSha256(blob);
  let type: string;
  try {
    type = keyTypeOfBlob(blob);
  } catch (error) {
    return new OneroofError('runtime', `host ${name} offered a malformed host key`, {
      cause: error,
    });
  }
  const verdict = checkHostKey(entries, check.host, check.port, { type, blob });
  switch (verdict.kind) {
    case 'match':
      return 'match';
    case 'revoked':
      return new OneroofError(
        'runtime',
        `host key of ${name} is REVOKED: it offered ${type} ${fingerprint}, marked @revoked at ${where(verdict.entry)}; refusing to connect`,
        { hint: 'a revoked key means the server must not be trusted; ask its administrator' },
      );
    case 'mismatch': {
      const known = verdict.known
        .map((e) => `${e.type} ${fingerprintSha256(e.blob)} (${where(e)})`)
        .join('; ');
      return new OneroofError(
        'runtime',
        `host key of ${name} has CHANGED: the server offered ${type} ${fingerprint}, known_hosts has ${known}; refusing to connect`,
        {
          hint: 'this may be an attack (or a reinstalled server): verify the new key out of band before you change known_hosts',
        },
      );
    }
    case 'unknown': {
      // OpenSSH accepts, on another port, the very key recorded for the port-less name
      // ("found matching key w/out port"); a different key there leaves the host unknown.
      if (check.port !== 22) {
        const portless = checkHostKey(entries, check.host, 22, { type, blob });
        if (portless.kind === 'match') return portless.entry;
      }
      if (check.policy === 'accept-new' && check.files[0] !== undefined) return 'record';
      const files = check.files.length > 0 ? check.files.join(', ') : 'no known_hosts file';
      return new OneroofError(
        'runtime',
        `host ${name} is not in known_hosts (${files}); it offered ${type} ${fingerprint}; refusing to connect`,
        {
          hint:
            check.files[0] === undefined
              ? 'name a known_hosts file (UserKnownHostsFile, or known_hosts: in the inventory)'
              : `verify the fingerprint out of band, then add the key to ${check.files[0]} (ssh-keyscan, or connect once with ssh), or set host_key: accept-new for this target`,
        },
      );
    }
  }
}

/** accept-new: append the line to the first file, as OpenSSH does (creating it if needed). */
async function recordHostKey(check: HostKeyCheck, blob: Buffer): Promise<HostKeyAccepted> {
  const file = check.files[0];
  if (file === undefined) throw new Error('no known_hosts file to record the key in');
  const type = keyTypeOfBlob(blob);
  const line = formatKnownHostsLine(check.host, check.port, type, blob);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let before = '';
  try {
    before = await readCheckedText(file, KNOWN_HOSTS_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${separator}${line}\n`, { mode: 0o600 });
  const lineNo = (before + separator).split('\n').length;
  return {
    name: knownHostsName(check.host, check.port),
    type,
    fingerprint: fingerprintSha256(blob),
    file,
    line: lineNo,
  };
}

function where(entry: KnownHostEntry): string {
  return `${entry.source}:${entry.line}`;
}

/**
 * ssh2 offers only the known key types; a server that has none of them fails the handshake
 * with "no matching host key format". That is a changed host key too: say so.
 */
export function explainHandshakeFailure(
  check: PreparedHostKeyCheck,
  error: Error,
): OneroofError | undefined {
  if (check.algorithms.length === 0 || !/host key/i.test(error.message)) return undefined;
  return new OneroofError(
    'runtime',
    `host ${check.name} offers none of the host key types known_hosts has for it (${check.algorithms.join(', ')}): its host keys may have CHANGED; refusing to connect (${error.message})`,
    {
      hint: "verify the server's keys out of band (ssh-keyscan shows what it offers) before you change known_hosts",
    },
  );
}
