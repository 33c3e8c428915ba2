/**
 * Strict patterns for every value that will one day stand in a remote command line.
 * They are checked when the inventory is read, so a hostile value never reaches a shell;
 * the command builder quotes everything anyway (defence in depth, not either/or).
 * No pattern admits a leading '-', whitespace, quotes or shell metacharacters.
 */
import { isIP } from 'node:net';

/** How a target is reached (the inventory's `transport:`, the global --transport). */
export const TRANSPORTS = ['ssh2', 'openssh', 'local'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export interface IdentifierRule {
  readonly pattern: RegExp;
  /** What was expected, for the error message. */
  readonly expected: string;
}

export const TARGET_NAME: IdentifierRule = {
  pattern: /^[a-z][a-z0-9_-]{0,62}$/,
  expected: 'a target name: lower-case letters, digits, _ and -, starting with a letter',
};

export const CONTAINER_NAME: IdentifierRule = {
  // Docker's own rule for container names, capped in length.
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
  expected: 'a container name: letters, digits, _ . -, starting with a letter or digit',
};

export const PG_IDENTIFIER: IdentifierRule = {
  // An unquoted PostgreSQL identifier within NAMEDATALEN (63 bytes).
  pattern: /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
  expected:
    'a PostgreSQL identifier: letters, digits and _, starting with a letter or _, at most 63',
};

/**
 * An approval (APR) code as the operator types it: the gate's key. Strict on purpose: it is
 * passed to psql as a variable and read as :'<gate variable>' (a quoted literal; packet.yml `gate`), and it is
 * written into logs and ledgers, where it must stay one plain token.
 */
export const APR_CODE: IdentifierRule = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/,
  expected: 'an APR code: letters, digits, . _ : / -, starting with a letter or digit, at most 64',
};

export const SSH_ALIAS: IdentifierRule = {
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/,
  expected: 'an ssh_config host alias: letters, digits, _ . -, starting with a letter, digit or _',
};

export const SSH_USER: IdentifierRule = {
  pattern: /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/,
  expected: 'a login name: letters, digits, _ . -, starting with a letter or _',
};

export const IMAGE_REFERENCE: IdentifierRule = {
  pattern:
    /^[a-z0-9][a-z0-9._/-]{0,254}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
  expected: 'an image reference such as postgres:15 or registry.example/pg:15',
};

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isHostname(value: string): boolean {
  return HOSTNAME.test(value) || isIP(value) !== 0;
}

export const HOST_EXPECTED = 'a DNS host name or an IP address';

/** A file path from the inventory: no control characters, no leading '-'. */
export function isSafePath(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= 4096 &&
    !value.startsWith('-') &&
    !hasControlCharacter(value)
  );
}

/** C0 controls and DEL: a newline or NUL in a value would change what a shell or psql reads. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export const PATH_EXPECTED = 'a file path without control characters, not starting with -';
