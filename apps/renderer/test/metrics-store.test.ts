import type { MetricPointData } from '@nova/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';
import {
  createInstanceLoadsStore,
  loadsFrom,
  type MetricsView,
  MetricsWatch,
} from '../src/stores/metrics.js';

const SUB_A = `m-${'a'.repeat(32)}`;
const SUB_B = `m-${'b'.repeat(32)}`;
const CT = 'container/docker/abc';

// A backend double: answers the metrics channels as the test says, and lets the test push events.
function backend() {
  const state = {
    calls: [] as [string, unknown][],
    listener: undefined as ((event: string, payload: unknown) => void) | undefined,
    nextId: SUB_A,
    renew: 'ok' as 'ok' | 'ended',
    snapshot: [] as unknown[],
  };
  const transport: Transport = {
    kind: 'browser',
    call: (channel, input) => {
      state.calls.push([channel, input]);
      if (channel === 'metrics.watch') {
        const input_ = input as { window: string };
        return Promise.resolve({
          ok: true,
          value: {
            subscriptionId: state.nextId,
            window: input_.window,
            stepMs: 1000,
            leaseMs: 3000,
            series: state.snapshot,
          },
        });
      }
      if (channel === 'metrics.renew') {
        return Promise.resolve(
          state.renew === 'ok'
            ? { ok: true, value: { leaseMs: 3000 } }
            : { ok: false, error: { code: 'not-found', message: 'this metrics subscription has ended' } },
        );
      }
      return Promise.resolve({ ok: true, value: { ended: true } });
    },
    subscribe: (listener) => {
      state.listener = listener;
      return () => {
        state.listener = undefined;
      };
    },
  };
  const push = (subscriptionId: string, series: unknown[]) => {
    state.listener?.('metrics.samples', { subscriptionId, window: '15m', series });
  };
  const count = (channel: string) => state.calls.filter(([name]) => name === channel).length;
  return { state, client: new NovaClient(transport), push, count };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MetricsWatch', () => {
  it('starts from the buffers’ contents, then appends its own deltas only', async () => {
    const fake = backend();
    fake.state.snapshot = [{ id: 'host', points: [{ t: 1000, cpuPercent: 5 }] }];
    let view: MetricsView | undefined;
    const watch = new MetricsWatch(fake.client, { host: true, instances: [], window: '15m' }, (v) => {
      view = v;
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(view?.series.get('host')).toEqual([{ t: 1000, cpuPercent: 5 }]);
    fake.push(SUB_A, [{ id: 'host', points: [{ t: 2000, cpuPercent: 7 }] }]);
    fake.push(SUB_B, [{ id: 'host', points: [{ t: 3000, cpuPercent: 99 }] }]);
    // A point not newer than the last (sent twice) is not added again.
    fake.push(SUB_A, [{ id: 'host', points: [{ t: 2000, cpuPercent: 7 }] }]);
    expect(view?.series.get('host')?.map((p) => p.cpuPercent)).toEqual([5, 7]);
    expect(view?.latest.get('host')).toEqual({ t: 2000, cpuPercent: 7 });
    watch.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.count('metrics.unwatch')).toBe(1);
    expect(fake.state.listener).toBeUndefined();
  });

  it('keeps at most `history` points', async () => {
    const fake = backend();
    let view: MetricsView | undefined;
    const watch = new MetricsWatch(
      fake.client,
      { host: false, instances: 'all', window: '15m', history: 3 },
      (v) => {
        view = v;
      },
    ).start();
    await vi.advanceTimersByTimeAsync(0);
    for (let t = 1; t <= 5; t++) fake.push(SUB_A, [{ id: CT, points: [{ t: t * 1000, cpuPercent: t }] }]);
    expect(view?.series.get(CT)?.map((p) => p.cpuPercent)).toEqual([3, 4, 5]);
    watch.stop();
  });

  it('renews its lease, and watches anew when the backend ended it', async () => {
    const fake = backend();
    const watch = new MetricsWatch(
      fake.client,
      { host: true, instances: [], window: '15m' },
      () => undefined,
    ).start();
    await vi.advanceTimersByTimeAsync(2_100);
    expect(fake.count('metrics.renew')).toBe(2);
    expect(fake.count('metrics.watch')).toBe(1);
    fake.state.renew = 'ended';
    fake.state.nextId = SUB_B;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.count('metrics.watch')).toBe(2);
    expect(watch.subscriptionId).toBe(SUB_B);
    watch.stop();
    const calls = fake.state.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.state.calls.length).toBe(calls + 0);
  });
});

describe('the overview’s instance loads', () => {
  it('gives each running instance its current CPU and memory and at most 60 s of CPU history', () => {
    const points = Array.from({ length: 70 }, (_, i) => ({
      t: (i + 1) * 1000,
      cpuPercent: i,
      memoryBytes: 10,
    }));
    const loads = loadsFrom({
      series: new Map<string, MetricPointData[]>([
        [CT, points],
        ['vm/old', [{ t: 1000, cpuPercent: 1 }]],
      ]),
      latest: new Map<string, MetricPointData>([
        [CT, { t: 70_000, cpuPercent: 69, memoryBytes: 10 }],
        ['vm/old', { t: 1000, cpuPercent: 1 }],
      ]),
      error: undefined,
    });
    expect(loads[CT]?.cpuPercent).toBe(69);
    expect(loads[CT]?.memoryBytes).toBe(10);
    expect(loads[CT]?.cpuHistory).toHaveLength(60);
    expect(loads[CT]?.cpuHistory.at(0)).toBe(10);
    // No point for over 15 s: it stopped, it has no load.
    expect(loads['vm/old']).toBeUndefined();
  });

  it('watches all instances from the first user on, and stops a while after the last leaves', async () => {
    const fake = backend();
    const store = createInstanceLoadsStore(fake.client, { lingerMs: 1_000 });
    expect(fake.count('metrics.watch')).toBe(0);
    const a = store.getState().retain();
    const b = store.getState().retain();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.count('metrics.watch')).toBe(1);
    expect(fake.state.calls[0]?.[1]).toEqual({ host: false, instances: 'all', window: '15m', history: 60 });
    fake.push(SUB_A, [{ id: CT, points: [{ t: 1000, cpuPercent: 12, memoryBytes: 5 }] }]);
    expect(store.getState().loads[CT]).toEqual({ cpuPercent: 12, memoryBytes: 5, cpuHistory: [12] });
    a();
    b();
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.count('metrics.unwatch')).toBe(0);
    // Back within the linger time (a page switch, React's double effects): the same watch goes on.
    const c = store.getState().retain();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fake.count('metrics.watch')).toBe(1);
    c();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(fake.count('metrics.unwatch')).toBe(1);
    expect(store.getState().loads).toEqual({});
  });
});
