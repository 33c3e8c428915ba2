/**
 * Docker's multiplexed attach stream (no TTY), split into stdout and stderr WITH
 * backpressure: each frame is an 8-byte header — stream type (0 stdin, 1 stdout, 2 stderr),
 * three zero bytes, payload length (uint32 big-endian) — and the payload. dockerode's
 * modem.demuxStream ignores backpressure and never ends its outputs, so this
 * Writable only calls back once the target has room again: piping the socket into it pauses
 * the socket, and the far side's process, when a reader is slow.
 */
import { Writable, type Writable as WritableType } from 'node:stream';

const HEADER = 8;

export class DockerStreamDemuxer extends Writable {
  private readonly header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private remaining = 0;
  private target: WritableType | undefined;

  constructor(
    private readonly stdout: WritableType,
    private readonly stderr: WritableType,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error) => void): void {
    this.consume(chunk, 0, callback);
  }

  override _final(callback: (e?: Error) => void): void {
    if (this.headerFill > 0 || this.remaining > 0)
      callback(
        new Error(`docker stream ended inside a frame (${this.remaining} payload bytes missing)`),
      );
    else callback();
  }

  private consume(chunk: Buffer, start: number, callback: (e?: Error) => void): void {
    let offset = start;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const n = Math.min(HEADER - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + n);
        this.headerFill += n;
        offset += n;
        if (this.headerFill < HEADER) break;
        this.headerFill = 0;
        const kind = this.header[0];
        if (this.header[1] !== 0 || this.header[2] !== 0 || this.header[3] !== 0) {
          callback(new Error('docker stream: malformed frame header'));
          return;
        }
        // Type 0 (stdin echoed) is written to stdout, as the docker CLI does.
        if (kind === 0 || kind === 1) this.target = this.stdout;
        else if (kind === 2) this.target = this.stderr;
        else {
          callback(new Error(`docker stream: unknown stream type ${String(kind)}`));
          return;
        }
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - offset);
      const target = this.target;
      const slice = chunk.subarray(offset, offset + n);
      offset += n;
      this.remaining -= n;
      if (target === undefined || target.destroyed) continue; // nobody reads it any more
      if (!target.write(slice)) {
        const resume = (): void => {
          target.off('drain', resume).off('close', resume);
          this.consume(chunk, offset, callback);
        };
        target.on('drain', resume).on('close', resume);
        return;
      }
    }
    callback();
  }
}

/**
 * A whole multiplexed buffer (a container's logs) as text, stdout and stderr interleaved as they
 * came; a last frame cut short keeps what arrived of it.
 */
export async function demuxedText(buffer: Buffer): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const demuxer = new DockerStreamDemuxer(sink, sink);
  await new Promise<void>((resolve) => {
    demuxer.on('finish', resolve);
    demuxer.on('error', () => resolve());
    demuxer.end(buffer);
  });
  return Buffer.concat(chunks).toString('utf8');
}
