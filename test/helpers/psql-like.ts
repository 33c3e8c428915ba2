/**
 * A scripted transport that answers each exec like psql would (the real chain:
 * test/integration/commands*): the engine's unit tests run whole releases on it.
 */
import { PassThrough, Readable } from 'node:stream';
import { markerFormats } from '../../src/packet/marker-sites.js';
import { scanPsqlScript } from '../../src/packet/psql-lexer.js';
import { formatMatches } from '../../src/psql/raise-format.js';
import type { Connection, ExecEnd, ExecRequest, Transport } from '../../src/transport/types.js';
import type { Target } from '../../src/inventory/load.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { join } from 'node:path';

/** The shipped packet, and a local target the scripted transport stands for. */
export const PACKET = join(PACKAGE_ROOT, 'sql');
export const target = {
  name: 'replica',
  transport: 'local',
  container: 'oneroof-replica',
  database: 'directus',
  user: 'workflow_admin',
  reader: {
    mode: 'role',
    user: 'oneroof_reader',
    timeouts: { statement: 300_000, lock: 10_000, idleInTransaction: 60_000 },
  },
} as unknown as Target;

/** Answers each exec like psql would: the scripted stderr, the sentinel echoed, an end. */
export class PsqlLikeTransport implements Transport {
  readonly kind = 'local' as const;
  connects = 0;
  readonly requests: ExecRequest[] = [];
  constructor(
    private readonly answer: (
      stdin: string,
      index: number,
    ) => { stderr: string; end: ExecEnd; stdout?: string },
  ) {}
  connect(): Promise<Connection> {
    this.connects++;
    return Promise.resolve({
      peer: { transport: 'local', host: 'docker' },
      exec: (request) => {
        const index = this.requests.push(request) - 1;
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        const done = (async () => {
          const chunks: Buffer[] = [];
          if (Buffer.isBuffer(request.stdin)) chunks.push(request.stdin);
          else for await (const c of request.stdin as Readable) chunks.push(c as Buffer);
          const input = Buffer.concat(chunks).toString();
          const nonce = /ONEROOF SENTINEL ([0-9a-f]{32})/.exec(input)?.[1] ?? '';
          const a = placeMarkers(input, this.answer(input, index));
          const sentinel =
            a.end.kind === 'exit' && a.end.code === 0 ? `ONEROOF SENTINEL ${nonce}\n` : '';
          stdout.end(`${a.stdout ?? ''}${sentinel}`);
          stderr.end(a.stderr);
          return a.end;
        })();
        return { commandLine: 'scripted', stdout, stderr, done };
      },
      close: () => Promise.resolve(),
    });
  }
}

/**
 * psql names the line that ended the statement that raised a message: a scripted marker is
 * placed on the marker statement of the stream that raises it (the parser counts a marker
 * only from there), as real psql would.
 */
function placeMarkers<A extends { stderr: string }>(input: string, answer: A): A {
  const lines = input.split('\n');
  const sites = scanPsqlScript(input).statements.map((s) => ({
    end: s.end,
    formats: markerFormats(lines.slice(s.start - 1, s.end).join('\n')),
  }));
  const stderr = answer.stderr.replace(
    /^psql:<stdin>:\d+: (NOTICE|ERROR): {2}(.*)$/gm,
    (line, severity: string, text: string) => {
      const site = sites.find((s) => s.formats.some((f) => formatMatches(f, text)));
      return site === undefined ? line : `psql:<stdin>:${site.end}: ${severity}:  ${text}`;
    },
  );
  return { ...answer, stderr };
}

export const STATE = (v: string) =>
  `ONEROOF PROBE state_vector BEGIN\n${v}\nONEROOF PROBE state_vector END\n`;
export const notice = (text: string) => `psql:<stdin>:5: NOTICE:  ${text}\n`;
export const error = (text: string) => `psql:<stdin>:9: ERROR:  ${text}\n`;
