import type { EventName, EventPayload } from '@nova/core';
import type { NetworkChange, NovaServices } from '@nova/core/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { FeatureContext } from '../src/backend/features/feature.js';
import { coalesced, topologyFeature } from '../src/backend/features/topology.js';

// What keeps a burst of topology calls (events from several windows) from hammering libvirt.
describe('coalesced', () => {
  function counter() {
    const pending: (() => void)[] = [];
    let runs = 0;
    const task = () =>
      new Promise<number>((resolve) => {
        const run = ++runs;
        pending.push(() => {
          resolve(run);
        });
      });
    const finish = async () => {
      pending.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
    return { task, finish, runs: () => runs };
  }

  it('makes at most two runs for a burst of calls, and later callers get the later run', async () => {
    const { task, finish, runs } = counter();
    const call = coalesced(task);
    const first = call();
    const during = [call(), call(), call()];
    expect(runs()).toBe(1);
    await finish();
    expect(await first).toBe(1);
    // Those who asked during the first run get a run that started after they asked.
    expect(runs()).toBe(2);
    await finish();
    expect(await Promise.all(during)).toEqual([2, 2, 2]);
    expect(runs()).toBe(2);
  });

  it('runs again for a call after the last run ended, and survives a failed run', async () => {
    let fail = true;
    let runs = 0;
    const call = coalesced(() => {
      runs++;
      return fail ? Promise.reject(new Error('libvirt is down')) : Promise.resolve(runs);
    });
    await expect(call()).rejects.toThrow('libvirt is down');
    fail = false;
    expect(await call()).toBe(2);
    expect(await call()).toBe(3);
  });
});

// Networks changing behind Nova's back reach the windows as one `topology.changed` per burst, and
// nothing is followed while no window listens.
describe('topologyFeature', () => {
  function setup() {
    const published: [EventName, EventPayload<EventName>][] = [];
    const watch = { active: 0, emit: undefined as ((change: NetworkChange) => void) | undefined };
    const services = {
      watchNetworks: (listener: (change: NetworkChange) => void) => {
        watch.active++;
        watch.emit = listener;
        return () => {
          watch.active--;
          watch.emit = undefined;
        };
      },
    } as unknown as NovaServices;
    const context: FeatureContext = {
      services,
      publish: (event, payload) => {
        published.push([event, payload]);
      },
      listenerCount: () => 1,
      listInstances: () => Promise.reject(new Error('this test lists no instances')),
    };
    return { feature: topologyFeature(context, { quietMs: 20 }), published, watch };
  }
  // The burst window is a timer: these tests move a fake clock past it instead of waiting.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('follows networks only while a window listens', () => {
    const { feature, watch } = setup();
    expect(watch.active).toBe(0);
    feature.onFirstListener?.();
    feature.onFirstListener?.();
    expect(watch.active).toBe(1);
    feature.onNoListener?.();
    expect(watch.active).toBe(0);
  });

  it('tells the windows once per burst of network changes, naming the last one', async () => {
    const { feature, published, watch } = setup();
    feature.onFirstListener?.();
    watch.emit?.({ source: 'host', name: 'vnet3', event: 'added' });
    watch.emit?.({ source: 'libvirt', name: 'lab', event: 'started' });
    await wait(19);
    expect(published).toEqual([]);
    await wait(1);
    expect(published).toEqual([['topology.changed', { source: 'libvirt', name: 'lab', event: 'started' }]]);
    watch.emit?.({ source: 'docker', name: 'web', event: 'connect' });
    await wait(60);
    expect(published).toHaveLength(2);
    feature.close?.();
  });

  it('drops a change still gathering when the last window goes', async () => {
    const { feature, published, watch } = setup();
    feature.onFirstListener?.();
    watch.emit?.({ source: 'libvirt', name: 'lab', event: 'stopped' });
    feature.onNoListener?.();
    await wait(60);
    expect(published).toEqual([]);
  });
});
