/**
 * The one quoting function for the remote command line. sshd hands the command string to the
 * user's login shell (any POSIX shell: sh, bash, dash, zsh), so every argument is wrapped in
 * single quotes, inside which no character is special; a single quote itself becomes '\''.
 * zx's quote() is not used here: it emits bash-only $'…' strings (google/zx#584).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\u0000')) throw new Error('a shell argument cannot contain a NUL byte');
  // Plain words stay readable in logs and in `ps` on the far side; they need no quoting.
  // A leading '=' is quoted: zsh expands =word to a command's path.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) && !arg.startsWith('=')) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** argv → one command line for a POSIX shell. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
