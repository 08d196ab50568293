// Without a TTY, the engine multiplexes a container's stdout and stderr into frames: an 8-byte header
// (the stream in byte 0: 0 stdin, 1 stdout, 2 stderr; the payload's size, big-endian, in bytes 4-7)
// and then the payload. docker-modem's demuxStream reads these with one recursive call per frame and
// copies what is left of its buffer at each one, so a reply of some ten thousand short log lines in one
// chunk overflows the stack. This reader walks the frames in a loop and keeps only an unfinished one.

export type FrameStream = 'stdout' | 'stderr';

export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onPayload: (stream: FrameStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    while (data.length - at >= 8) {
      const size = data.readUInt32BE(at + 4);
      if (data.length - at - 8 < size) break;
      // What a process wrote to stdin (type 0) is not expected back; it is shown as output, not hidden.
      const stream: FrameStream = data[at] === 2 ? 'stderr' : 'stdout';
      this.onPayload(stream, data.subarray(at + 8, at + 8 + size));
      at += 8 + size;
    }
    this.#pending = at === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(at));
  }

  /** Bytes of a frame the stream ended in the middle of (0 when it ended cleanly). */
  get unfinished(): number {
    return this.#pending.length;
  }
}

/** Feeds every chunk of `stream` to a FrameReader that hands each payload to `onPayload`. */
export function readFrames(
  stream: NodeJS.ReadableStream,
  onPayload: (stream: FrameStream, payload: Buffer) => void,
): FrameReader {
  const reader = new FrameReader(onPayload);
  stream.on('data', (chunk: Buffer | string) => {
    reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  });
  return reader;
}
