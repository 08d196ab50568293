import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { LineAppender, parseJsonLines } from '../src/json-lines.js';

const root = mkdtempSync(join(tmpdir(), 'nova-json-lines-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let files = 0;
const file = () => join(root, `log-${String(files++)}`);

describe('LineAppender', () => {
  it('appends whole lines, in call order, to a new file of the mode asked', async () => {
    const path = file();
    const appender = new LineAppender(path, { mode: 0o600 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => appender.append(JSON.stringify({ i }))));
    const parsed = parseJsonLines(readFileSync(path, 'utf8'));
    expect(parsed.values).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
    expect(parsed.torn).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('cuts off an incomplete last line left by a crash before its first line, and reports it', async () => {
    const path = file();
    writeFileSync(path, '{"i":0}\n{"i":1}\n{"i":2,"filler":"xx');
    const torn: string[] = [];
    const appender = new LineAppender(path, { onTorn: (fragment) => torn.push(fragment) });
    await appender.append('{"i":2}');
    await appender.append('{"i":3}');
    expect(readFileSync(path, 'utf8')).toBe('{"i":0}\n{"i":1}\n{"i":2}\n{"i":3}\n');
    expect(torn).toEqual(['{"i":2,"filler":"xx']);
  });

  it('finds the last line break far back, and cuts a file that is all fragment', async () => {
    const long = file();
    writeFileSync(long, `{"i":0}\n{"filler":"${'x'.repeat(200_000)}`);
    await new LineAppender(long).append('{"i":1}');
    expect(readFileSync(long, 'utf8')).toBe('{"i":0}\n{"i":1}\n');
    const fragment = file();
    writeFileSync(fragment, '{"i":0,');
    await new LineAppender(fragment).append('{"i":0}');
    expect(readFileSync(fragment, 'utf8')).toBe('{"i":0}\n');
  });

  it('leaves a file that ends with a whole line alone', async () => {
    const path = file();
    writeFileSync(path, '{"i":0}\n');
    const torn: string[] = [];
    await new LineAppender(path, { onTorn: (fragment) => torn.push(fragment) }).append('{"i":1}');
    expect(readFileSync(path, 'utf8')).toBe('{"i":0}\n{"i":1}\n');
    expect(torn).toEqual([]);
  });

  it('refuses a line holding a line break, and writes nothing', async () => {
    const path = file();
    await expect(new LineAppender(path).append('{"a":1}\n{"b":2}')).rejects.toThrow(/line break/);
    expect(() => readFileSync(path)).toThrow();
  });
});

describe('parseJsonLines', () => {
  it('reads whole lines, reports the ones that do not parse, and a torn last line', () => {
    expect(parseJsonLines('{"a":1}\nnot json\n\n[2]\n{"b":')).toEqual({
      values: [{ a: 1 }, [2]],
      invalid: [{ line: 2, text: 'not json' }],
      torn: '{"b":',
    });
    expect(parseJsonLines('')).toEqual({ values: [], invalid: [], torn: undefined });
  });
});
