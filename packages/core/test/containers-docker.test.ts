import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { DockerEngine, forEachJsonLine } from '../src/containers/docker-engine.js';
import { parseEngineAddress } from '../src/containers/engines.js';
import type { LogEntry } from '../src/contract/container-types.js';
import { NovaError } from '../src/contract/errors.js';

/** One frame of the engine's multiplexed output: kind 1 is stdout, 2 is stderr. */
function frame(kind: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('DockerEngine against a Docker-API stand-in', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** An engine whose requests `answer` serves; containers are inspected as `web` (with a TTY or not). */
  async function engineAnswering(
    answer: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
    tty = false,
  ): Promise<DockerEngine> {
    const server = createServer((req, res) => {
      if ((req.url ?? '').endsWith('/containers/web/json')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ Id: 'c0ffee', Name: '/web', State: { Status: 'running' }, Config: { Tty: tty } }),
        );
        return;
      }
      void answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => {
            resolve();
          });
        }),
    );
    const port = (server.address() as AddressInfo).port;
    return new DockerEngine(parseEngineAddress('docker', `tcp://127.0.0.1:${String(port)}`));
  }

  it('splits multiplexed logs into lines of stdout and stderr, with their time stamps', async () => {
    const engine = await engineAnswering((req, res) => {
      expect(req.url).toMatch(/\/containers\/c0ffee\/logs\?.*timestamps=true/);
      res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
      res.end(
        Buffer.concat([
          frame(1, '2024-05-01T10:00:00.000000001Z hello\r\n'),
          frame(2, '2024-05-01T10:00:01.000000002Z oops\n'),
          frame(1, 'no time stamp, no line break'),
        ]),
      );
    });
    expect(await engine.containerLogs('web', { timestamps: true })).toEqual([
      { stream: 'stdout', time: '2024-05-01T10:00:00.000000001Z', text: 'hello' },
      { stream: 'stderr', time: '2024-05-01T10:00:01.000000002Z', text: 'oops' },
      { stream: 'stdout', text: 'no time stamp, no line break' },
    ]);
  });

  it('takes the logs of a container with a TTY as stdout, as they come', async () => {
    const engine = await engineAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
      res.end('one\r\ntwo\nthree');
    }, true);
    expect(await engine.containerLogs('web')).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stdout', text: 'two' },
      { stream: 'stdout', text: 'three' },
    ]);
  });

  it('follows logs whose frames arrive cut anywhere, until the stream ends', async () => {
    const engine = await engineAnswering(async (req, res) => {
      expect(req.url).toMatch(/follow=true/);
      res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
      const bytes = Buffer.concat([frame(1, 'first\nsec'), frame(1, 'ond\n'), frame(2, 'warn\n')]);
      for (const [from, to] of [
        [0, 3],
        [3, 9],
        [9, 20],
        [20, bytes.length],
      ]) {
        res.write(bytes.subarray(from, to));
        await pause();
      }
      res.end();
    });
    const entries: LogEntry[] = [];
    await engine.followLogs('web', {}, (entry) => entries.push(entry), new AbortController().signal);
    expect(entries).toEqual([
      { stream: 'stdout', text: 'first' },
      { stream: 'stdout', text: 'second' },
      { stream: 'stderr', text: 'warn' },
    ]);
  });

  it('stops following logs when asked to', async () => {
    const engine = await engineAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
      res.write(frame(1, 'still running\n'));
    });
    const stop = new AbortController();
    const entries: LogEntry[] = [];
    await engine.followLogs(
      'web',
      {},
      (entry) => {
        entries.push(entry);
        stop.abort();
      },
      stop.signal,
    );
    expect(entries).toEqual([{ stream: 'stdout', text: 'still running' }]);
  });

  it('reads pull progress past a line that is not JSON, and the failure on a last line without a break', async () => {
    const engine = await engineAnswering((req, res) => {
      expect(req.url).toMatch(/\/images\/create\?fromImage=example%2Fweb&tag=1\.0/);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        [
          '{"status":"Pulling from example/web","id":"1.0"}',
          'not json',
          '{"status":"Downloading","id":"abc","progressDetail":{"current":5,"total":10}}',
          '{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}',
        ].join('\r\n'),
      );
    });
    const progress: unknown[] = [];
    const outcome = await engine
      .pullImage('example/web:1.0', (step) => progress.push(step))
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(progress).toEqual([
      { id: '1.0', status: 'Pulling from example/web' },
      { id: 'abc', status: 'Downloading', current: 5, total: 10 },
    ]);
    expect(outcome).toBeInstanceOf(NovaError);
    expect((outcome as NovaError).code).toBe('not-found');
    expect((outcome as NovaError).message).toMatch(
      /^cannot pull example\/web:1\.0: the registry has no such image/,
    );
  });
});

describe('forEachJsonLine', () => {
  it('parses documents cut across chunks, and stops at close as at end', async () => {
    const stream = new PassThrough();
    const values: unknown[] = [];
    const done = forEachJsonLine(stream, (value) => values.push(value));
    stream.write('{"a":');
    stream.write('1}\n\n{"b":2}\n{"c"');
    stream.destroy();
    await done;
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('fails when the stream fails', async () => {
    const stream = new PassThrough();
    const done = forEachJsonLine(stream, () => undefined);
    stream.destroy(new Error('connection reset'));
    await expect(done).rejects.toThrow('connection reset');
  });
});
