import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { formatSize, parseSize } from '../src/novafile/units.js';

describe('parseSize', () => {
  it('reads binary and decimal units and bytes', () => {
    const cases: [string | number, number][] = [
      ['2Gi', 2 * 1024 ** 3],
      ['512Mi', 512 * 1024 ** 2],
      ['1Ti', 1024 ** 4],
      ['4Ki', 4096],
      ['2G', 2e9],
      ['500M', 5e8],
      ['1T', 1e12],
      ['10k', 10_000],
      ['1.5Gi', 1.5 * 1024 ** 3],
      ['4096', 4096],
      [4096, 4096],
      [' 4Gi ', 4 * 1024 ** 3],
    ];
    for (const [input, bytes] of cases) expect(parseSize(input), String(input)).toEqual({ ok: true, bytes });
  });

  it('refuses what is ambiguous or not a size, saying what to write', () => {
    for (const input of ['8GB', '8gi', '1Zi', '', 'lots', '-1Gi', '0.5', 1.5, -3]) {
      const result = parseSize(input);
      expect(result.ok, String(input)).toBe(false);
      if (!result.ok) expect(result.hint.length).toBeGreaterThan(0);
    }
    expect(parseSize('8GB')).toMatchObject({
      hint: 'write "8Gi" (Gi = 1024^3 bytes) or "8G" (1000^3 bytes)',
    });
  });

  it('refuses sizes too large to count exactly', () => {
    expect(parseSize('20000000000Ti').ok).toBe(false);
  });
});

describe('formatSize', () => {
  it('writes the shortest exact form', () => {
    expect([2 * 1024 ** 3, 1536 * 1024 ** 2, 2e9, 1000, 1023, 0].map(formatSize)).toEqual([
      '2Gi',
      '1536Mi',
      '2G',
      '1K',
      '1023',
      '0',
    ]);
  });

  it('reads back to the same number of bytes', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(parseSize(formatSize(bytes))).toEqual({ ok: true, bytes });
      }),
    );
  });
});
