import { describe, expect, it } from 'vitest';

import { counterRate, cpuPercentFromNs } from '../src/metrics/rates.js';
import { domainPoint } from '../src/metrics/sampler.js';

describe('counter → rate', () => {
  it('gives the increase per second', () => {
    expect(counterRate(1000, 3000, 2000)).toBe(1000);
  });

  it('has no rate without an earlier reading or without elapsed time', () => {
    expect(counterRate(undefined, 5, 1000)).toBeUndefined();
    expect(counterRate(1, 5, 0)).toBeUndefined();
  });

  it('takes a counter that went down as reset: the new value is the increase since', () => {
    expect(counterRate(10_000, 500, 1000)).toBe(500);
  });

  it('CPU ns over wall ms is percent of one core (two busy vCPUs: 200)', () => {
    expect(cpuPercentFromNs(0, 2e9, 1000)).toBeCloseTo(200);
    expect(cpuPercentFromNs(5e9, 5.25e9, 1000)).toBeCloseTo(25);
  });

  it('a VM restarted between two readings shows its CPU since the restart, never a negative figure', () => {
    const base = {
      name: 'a',
      state: 'running' as const,
      vcpus: 1,
      memoryBytes: 1024,
      diskReadBytes: 0,
      diskWriteBytes: 0,
      netRxBytes: 0,
      netTxBytes: 0,
    };
    const point = domainPoint(
      { at: 0, stats: { ...base, cpuTimeNs: 9e9, netRxBytes: 1e6 } },
      { at: 1000, stats: { ...base, cpuTimeNs: 1e8, netRxBytes: 2000 } },
    );
    expect(point.cpuPercent).toBeCloseTo(10);
    expect(point.netRxBps).toBe(2000);
    expect(point.memoryBytes).toBe(1024);
  });
});
