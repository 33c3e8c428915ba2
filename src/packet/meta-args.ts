/**
 * The arguments of the meta-commands the bundler must understand: the file name of an include,
 * by psql's rules, and the commands that reach beyond the stream (refused).
 */
import { BundleError, type BundleErrorDetails, type BundleErrorReason } from './bundle-error.js';
import type { MetaCommand } from './psql-lexer.js';

/**
 * The file name of an include, by psql's rules for a normal argument: unquoted text up to
 * whitespace; '…' with '' and backslash escapes; "…" kept literally, quotes included.
 */
export function parseIncludeArgument(
  command: MetaCommand,
  where: Omit<BundleErrorDetails, 'reason'>,
): string {
  // Bytes as latin1 characters: decode the name as UTF-8 at the end.
  const args = command.args.replace(/\r$/, '');
  let i = 0;
  while (i < args.length && /\s/.test(args[i]!)) i += 1;
  let name = '';
  const fail = (reason: BundleErrorReason, problem: string): never => {
    throw new BundleError({ reason, ...where }, `\\${command.name}: ${problem}`);
  };
  while (i < args.length && !/\s/.test(args[i]!)) {
    const c = args[i]!;
    if (c === "'") {
      i += 1;
      for (;;) {
        if (i >= args.length) fail('syntax', 'unterminated quoted file name');
        const q = args[i]!;
        if (q === "'" && args[i + 1] === "'") {
          name += "'";
          i += 2;
        } else if (q === "'") {
          i += 1;
          break;
        } else if (q === '\\' && i + 1 < args.length) {
          const [value, used] = unescape(args, i + 1);
          name += value;
          i += 1 + used;
        } else {
          name += q;
          i += 1;
        }
      }
    } else if (c === '"') {
      const close = args.indexOf('"', i + 1);
      if (close < 0) fail('syntax', 'unterminated quoted file name');
      name += args.slice(i, close + 1);
      i = close + 1;
    } else if (c === '`')
      fail('unsupported', 'a backquoted command in a file name runs a shell on the far side');
    else if (c === ':' && /[A-Za-z0-9_'"{]/.test(args[i + 1] ?? ''))
      fail('unsupported', 'a psql variable in a file name cannot be resolved when bundling');
    else if (c === '\\') fail('syntax', 'unexpected backslash in the file name');
    else {
      name += c;
      i += 1;
    }
  }
  if (name === '') fail('syntax', 'no file name');
  if (args.slice(i).trim() !== '')
    fail('syntax', `extra argument ${JSON.stringify(args.slice(i).trim())}`);
  return Buffer.from(name, 'latin1').toString('utf8');
}

/** A backslash escape in a single-quoted psql argument, from after the backslash. */
function unescape(args: string, at: number): [string, number] {
  const c = args[at]!;
  const simple: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };
  if (simple[c] !== undefined) return [simple[c], 1];
  const octal = /^[0-7]{1,3}/.exec(args.slice(at, at + 3))?.[0];
  if (octal !== undefined) return [String.fromCharCode(parseInt(octal, 8) & 0xff), octal.length];
  const hex = /^x([0-9A-Fa-f]{1,2})/.exec(args.slice(at, at + 3));
  if (hex !== null) return [String.fromCharCode(parseInt(hex[1]!, 16)), hex[0].length];
  return [c, 1];
}

export function checkSupported(
  command: MetaCommand,
  where: Omit<BundleErrorDetails, 'reason'>,
): void {
  const refuse = (problem: string): never => {
    throw new BundleError({ reason: 'unsupported', ...where }, `\\${command.name}: ${problem}`);
  };
  const args = command.args.trim();
  switch (command.name) {
    case 'copy':
      if (/\bprogram\b/i.test(args)) refuse('runs a program on the far side');
      if (/\bto\b/i.test(args) && !/\bto\s+p?stdout\b/i.test(args))
        refuse('writes a file on the far side, as the container user, not the read role');
      if (/\bfrom\b/i.test(args) && !/\bfrom\s+p?stdin\b/i.test(args))
        refuse(
          'reads a file on the far side, which is not part of the stream; use COPY … FROM STDIN with the data inline',
        );
      return;
    case 'cd':
      return refuse('changes the directory that \\i resolves against');
    case '!':
      return refuse('runs a shell on the far side');
    case 'lo_import':
      return refuse('reads a file on the far side, which is not part of the stream');
    case 'lo_export':
      return refuse('writes a file on the far side, as the container user, not the read role');
    case 'g':
    case 'gx':
      // \g [(options)] [FILE | |COMMAND]: options are fine, a file or a pipe is not.
      if (args.replace(/^\([^)]*\)/, '').trim() !== '')
        refuse("writes psql's output to a file or pipe on the far side, away from the run log");
      return;
    case 's':
      if (args !== '') refuse('writes the history to a file on the far side');
      return;
    case 'e':
    case 'edit':
    case 'ef':
    case 'ev':
      return refuse('starts an editor on the far side');
    case 'c':
    case 'connect':
      // With trust on the container's local socket, `\c - workflow_admin` would turn a read
      // session into a superuser one; and a new connection drops the run lock.
      return refuse(
        'connects again (as another role or database): the read role and the run lock would not hold',
      );
    case 'o':
    case 'out':
    case 'w':
    case 'write':
      if (args !== '')
        refuse("writes psql's output to a file or pipe on the far side, away from the run log");
      return;
    default:
      return;
  }
}
