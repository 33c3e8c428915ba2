/**
 * The short flags, one table for every command (src/cli/help.ts adds them to the options the
 * commands declare): conventional letters (ansible -i, apt -y, make -n), never two meanings.
 */
export const SHORT_FLAGS: Readonly<Record<string, string>> = {
  '--target': '-t',
  '--yes': '-y',
  '--dry-run': '-n',
  '--json': '-j',
  '--out': '-o',
  '--inventory': '-i',
  '--quiet': '-q',
  '--verbose': '-v',
};
