/**
 * One interface for the three ways to reach a PostgreSQL container: ssh2 (the default),
 * the system OpenSSH client, and the local Docker engine. The engine sees only this.
 *
 * What runs is always an argv *inside the target's container* (for psql, the staged form
 * built by src/remote/stage.ts). The ssh transports reach it with
 * `docker exec -i CONTAINER …` through the host's login shell (one POSIX-quoted line built
 * by a pure function); the local transport with dockerode's exec.
 */
import type { Readable } from 'node:stream';

export type TransportKind = 'ssh2' | 'openssh' | 'local';

/** Who is on the far side, as the log and the confirmation prompt name it. */
export interface Peer {
  transport: TransportKind;
  /** ssh: the resolved host name; local: 'docker' (the local engine). */
  host: string;
  port?: number;
  /** The ssh login user (not the database role). */
  user?: string;
  /** SHA256:… of the verified host key (ssh transports; for ProxyJump, the final hop's). */
  hostKeyFingerprint?: string;
  /** ProxyJump hops, each verified, in order. */
  jumps?: { host: string; port: number; hostKeyFingerprint: string }[];
}

export interface ExecRequest {
  container: string;
  /** The program and its arguments inside the container, never a shell string. */
  argv: readonly string[];
  /** Bytes for the program's stdin; ended when the source ends. */
  stdin?: Readable | Buffer | string;
  /** Only variables from a fixed set chosen by the runner (docker exec -e NAME=VALUE). */
  env?: Readonly<Record<string, string>>;
}

/** How a remote command ended — three cases the runner must tell apart. */
export type ExecEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: string }
  /** The channel or connection went away with no exit status: the far side may still run. */
  | { kind: 'lost'; reason: string };

export interface RunningCommand {
  /** Exactly what the far side was asked to run (the ssh command line, or the docker exec argv). */
  readonly commandLine: string;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once stdout and stderr have ended and the end is known. Never rejects. */
  readonly done: Promise<ExecEnd>;
}

export interface Connection {
  readonly peer: Peer;
  exec(request: ExecRequest): RunningCommand;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Connects (and, for ssh, verifies the host key) or throws a OneroofError saying why. */
  connect(): Promise<Connection>;
}
