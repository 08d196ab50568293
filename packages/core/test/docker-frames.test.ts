import { describe, expect, it } from 'vitest';

import { FrameReader, type FrameStream } from '../src/containers/docker-frames.js';
import { LogLines } from '../src/containers/docker-logs.js';
import type { LogEntry } from '../src/contract/container-types.js';

/** One frame of the engine's multiplexed output: kind 1 is stdout, 2 is stderr. */
function frame(kind: 0 | 1 | 2, body: Buffer | string): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function collect(): { reader: FrameReader; got: [FrameStream, string][] } {
  const got: [FrameStream, string][] = [];
  const reader = new FrameReader((stream, payload) => got.push([stream, payload.toString('utf8')]));
  return { reader, got };
}

describe('FrameReader', () => {
  it('takes twenty thousand frames of one chunk apart in order (a recursive reader overflows here)', () => {
    const { reader, got } = collect();
    const count = 20_000;
    reader.push(Buffer.concat(Array.from({ length: count }, (_, i) => frame(i % 3 === 0 ? 2 : 1, `${i}\n`))));
    expect(got).toHaveLength(count);
    expect(got[0]).toEqual(['stderr', '0\n']);
    expect(got[1]).toEqual(['stdout', '1\n']);
    expect(got.at(-1)).toEqual([(count - 1) % 3 === 0 ? 'stderr' : 'stdout', `${count - 1}\n`]);
    expect(reader.unfinished).toBe(0);
  });

  it('joins a frame cut anywhere, header or payload, across chunks', () => {
    const bytes = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'two\n')]);
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      for (let second = cut; second <= bytes.length; second += 1) {
        const { reader, got } = collect();
        reader.push(bytes.subarray(0, cut));
        reader.push(bytes.subarray(cut, second));
        reader.push(bytes.subarray(second));
        expect(got, `cut at ${cut} and ${second}`).toEqual([
          ['stdout', 'out one\n'],
          ['stderr', 'err\n'],
          ['stdout', ''],
          ['stdout', 'two\n'],
        ]);
      }
    }
  });

  it('says how much of a frame the stream ended in, and shows a stdin frame as output', () => {
    const { reader, got } = collect();
    reader.push(Buffer.concat([frame(0, 'typed\n'), frame(1, 'cut short').subarray(0, 12)]));
    expect(got).toEqual([['stdout', 'typed\n']]);
    expect(reader.unfinished).toBe(12);
  });
});

describe('LogLines', () => {
  it('keeps a character cut between two frames whole, and each stream’s lines apart', () => {
    const entries: LogEntry[] = [];
    const lines = new LogLines(false, (entry) => entries.push(entry));
    const reader = new FrameReader((stream, payload) => {
      lines.bytes(stream, payload);
    });
    const word = Buffer.from('grüße\n', 'utf8');
    const at = word.indexOf(0xc3) + 1; // inside the two bytes of ü
    reader.push(
      Buffer.concat([frame(1, word.subarray(0, at)), frame(2, 'oops\n'), frame(1, word.subarray(at))]),
    );
    reader.push(frame(1, 'no line break at the end'));
    lines.end();
    expect(entries).toEqual([
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'grüße' },
      { stream: 'stdout', text: 'no line break at the end' },
    ]);
  });

  it('takes the time stamp off the front of each line when asked for time stamps', () => {
    const entries: LogEntry[] = [];
    const lines = new LogLines(true, (entry) => entries.push(entry));
    lines.bytes('stdout', Buffer.from('2026-12-05T07:00:00.000000001Z hello\r\nplain\n'));
    expect(entries).toEqual([
      { stream: 'stdout', time: '2026-12-05T07:00:00.000000001Z', text: 'hello' },
      { stream: 'stdout', text: 'plain' },
    ]);
  });
});
