import type { EventName, EventPayload } from '@nova/core';
import { type HostCounters, MetricsSampler, type MetricsSources } from '@nova/core/node';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { FeatureContext } from '../src/backend/features/feature.js';
import { metricsFeature } from '../src/backend/features/metrics.js';
import { type ChannelHandlers, createRouter } from '../src/backend/router.js';

// Sources double: counts what the sampler reads, so that a test sees whether anything is sampled.
function fakeSampler() {
  const calls = { host: 0, streamsOpen: 0 };
  const sources: MetricsSources = {
    readHost: () => {
      calls.host++;
      const counters: HostCounters = {
        cpuBusy: calls.host * 10,
        cpuTotal: calls.host * 100,
        cpuCount: 1,
        memoryTotalBytes: 100,
        memoryUsedBytes: 50,
        diskReadBytes: 0,
        diskWriteBytes: 0,
        netRxBytes: 0,
        netTxBytes: 0,
      };
      return Promise.resolve(counters);
    },
    domainStats: () => Promise.resolve([]),
    vmIds: () => Promise.resolve(new Map()),
    streamContainerStats: (_onSample, signal) => {
      calls.streamsOpen++;
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          calls.streamsOpen--;
          resolve();
        });
      });
    },
  };
  return { sampler: new MetricsSampler(sources), calls };
}

function context() {
  const published: [EventName, EventPayload<EventName>][] = [];
  const value: FeatureContext = {
    services: {} as FeatureContext['services'],
    publish: (event, payload) => {
      published.push([event, payload]);
    },
    listenerCount: () => 1,
    listInstances: () => Promise.reject(new Error('this test lists no instances')),
  };
  return { value, published };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the metrics feature', () => {
  it('samples nothing while no one watches, even with windows listening', async () => {
    vi.useFakeTimers();
    const { sampler, calls } = fakeSampler();
    const feature = metricsFeature(context().value, { sampler });
    feature.onFirstListener?.();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.host).toBe(0);
    expect(calls.streamsOpen).toBe(0);
    feature.close?.();
  });

  it('sends deltas while watched and stops sampling when the lease is not renewed', async () => {
    vi.useFakeTimers();
    const { sampler, calls } = fakeSampler();
    const ctx = context();
    const feature = metricsFeature(ctx.value, { sampler, leaseMs: 3_000 });
    const reply = await feature.handlers['metrics.watch']({ host: true, instances: 'all', window: '15m' });
    expect(reply.subscriptionId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(calls.streamsOpen).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    await feature.handlers['metrics.renew']({ subscriptionId: reply.subscriptionId });
    await vi.advanceTimersByTimeAsync(2_000);
    // Renewed at 2 s: still going at 4 s.
    expect(sampler.running).toBe(true);
    const samples = ctx.published.filter(([event]) => event === 'metrics.samples');
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.at(-1)?.[1]).toMatchObject({
      subscriptionId: reply.subscriptionId,
      series: [{ id: 'host', points: [{ cpuPercent: 10 }] }],
    });

    await vi.advanceTimersByTimeAsync(3_500);
    expect(sampler.running).toBe(false);
    expect(calls.streamsOpen).toBe(0);
    const readsAfterExpiry = calls.host;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.host).toBe(readsAfterExpiry);
    await expect(
      feature.handlers['metrics.renew']({ subscriptionId: reply.subscriptionId }),
    ).rejects.toMatchObject({
      code: 'not-found',
    });
    feature.close?.();
  });

  it('stops at once when the subscription is ended, or when the last window leaves', async () => {
    const { sampler, calls } = fakeSampler();
    const feature = metricsFeature(context().value, { sampler });
    const a = await feature.handlers['metrics.watch']({ host: true, instances: [], window: '1h' });
    expect(calls.streamsOpen).toBe(0); // the host alone needs no engine streams
    await expect(feature.handlers['metrics.unwatch']({ subscriptionId: a.subscriptionId })).resolves.toEqual({
      ended: true,
    });
    expect(sampler.running).toBe(false);
    await feature.handlers['metrics.watch']({ host: false, instances: 'all', window: '15m' });
    expect(sampler.running).toBe(true);
    feature.onNoListener?.();
    expect(sampler.running).toBe(false);
    expect(calls.streamsOpen).toBe(0);
    feature.close?.();
  });

  it('refuses malformed or oversized requests from a window before anything starts', async () => {
    const { sampler, calls } = fakeSampler();
    const feature = metricsFeature(context().value, { sampler });
    const dispatch = createRouter(feature.handlers as unknown as ChannelHandlers);
    const refused = async (input: unknown) => {
      const result = await dispatch('metrics.watch', input);
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    };
    await refused({ host: true, instances: 'all', window: '7d' });
    await refused({ host: true, instances: 'all', window: '15m', extra: 1 });
    await refused({ host: true, instances: ['../../etc/passwd'], window: '15m' });
    await refused({ host: true, instances: ['vm/x'.repeat(100)], window: '15m' });
    await refused({
      host: true,
      instances: Array.from({ length: 257 }, (_, i) => `container/docker/${String(i)}`),
      window: '15m',
    });
    await refused({ host: true, instances: 'all', window: '15m', history: 1e9 });
    expect(await dispatch('metrics.renew', { subscriptionId: 'anything' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(sampler.running).toBe(false);
    expect(calls.host).toBe(0);
    const ok = await dispatch('metrics.watch', {
      host: true,
      instances: ['container/docker/abc'],
      window: '24h',
    });
    expect(ok).toMatchObject({ ok: true, value: { window: '24h', stepMs: 60_000 } });
    feature.close?.();
  });

  it('sends a coarse window its averaged points as their steps close, with the newest 1 s figures between', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 26, 0, 0, 0, 500));
    const { sampler } = fakeSampler();
    const ctx = context();
    const feature = metricsFeature(ctx.value, { sampler });
    const reply = await feature.handlers['metrics.watch']({ host: true, instances: [], window: '1h' });
    expect(reply.stepMs).toBe(10_000);
    await vi.advanceTimersByTimeAsync(12_000);
    const deltas = ctx.published
      .filter(([event]) => event === 'metrics.samples')
      .map(([, payload]) => payload as EventPayload<'metrics.samples'>);
    expect(deltas.length).toBeGreaterThanOrEqual(11);
    expect(deltas.every((delta) => delta.series[0]?.latest !== undefined)).toBe(true);
    const closed = deltas.flatMap((delta) => delta.series.flatMap((series) => series.points));
    // One 10 s step closed (00:00:00–00:00:09): its average, stamped with the step's start.
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ t: Date.UTC(2026, 10, 26, 0, 0, 0), memoryBytes: 50 });
    feature.close?.();
  });

  it('refuses more subscriptions than its limit', async () => {
    const { sampler } = fakeSampler();
    const feature = metricsFeature(context().value, { sampler, maxSubscriptions: 2 });
    const input = { host: true, instances: [] as string[], window: '15m' as const };
    await feature.handlers['metrics.watch'](input);
    await feature.handlers['metrics.watch'](input);
    await expect(feature.handlers['metrics.watch'](input)).rejects.toMatchObject({ code: 'conflict' });
    feature.close?.();
  });
});
