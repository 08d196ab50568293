// A container's logs as lines. Without a TTY the engine multiplexes stdout and stderr into frames
// (docker-frames.ts takes them apart); with a TTY there are no frames and everything is stdout. What is
// left here is splitting each stream's text into lines and taking the time stamp off their front.
import { StringDecoder } from 'node:string_decoder';

import type Docker from 'dockerode';

import type { LogEntry, LogOptions } from '../contract/container-types.js';
import type { DockerClients } from './docker-client.js';
import { engineError } from './docker-errors.js';
import { FrameReader, readFrames } from './docker-frames.js';
import { inspectRaw } from './docker-inspect.js';
import { destroyStream } from './docker-streams.js';

type LogStream = 'stdout' | 'stderr';

/** Text of a container's stdout and stderr, as it comes, made into one LogEntry per line. */
export class LogLines {
  readonly #partial = { stdout: '', stderr: '' };
  // A character may be cut between two chunks or frames: each stream decodes its bytes in order.
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    private readonly timestamps: boolean,
    private readonly emit: (entry: LogEntry) => void,
  ) {}

  bytes(stream: LogStream, chunk: Buffer): void {
    this.text(stream, this.#decoders[stream].write(chunk));
  }

  text(stream: LogStream, text: string): void {
    const lines = (this.#partial[stream] + text).split('\n');
    this.#partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.#line(stream, line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** The output ended: a last line without a line break is a line too. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      this.#partial[stream] += this.#decoders[stream].end();
      if (this.#partial[stream] !== '') this.#line(stream, this.#partial[stream]);
      this.#partial[stream] = '';
    }
  }

  #line(stream: LogStream, line: string): void {
    if (this.timestamps) {
      const space = line.indexOf(' ');
      if (space > 0 && /^\d{4}-\d\d-\d\dT/.test(line)) {
        this.emit({ stream, time: line.slice(0, space), text: line.slice(space + 1) });
        return;
      }
    }
    this.emit({ stream, text: line });
  }
}

/** Feeds a container's log stream into `lines`, taking the frames apart unless the container has a TTY. */
function readLogStream(stream: NodeJS.ReadableStream, tty: boolean, lines: LogLines): void {
  if (tty)
    stream.on('data', (chunk: Buffer) => {
      lines.bytes('stdout', chunk);
    });
  else
    readFrames(stream, (which, payload) => {
      lines.bytes(which, payload);
    });
}

/** What the engine is asked for, but whether it should keep the stream open. */
function logQuery(
  options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
): Omit<Docker.ContainerLogsOptions, 'follow'> {
  return {
    stdout: true,
    stderr: true,
    timestamps: options.timestamps === true,
    ...(options.tail === undefined ? {} : { tail: options.tail }),
    ...(options.since === undefined ? {} : { since: options.since }),
  };
}

/** The log lines a container has written so far. */
export async function containerLogs(
  docker: DockerClients,
  ref: string,
  options: LogOptions = {},
): Promise<LogEntry[]> {
  const raw = await inspectRaw(docker, ref);
  const entries: LogEntry[] = [];
  const lines = new LogLines(options.timestamps === true, (entry) => entries.push(entry));
  try {
    const output: unknown = await docker.slow
      .getContainer(raw.Id)
      .logs({ follow: false, ...logQuery(options) });
    // Without `follow` dockerode hands over the whole reply at once.
    const bytes = Buffer.isBuffer(output)
      ? output
      : typeof output === 'string'
        ? Buffer.from(output, 'utf8')
        : undefined;
    if (bytes !== undefined) {
      if (raw.Config?.Tty === true) lines.bytes('stdout', bytes);
      else
        new FrameReader((which, payload) => {
          lines.bytes(which, payload);
        }).push(bytes);
    }
    lines.end();
    return entries;
  } catch (err) {
    throw engineError(docker.engine, `read the logs of container ${ref}`, err);
  }
}

/** Hands each new log line of a container to `onEntry` until it stops, the stream fails or `signal` aborts. */
export async function followLogs(
  docker: DockerClients,
  ref: string,
  options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
  onEntry: (entry: LogEntry) => void,
  signal: AbortSignal,
): Promise<void> {
  const raw = await inspectRaw(docker, ref);
  const lines = new LogLines(options.timestamps === true, onEntry);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.slow.getContainer(raw.Id).logs({ follow: true, ...logQuery(options) });
  } catch (err) {
    throw engineError(docker.engine, `follow the logs of container ${ref}`, err);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      destroyStream(stream);
      resolve();
    };
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    readLogStream(stream, raw.Config?.Tty === true, lines);
    stream.on('end', () => {
      lines.end();
      signal.removeEventListener('abort', stop);
      resolve();
    });
    stream.on('error', () => {
      signal.removeEventListener('abort', stop);
      resolve();
    });
  });
}
