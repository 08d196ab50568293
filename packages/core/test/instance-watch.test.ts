import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { EngineWatchStatus } from '../src/containers/engine.js';
import type { ContainerEvent } from '../src/contract/container-types.js';
import type { DomainChanged, HelperSignalName, HelperSignalPayload } from '../src/contract/helper/index.js';
import { HELPER_GONE, type HelperSubscriber, watchHelperSignals } from '../src/instances/helper-signals.js';
import {
  ChangeCoalescer,
  type ContainerEventSource,
  describeContainerBurst,
  describeDomainBurst,
  type VmEventSource,
  type VmWatcher,
  watchInstances,
} from '../src/instances/instance-watch.js';
import type { InstanceChange } from '../src/model/instance.js';

// Event sources here are in-memory doubles: this file tests the merging and the retries, not the engines.
const ID = 'a'.repeat(64);
const UUID = '00000000-0000-4000-8000-00000000000a';

function event(action: string, extra: Partial<ContainerEvent> = {}): ContainerEvent {
  const state =
    action === 'die' || action === 'stop' || action === 'create'
      ? ('stopped' as const)
      : action === 'start'
        ? ('running' as const)
        : undefined;
  return {
    engine: 'docker',
    containerId: ID,
    name: 'web',
    action,
    ...(state === undefined ? {} : { state }),
    at: 0,
    ...extra,
  };
}

function domain(event: DomainChanged['event'], state: DomainChanged['state'], uuid?: string): DomainChanged {
  return { name: 'vm1', event, state, ...(uuid === undefined ? {} : { uuid }) };
}

describe('describeContainerBurst', () => {
  it('says a docker stop (kill, die, stop) stopped the container, with its new state', () => {
    expect(describeContainerBurst([event('kill'), event('die'), event('stop')])).toEqual({
      source: 'docker',
      instanceId: `container/docker/${ID}`,
      name: 'web',
      reason: 'docker: web stopped',
      state: 'stopped',
    });
  });

  it('says a removed container is gone', () => {
    expect(describeContainerBurst([event('kill'), event('die'), event('destroy')])).toMatchObject({
      reason: 'docker: web removed',
      removed: true,
    });
    expect(describeContainerBurst([event('destroy')])).not.toHaveProperty('state');
  });

  it('reports the last state of a burst: docker run is create then start', () => {
    expect(describeContainerBurst([event('create'), event('start')])).toMatchObject({
      reason: 'docker: web started',
      state: 'running',
    });
  });

  it('claims no state for an event that does not tell it (a signal the process may ignore)', () => {
    const change = describeContainerBurst([event('kill')]);
    expect(change.reason).toBe('docker: web was sent a signal');
    expect(change).not.toHaveProperty('state');
  });

  it('keeps the cause of an out-of-memory exit', () => {
    expect(describeContainerBurst([event('oom'), event('die')]).reason).toBe(
      'docker: web ran out of memory and stopped',
    );
  });

  it('marks a pause or an unpause as a change of state only, and nothing else as one', () => {
    expect(describeContainerBurst([event('pause', { state: 'paused' })])).toMatchObject({
      state: 'paused',
      stateOnly: true,
    });
    expect(describeContainerBurst([event('unpause', { state: 'running' })])).toMatchObject({
      state: 'running',
      stateOnly: true,
    });
    // A restart may bring new addresses: the list must be read again.
    expect(describeContainerBurst([event('die'), event('start')])).not.toHaveProperty('stateOnly');
    expect(describeContainerBurst([event('unpause', { state: 'running' }), event('die')])).not.toHaveProperty(
      'stateOnly',
    );
  });

  it('names Podman’s containers by engine', () => {
    expect(describeContainerBurst([event('die', { engine: 'podman' })])).toMatchObject({
      source: 'podman',
      instanceId: `container/podman/${ID}`,
      reason: 'podman: web exited',
    });
  });
});

describe('describeDomainBurst', () => {
  it('gives the VM’s id and new state', () => {
    expect(describeDomainBurst([domain('started', 'running', UUID)])).toEqual({
      source: 'libvirt',
      instanceId: `vm/${UUID}`,
      name: 'vm1',
      reason: 'libvirt: vm1 started',
      state: 'running',
    });
  });

  it('says an undefined VM is gone, and a redefined one is not', () => {
    expect(
      describeDomainBurst([domain('stopped', 'stopped', UUID), domain('undefined', 'stopped', UUID)]),
    ).toMatchObject({ reason: 'libvirt: vm1 removed', removed: true });
    expect(
      describeDomainBurst([domain('undefined', 'stopped', UUID), domain('defined', 'stopped', UUID)]),
    ).not.toHaveProperty('removed');
  });

  it('marks a suspend or a resume as a change of state only, and a start or a stop not', () => {
    expect(describeDomainBurst([domain('suspended', 'paused', UUID)])).toMatchObject({
      state: 'paused',
      stateOnly: true,
    });
    expect(describeDomainBurst([domain('resumed', 'running', UUID)])).toMatchObject({ stateOnly: true });
    expect(describeDomainBurst([domain('started', 'running', UUID)])).not.toHaveProperty('stateOnly');
    expect(
      describeDomainBurst([domain('resumed', 'running', UUID), domain('stopped', 'stopped', UUID)]),
    ).not.toHaveProperty('stateOnly');
  });

  it('names no instance when the signal has no UUID', () => {
    expect(describeDomainBurst([domain('suspended', 'paused')])).not.toHaveProperty('instanceId');
  });
});

describe('ChangeCoalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a burst of one container’s events once, after the stream is quiet', () => {
    const seen: InstanceChange[] = [];
    const coalescer = new ChangeCoalescer((change) => seen.push(change), { quietMs: 100, maxWaitMs: 500 });
    coalescer.container(event('kill'));
    vi.advanceTimersByTime(10);
    coalescer.container(event('die'));
    vi.advanceTimersByTime(60);
    coalescer.container(event('stop'));
    vi.advanceTimersByTime(99);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen.map((change) => change.reason)).toEqual(['docker: web stopped']);
  });

  it('reports each instance of a burst, in the order they first changed', () => {
    const seen: InstanceChange[] = [];
    const coalescer = new ChangeCoalescer((change) => seen.push(change), {
      quietMs: 100,
      domainQuietMs: 100,
    });
    coalescer.container(event('die', { containerId: 'b'.repeat(64), name: 'db' }));
    coalescer.domain(domain('started', 'running', UUID));
    coalescer.container(event('die'));
    coalescer.container(event('die', { engine: 'podman' }));
    vi.runAllTimers();
    expect(seen.map((change) => change.reason)).toEqual([
      'docker: db exited',
      'libvirt: vm1 started',
      'docker: web exited',
      'podman: web exited',
    ]);
  });

  it('reports a VM’s change after its own short quiet time, without waiting for a container’s burst', () => {
    const seen: InstanceChange[] = [];
    const coalescer = new ChangeCoalescer((change) => seen.push(change), {
      quietMs: 100,
      domainQuietMs: 10,
    });
    coalescer.container(event('kill'));
    coalescer.domain(domain('suspended', 'paused', UUID));
    vi.advanceTimersByTime(9);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen.map((change) => change.reason)).toEqual(['libvirt: vm1 paused']);
    // The container's burst goes on and is reported once, whole.
    coalescer.container(event('die'));
    coalescer.container(event('stop'));
    vi.advanceTimersByTime(99);
    expect(seen).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(seen.map((change) => [change.reason, change.state])).toEqual([
      ['libvirt: vm1 paused', 'paused'],
      ['docker: web stopped', 'stopped'],
    ]);
  });

  it('still reports during a steady stream, at most maxWaitMs after it began', () => {
    const seen: InstanceChange[] = [];
    const coalescer = new ChangeCoalescer((change) => seen.push(change), { quietMs: 100, maxWaitMs: 300 });
    for (let i = 0; i < 10; i++) {
      coalescer.container(event(i % 2 === 0 ? 'start' : 'die'));
      vi.advanceTimersByTime(50);
    }
    // 500 ms of events every 50 ms: reported at 300 ms, and again after the stream went quiet.
    vi.runAllTimers();
    expect(seen).toHaveLength(2);
    expect(seen[0]?.state).toBe('stopped');
  });

  it('reports a source’s latest status after the instance changes that came before it', () => {
    const seen: InstanceChange[] = [];
    const coalescer = new ChangeCoalescer((change) => seen.push(change));
    coalescer.source('docker', 'unavailable', 'socket closed');
    coalescer.container(event('die'));
    coalescer.source('docker', 'available', 'docker answers');
    vi.runAllTimers();
    expect(seen).toEqual([
      expect.objectContaining({ reason: 'docker: web exited' }),
      { source: 'docker', reason: 'docker: reachable', live: true },
    ]);
  });

  it('reports nothing after close', () => {
    const seen: InstanceChange[] = [];
    const coalescer = new ChangeCoalescer((change) => seen.push(change));
    coalescer.container(event('die'));
    coalescer.close();
    coalescer.container(event('start'));
    vi.runAllTimers();
    expect(seen).toEqual([]);
  });
});

describe('watchInstances', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function sources() {
    const state = {
      container: undefined as
        { event(event: ContainerEvent): void; status(status: EngineWatchStatus): void } | undefined,
      vm: undefined as VmWatcher | undefined,
      stopped: [] as string[],
    };
    const containers: ContainerEventSource = {
      watch: (watcher) => {
        state.container = watcher;
        return () => state.stopped.push('containers');
      },
    };
    const vms: VmEventSource = {
      watch: (watcher) => {
        state.vm = watcher;
        return () => state.stopped.push('vms');
      },
    };
    return { state, containers, vms };
  }

  it('merges container events and libvirt’s signals into one stream of changes', () => {
    const { state, containers, vms } = sources();
    const seen: InstanceChange[] = [];
    const stop = watchInstances({ containers, vms }, (change) => seen.push(change));
    state.container?.event(event('kill'));
    state.container?.event(event('die'));
    state.container?.event(event('stop'));
    state.vm?.domain(domain('suspended', 'paused', UUID));
    vi.runAllTimers();
    // The VM's change is due first: it waits only DOMAIN_QUIET_MS.
    expect(seen.map((change) => [change.reason, change.state])).toEqual([
      ['libvirt: vm1 paused', 'paused'],
      ['docker: web stopped', 'stopped'],
    ]);
    stop();
    expect(state.stopped.sort()).toEqual(['containers', 'vms']);
  });

  it('takes libvirt’s availability from the helper, and engines’ only from the engine watch', () => {
    const { state, containers, vms } = sources();
    const seen: InstanceChange[] = [];
    watchInstances({ containers, vms }, (change) => seen.push(change));
    state.vm?.status('unavailable', 'Nova’s helper is not installed');
    vi.runAllTimers();
    state.vm?.backend({ backend: 'docker', status: 'unavailable', detail: 'gone' });
    state.vm?.status('available', 'subscribed');
    vi.runAllTimers();
    state.vm?.backend({ backend: 'libvirt', status: 'available', detail: 'back' });
    state.container?.status({ engine: 'podman', status: 'unavailable', detail: 'stream ended' });
    vi.runAllTimers();
    expect(seen).toEqual([
      { source: 'libvirt', reason: 'libvirt: unavailable (Nova’s helper is not installed)', live: false },
      { source: 'libvirt', reason: 'libvirt: reachable', live: true },
      // libvirt came back (after a failure the helper saw): listed again, though nothing was down here.
      { source: 'libvirt', reason: 'libvirt: reachable', live: true },
      { source: 'podman', reason: 'podman: unavailable (stream ended)', live: false },
    ]);
  });

  it('keeps VMs unavailable while any of the helper, polkit and libvirt fails, naming the first', () => {
    const { state, containers, vms } = sources();
    const seen: InstanceChange[] = [];
    watchInstances({ containers, vms }, (change) => seen.push(change));
    const step = (call: () => void) => {
      call();
      vi.runAllTimers();
    };
    step(() => state.vm?.backend({ backend: 'libvirt', status: 'unavailable', detail: 'libvirtd is gone' }));
    step(() => state.vm?.backend({ backend: 'polkit', status: 'unavailable', detail: 'polkit is gone' }));
    // polkit comes back while libvirt is still down: not live yet, and libvirt's failure is named.
    step(() => state.vm?.backend({ backend: 'polkit', status: 'available', detail: 'polkit answers' }));
    step(() => state.vm?.backend({ backend: 'libvirt', status: 'available', detail: 'libvirt answers' }));
    expect(seen.map((change) => change.reason)).toEqual([
      'libvirt: unavailable (libvirtd is gone)',
      'libvirt: unavailable (polkit is gone)',
      'libvirt: unavailable (libvirtd is gone)',
      'libvirt: reachable',
    ]);
  });

  it('forgets what an earlier helper said failed once a helper subscription is back', () => {
    const { state, containers, vms } = sources();
    const seen: InstanceChange[] = [];
    watchInstances({ containers, vms }, (change) => seen.push(change));
    state.vm?.backend({ backend: 'libvirt', status: 'unavailable', detail: 'libvirtd is gone' });
    vi.runAllTimers();
    state.vm?.status('unavailable', 'the helper went away');
    vi.runAllTimers();
    state.vm?.status('available', 'the helper is back');
    vi.runAllTimers();
    expect(seen.map((change) => change.live)).toEqual([false, false, true]);
  });

  it('works with containers alone (no helper) and reports nothing after stop', () => {
    const { state, containers } = sources();
    const seen: InstanceChange[] = [];
    const stop = watchInstances({ containers }, (change) => seen.push(change));
    state.container?.event(event('start'));
    stop();
    vi.runAllTimers();
    expect(seen).toEqual([]);
  });
});

describe('watchHelperSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  type Listener = <S extends HelperSignalName>(signal: S, payload: HelperSignalPayload<S>) => void;

  /**
   * A helper client double: `failures` subscriptions fail before one succeeds; `running` says whether a
   * helper answers a renewed Subscribe (the bus starts one on a call, unless it is held down).
   */
  function helper(failures: number) {
    const state = {
      attempts: 0,
      renewals: 0,
      running: true,
      listener: undefined as Listener | undefined,
      owner: undefined as ((owner: string | undefined) => void) | undefined,
      unsubscribed: 0,
      lost: false,
    };
    const client: HelperSubscriber = {
      get lost() {
        return state.lost;
      },
      subscribe: (listener) => {
        state.attempts++;
        if (state.attempts <= failures) return Promise.reject(new Error('helper not installed'));
        state.listener = listener;
        return Promise.resolve(() => {
          state.unsubscribed++;
          return Promise.resolve();
        });
      },
      onOwnerChange: (listener) => {
        state.owner = listener;
        return Promise.resolve(() => {
          state.owner = undefined;
        });
      },
      call: () => {
        state.renewals++;
        return state.running ? Promise.resolve({ subscribers: 1 }) : Promise.reject(new Error('no helper'));
      },
    };
    return { state, connect: () => Promise.resolve(client) };
  }

  function recorder() {
    const seen: string[] = [];
    const watcher: VmWatcher = {
      domain: (change) => seen.push(`domain ${change.name} ${change.event}`),
      backend: (change) => seen.push(`backend ${change.backend} ${change.status}`),
      status: (status, detail) => seen.push(`${status}: ${detail}`),
    };
    return { seen, watcher };
  }

  it('retries with a growing wait while the helper is absent, then follows its signals', async () => {
    const { state, connect } = helper(2);
    const { seen, watcher } = recorder();
    const stop = watchHelperSignals(connect, watcher, { retryMs: 100, maxRetryMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['unavailable: helper not installed']);
    await vi.advanceTimersByTimeAsync(100);
    expect(state.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(state.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.attempts).toBe(3);
    expect(seen).toEqual([
      'unavailable: helper not installed',
      'available: Nova’s helper sends libvirt’s changes',
    ]);

    state.listener?.('DomainChanged', { name: 'vm1', event: 'started', state: 'running' });
    state.listener?.('BackendChanged', { backend: 'libvirt', status: 'unavailable', detail: 'x' });
    state.listener?.('NetworkChanged', { name: 'default', event: 'started' });
    expect(seen.slice(2)).toEqual(['domain vm1 started', 'backend libvirt unavailable']);
    stop();
    expect(state.unsubscribed).toBe(1);
    state.listener?.('DomainChanged', { name: 'vm1', event: 'stopped', state: 'stopped' });
    expect(seen).toHaveLength(4);
  });

  it('subscribes again when the bus connection is lost', async () => {
    const { state, connect } = helper(0);
    const { seen, watcher } = recorder();
    const stop = watchHelperSignals(connect, watcher, { retryMs: 100, checkMs: 500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(state.attempts).toBe(1);
    state.lost = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(seen.at(-1)).toBe('unavailable: the connection to the system bus was lost');
    state.lost = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(state.attempts).toBe(2);
    expect(seen.at(-1)).toBe('available: Nova’s helper sends libvirt’s changes');
    stop();
  });

  it('says at once that the helper went away, and subscribes again with a growing wait until it is back', async () => {
    const { state, connect } = helper(0);
    const { seen, watcher } = recorder();
    const stop = watchHelperSignals(connect, watcher, { reviveMs: 100, maxRetryMs: 400 });
    await vi.advanceTimersByTimeAsync(0);
    state.running = false;
    state.owner?.(undefined);
    expect(seen.at(-1)).toBe(`unavailable: ${HELPER_GONE}`);
    await vi.advanceTimersByTimeAsync(100);
    expect(state.renewals).toBe(1);
    expect(seen.at(-1)).toBe(`unavailable: ${HELPER_GONE}`);
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    expect(state.renewals).toBe(4);
    // The wait stops growing at maxRetryMs.
    await vi.advanceTimersByTimeAsync(399);
    expect(state.renewals).toBe(4);
    state.running = true;
    await vi.advanceTimersByTimeAsync(1);
    expect(state.renewals).toBe(5);
    expect(seen.at(-1)).toBe('available: Nova’s helper is back and sends libvirt’s changes');
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.renewals).toBe(5);
    stop();
  });

  it('subscribes to a new helper at once when someone else started it', async () => {
    const { state, connect } = helper(0);
    const { seen, watcher } = recorder();
    const stop = watchHelperSignals(connect, watcher, { reviveMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    state.owner?.(undefined);
    state.owner?.(':1.42');
    await vi.advanceTimersByTimeAsync(0);
    expect(state.renewals).toBe(1);
    expect(seen.slice(-2)).toEqual([
      `unavailable: ${HELPER_GONE}`,
      'available: Nova’s helper is back and sends libvirt’s changes',
    ]);
    // The revival planned when it went away is not made as well.
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.renewals).toBe(1);
    stop();
  });

  it('does not keep a subscription that arrives after stop', async () => {
    const { state, connect } = helper(0);
    const { seen, watcher } = recorder();
    const stop = watchHelperSignals(connect, watcher);
    stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.unsubscribed).toBe(state.attempts);
    expect(seen).toEqual([]);
  });
});
