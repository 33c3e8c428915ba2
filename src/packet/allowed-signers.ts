/**
 * A packet_signers file: ssh-keygen's allowed-signers format, read bounded and checked line by
 * line, so an unusable file is refused naming the file, the line and what was expected, before
 * ssh-keygen is given a copy of it (./signature.ts checks the packet's signature against it).
 */
import { readCheckedAsync, type FileKind } from '../bounded-file.js';
import { OneroofError } from '../errors.js';
import type { SignersPolicy } from '../inventory/load.js';
import { parseAllowedSigners, type AllowedSigner } from './allowed-signers-parse.js';

export { isControl } from './allowed-signers-parse.js';

const MAX_SIGNERS_BYTES = 1024 * 1024;

const SIGNERS_KIND: FileKind = { what: 'allowed-signers file', maxBytes: MAX_SIGNERS_BYTES };

/** Why a file could not be read, without its path (the caller names it): for a message. */
export function unreadable(path: string, error: unknown): string {
  if (error instanceof OneroofError) return error.message.replace(`${path}: `, '');
  return `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
}

/** The principals of a packet_signers file; exit 2 naming the file and the key when unusable. */
export async function readSigners(
  policy: SignersPolicy,
): Promise<{ text: Buffer; principals: string[] }> {
  const fail = (why: string): never => {
    throw new OneroofError('config', `${policy.setBy}: ${policy.file}: ${why}`, {
      hint: 'packet_signers names an allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS): "principal keytype base64-key" per line',
    });
  };
  let text: Buffer;
  try {
    text = await readCheckedAsync(policy.file, SIGNERS_KIND);
  } catch (error) {
    return fail(unreadable(policy.file, error));
  }
  let signers: AllowedSigner[] = [];
  try {
    signers = parseAllowedSigners(text.toString('utf8'), policy.file);
  } catch (error) {
    fail((error as Error).message.replace(`${policy.file}:`, 'line '));
  }
  return { text, principals: [...new Set(signers.flatMap((s) => s.principals))] };
}
