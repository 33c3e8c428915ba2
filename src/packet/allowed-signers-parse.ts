/**
 * ssh-keygen's allowed-signers format, line by line (./allowed-signers.ts reads the file): a
 * line that is not `principals [options] keytype base64-key` is refused naming the line.
 */
export interface AllowedSigner {
  line: number;
  principals: string[];
  options: string | undefined;
  keyType: string;
}

const KEY_TYPE =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)(-cert-v01@openssh\.com)?$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Splits a line at blanks outside double quotes (`namespaces="a,b"` is one token). */
function tokens(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    if (!quoted && (char === ' ' || char === '\t')) {
      if (current !== '') out.push(current);
      current = '';
    } else current += char;
  }
  if (quoted) throw new Error('an unterminated quote');
  if (current !== '') out.push(current);
  return out;
}

/**
 * ssh-keygen's allowed-signers format (ssh-keygen(1), ALLOWED SIGNERS): per line
 * `principals [options] keytype base64-key [comment]`; blank lines and `#` comments ignored.
 * Throws naming the line and what was expected.
 */
export function parseAllowedSigners(text: string, file: string): AllowedSigner[] {
  const signers: AllowedSigner[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    let parts: string[];
    try {
      parts = tokens(line);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
    const typeAt = KEY_TYPE.test(parts[1] ?? '') ? 1 : 2;
    const keyType = parts[typeAt];
    if (keyType === undefined || !KEY_TYPE.test(keyType) || !BASE64.test(parts[typeAt + 1] ?? ''))
      throw new Error(
        `${where}: expected "principal[,principal…] [options] keytype base64-key", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    if ([...parts[0]!].some(isControl))
      throw new Error(`${where}: a principal holds a control character`);
    signers.push({
      line: index + 1,
      principals: parts[0]!.split(','),
      options: typeAt === 2 ? parts[1] : undefined,
      keyType,
    });
  });
  if (signers.length === 0) throw new Error(`${file}: names no signer (no key line)`);
  return signers;
}

export function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}
