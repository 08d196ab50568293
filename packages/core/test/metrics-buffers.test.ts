import { describe, expect, it } from 'vitest';

import { MetricSeries, PointRing } from '../src/metrics/ring-buffer.js';

describe('PointRing', () => {
  it('keeps only the newest points, oldest first, and leaves absent figures absent', () => {
    const ring = new PointRing(3);
    for (const t of [1, 2, 3, 4, 5])
      ring.push({ t, cpuPercent: t * 10, ...(t === 5 ? {} : { memoryBytes: 1024 }) });
    expect(ring.toArray()).toEqual([
      { t: 3, cpuPercent: 30, memoryBytes: 1024 },
      { t: 4, cpuPercent: 40, memoryBytes: 1024 },
      { t: 5, cpuPercent: 50 },
    ]);
    expect(ring.length).toBe(3);
    expect(ring.lastT()).toBe(5);
    expect(ring.toArray(2).map((p) => p.t)).toEqual([4, 5]);
  });

  it('keeps byte counts of many GiB to float32 precision (well under 0.1 %)', () => {
    const ring = new PointRing(1);
    ring.push({ t: Date.UTC(2026, 10, 26), memoryBytes: 17_179_869_183 });
    const [point] = ring.toArray();
    expect(point?.t).toBe(Date.UTC(2026, 10, 26));
    expect(Math.abs((point?.memoryBytes ?? 0) / 17_179_869_183 - 1)).toBeLessThan(1e-6);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new PointRing(0)).toThrow(RangeError);
  });
});

describe('MetricSeries downsampling', () => {
  const tiers = [
    { stepMs: 1000, capacity: 5 },
    { stepMs: 3000, capacity: 2 },
  ];

  it('averages each coarse step once a later point shows that step is over', () => {
    const series = new MetricSeries(tiers);
    expect(series.add({ t: 0, cpuPercent: 10 }).size).toBe(0);
    series.add({ t: 1000, cpuPercent: 20 });
    expect(series.add({ t: 2000, cpuPercent: 60, memoryBytes: 100 }).size).toBe(0);
    const closed = series.add({ t: 3000, cpuPercent: 5 });
    expect(closed.get(1)).toEqual({ t: 0, cpuPercent: 30, memoryBytes: 100 });
    expect(series.points(1)).toEqual([{ t: 0, cpuPercent: 30, memoryBytes: 100 }]);
  });

  it('bounds every tier: the fine one keeps its last points, the coarse one its last averages', () => {
    const series = new MetricSeries(tiers);
    for (let s = 0; s < 12; s++) series.add({ t: s * 1000, cpuPercent: s });
    expect(series.points(0).map((p) => p.t)).toEqual([7000, 8000, 9000, 10000, 11000]);
    // Steps 0–2, 3–5, 6–8 closed; 9–11 is still open. Two are kept.
    expect(series.points(1)).toEqual([
      { t: 3000, cpuPercent: 4 },
      { t: 6000, cpuPercent: 7 },
    ]);
  });

  it('skips a gap: a step with no points produces none', () => {
    const series = new MetricSeries(tiers);
    series.add({ t: 0, cpuPercent: 1 });
    series.add({ t: 9000, cpuPercent: 2 });
    series.add({ t: 12000, cpuPercent: 3 });
    expect(series.points(1)).toEqual([
      { t: 0, cpuPercent: 1 },
      { t: 9000, cpuPercent: 2 },
    ]);
  });

  it('ignores a point older than the newest', () => {
    const series = new MetricSeries(tiers);
    series.add({ t: 2000, cpuPercent: 1 });
    series.add({ t: 1000, cpuPercent: 2 });
    expect(series.points(0)).toEqual([{ t: 2000, cpuPercent: 1 }]);
  });
});
