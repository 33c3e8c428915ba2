/**
 * A loopback TCP proxy that forwards to a port on 127.0.0.1 and can cut the connection: after
 * exactly N bytes from client to server (the rest is never delivered), or on demand; or freeze
 * it (stop forwarding in both directions without closing anything, as a dead route does). It
 * stands between ssh2 and the testbed's sshd to prove what a lost link does to a run.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CutProxy {
  port: number;
  /** Client→server bytes forwarded on the last connection. */
  readonly forwarded: number;
  /** Cut the next connection after this many client→server bytes (undefined: never). */
  cutAfter: number | undefined;
  /** Cut every open connection now (RST both sides). */
  cutNow(): void;
  /** Stop forwarding, both ways, on every connection (open or new) until thaw(). */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startCutProxy(upstreamPort: number): Promise<CutProxy> {
  const open = new Set<Socket>();
  let forwarded = 0;
  const state = { cutAfter: undefined as number | undefined, frozen: false };
  const resume = (socket: Socket) => {
    if (!state.frozen && !socket.destroyed) socket.resume();
  };

  const kill = (...sockets: Socket[]) => {
    for (const socket of sockets) {
      open.delete(socket);
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  };

  const server: Server = createServer((client) => {
    forwarded = 0;
    const limit = state.cutAfter;
    const upstream = connect(upstreamPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    client.pause();
    upstream.once('connect', () => resume(client));
    if (state.frozen) upstream.pause();
    client.on('data', (chunk: Buffer) => {
      if (limit !== undefined && forwarded + chunk.length >= limit) {
        const head = chunk.subarray(0, limit - forwarded);
        forwarded += head.length;
        // Deliver exactly `limit` bytes, then cut both sides as a dead link would.
        upstream.write(head, () => kill(client, upstream));
        client.pause();
        return;
      }
      forwarded += chunk.length;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => resume(client));
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => resume(upstream));
      }
    });
    const end = () => kill(client, upstream);
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    get forwarded() {
      return forwarded;
    },
    get cutAfter() {
      return state.cutAfter;
    },
    set cutAfter(value) {
      state.cutAfter = value;
    },
    cutNow() {
      kill(...open);
    },
    freeze() {
      state.frozen = true;
      for (const socket of open) socket.pause();
    },
    thaw() {
      state.frozen = false;
      for (const socket of open) resume(socket);
    },
    close() {
      kill(...open);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
