import { afterEach, describe, expect, it, vi } from 'vitest';

import type { ContainerStats } from '../src/contract/container-types.js';
import type { DomainStats } from '../src/contract/helper-types.js';
import type { HostCounters } from '../src/metrics/proc.js';
import { HOST_SERIES, MetricsSampler, type MetricsSources } from '../src/metrics/sampler.js';

const UUID = '0b6e5a2c-1111-4222-8333-444455556666';

function fakeSources() {
  const calls = { host: 0, domains: 0, ids: 0, streamsOpened: 0, streamsOpen: 0 };
  let busy = 0;
  let cpuNs = 0;
  let emit: ((sample: ContainerStats) => void) | undefined;
  const sources: MetricsSources = {
    readHost: () => {
      calls.host++;
      busy += 25;
      const counters: HostCounters = {
        cpuBusy: busy,
        cpuTotal: calls.host * 100,
        cpuCount: 2,
        memoryTotalBytes: 1000,
        memoryUsedBytes: 400,
        diskReadBytes: calls.host * 512,
        diskWriteBytes: 0,
        netRxBytes: 0,
        netTxBytes: 0,
      };
      return Promise.resolve(counters);
    },
    domainStats: () => {
      calls.domains++;
      cpuNs += 5e8;
      const stats: DomainStats = {
        name: 'tiny',
        state: 'running',
        cpuTimeNs: cpuNs,
        vcpus: 1,
        memoryBytes: 256 * 2 ** 20,
        diskReadBytes: 0,
        diskWriteBytes: 0,
        netRxBytes: 0,
        netTxBytes: 0,
      };
      return Promise.resolve([stats]);
    },
    vmIds: () => {
      calls.ids++;
      return Promise.resolve(new Map([['tiny', `vm/${UUID}`]]));
    },
    streamContainerStats: (onSample, signal) => {
      calls.streamsOpened++;
      calls.streamsOpen++;
      emit = onSample;
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          calls.streamsOpen--;
          emit = undefined;
          resolve();
        });
      });
    },
  };
  const container = (at: number, cpuPercent: number, netRxBytes: number): ContainerStats => ({
    engine: 'docker',
    id: 'abc123',
    name: 'web',
    at,
    cpuPercent,
    memoryBytes: 1234,
    netRxBytes,
    netTxBytes: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
    pids: 1,
  });
  return {
    sources,
    calls,
    emit: (sample: ContainerStats) => emit?.(sample),
    container,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('MetricsSampler', () => {
  it('samples nothing while no one uses it, and stops when the last user leaves', async () => {
    vi.useFakeTimers();
    const fake = fakeSources();
    const sampler = new MetricsSampler(fake.sources);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.calls.host).toBe(0);
    expect(sampler.running).toBe(false);

    const a = sampler.acquire();
    const b = sampler.acquire();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fake.calls.host).toBeGreaterThanOrEqual(2);
    a();
    a(); // twice: still one user left
    expect(sampler.running).toBe(true);
    b();
    expect(sampler.running).toBe(false);
    const before = fake.calls.host;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.calls.host).toBe(before);
    sampler.close();
  });

  it('samples once a step after a release and a new use while a step was still running', async () => {
    vi.useFakeTimers();
    const fake = fakeSources();
    let slow: (() => void) | undefined;
    const readHost = fake.sources.readHost;
    if (readHost === undefined) throw new Error('the double reads the host');
    fake.sources.readHost = () =>
      new Promise((resolve, reject) => {
        slow = () => {
          readHost().then(resolve, reject);
        };
      });
    const sampler = new MetricsSampler(fake.sources);
    const first = sampler.acquire({ instances: false });
    await vi.advanceTimersByTimeAsync(1_100); // a step starts and waits on /proc
    first();
    const second = sampler.acquire({ instances: false });
    slow?.(); // the old step ends after the new use began
    fake.sources.readHost = readHost;
    await vi.advanceTimersByTimeAsync(0);
    const before = fake.calls.host;
    await vi.advanceTimersByTimeAsync(10_000);
    // One chain of timers: about ten steps in ten seconds, not twenty.
    expect(fake.calls.host - before).toBeGreaterThanOrEqual(9);
    expect(fake.calls.host - before).toBeLessThanOrEqual(11);
    second();
    sampler.close();
  });

  it('opens the engines’ stats streams only for users that want instances, and closes them after the last', () => {
    const fake = fakeSources();
    const sampler = new MetricsSampler(fake.sources);
    const hostOnly = sampler.acquire({ instances: false });
    expect(fake.calls.streamsOpen).toBe(0);
    const one = sampler.acquire();
    const two = sampler.acquire();
    expect(fake.calls.streamsOpened).toBe(1);
    one();
    expect(fake.calls.streamsOpen).toBe(1);
    two();
    expect(fake.calls.streamsOpen).toBe(0);
    expect(sampler.streaming).toBe(false);
    hostOnly();
    sampler.close();
  });

  it('does not ask libvirt for domains when only the host is watched', async () => {
    const fake = fakeSources();
    const sampler = new MetricsSampler(fake.sources);
    const release = sampler.acquire({ instances: false });
    await sampler.sample();
    expect(fake.calls.domains).toBe(0);
    release();
    sampler.close();
  });

  it('turns counters into points for the host, VMs (by instance id) and containers', async () => {
    let now = 10_000;
    const fake = fakeSources();
    const sampler = new MetricsSampler(fake.sources, { now: () => now });
    const release = sampler.acquire();
    await Promise.resolve(); // the VM ids' listing
    await sampler.sample();
    fake.emit(fake.container(now, 12.5, 1000));
    now += 1000;
    fake.emit(fake.container(now, 30, 3000));
    const tick = await sampler.sample();
    expect(tick?.points.get(HOST_SERIES)).toEqual({
      t: 11_000,
      cpuPercent: 25,
      memoryBytes: 400,
      memoryTotalBytes: 1000,
      diskReadBps: 512,
      diskWriteBps: 0,
      netRxBps: 0,
      netTxBps: 0,
    });
    expect(tick?.points.get(`vm/${UUID}`)?.cpuPercent).toBeCloseTo(50);
    expect(tick?.points.get('container/docker/abc123')).toMatchObject({ cpuPercent: 30, netRxBps: 2000 });
    // A container that sent nothing new has no point in the next step.
    now += 1000;
    expect((await sampler.sample())?.points.has('container/docker/abc123')).toBe(false);
    expect(sampler.points(HOST_SERIES, 0).map((p) => p.t)).toEqual([10_000, 11_000, 12_000]);
    release();
    sampler.close();
  });
});
