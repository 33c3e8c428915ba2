/** The one remote command line, from the pure builder; a bad value is a configuration error. */
import { OneroofError } from '../errors.js';
import { buildDockerExecLine, CommandLineError } from '../remote/psql-command.js';
import type { ExecRequest } from './types.js';

/** `docker exec -i [-e NAME=VALUE…] CONTAINER ARGV…`, POSIX-quoted (src/remote/quote.ts). */
export function remoteCommandLine(request: ExecRequest): string {
  try {
    return buildDockerExecLine(request.container, request.argv, request.env ?? {});
  } catch (error) {
    if (error instanceof CommandLineError)
      throw new OneroofError('config', `cannot build the remote command: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
}
