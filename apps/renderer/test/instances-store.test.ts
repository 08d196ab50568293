import type { ContainerInstance, Instance, InstanceList } from '@nova/core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';
import { Sources } from '../src/features/overview/OverviewPage.js';
import { createInstancesStore } from '../src/stores/instances.js';

// A transport double: lists come from a queue the test controls, events are pushed by the test.
function backend() {
  const state = {
    calls: 0,
    pending: [] as ((list: InstanceList) => void)[],
    listener: undefined as ((event: string, payload: unknown) => void) | undefined,
    unsubscribed: false,
  };
  const transport: Transport = {
    kind: 'browser',
    call: () => {
      state.calls++;
      return new Promise((resolve) => {
        state.pending.push((list) => {
          resolve({ ok: true, value: list });
        });
      });
    },
    subscribe: (listener) => {
      state.listener = listener;
      return () => {
        state.unsubscribed = true;
      };
    },
  };
  /** Answers the oldest listing still waiting. */
  const answer = async (list: InstanceList) => {
    const next = state.pending.shift();
    if (next === undefined) throw new Error('no listing is waiting');
    next(list);
    await vi.advanceTimersByTimeAsync(0);
  };
  const push = (payload: unknown) => state.listener?.('instances.changed', payload);
  return { state, client: new NovaClient(transport), answer, push };
}

const web = (state: Instance['state']): ContainerInstance => ({
  kind: 'container',
  id: 'container/docker/abc',
  name: 'web',
  state,
  origin: 'external',
  engine: 'docker',
  containerId: 'abc',
  image: 'busybox',
  via: 'direct',
});
const db: ContainerInstance = { ...web('running'), id: 'container/podman/def', name: 'db', engine: 'podman' };
const list = (...instances: Instance[]): InstanceList => ({ instances, sources: [] });
const stopped = {
  reason: 'docker: web stopped',
  source: 'docker',
  instanceId: 'container/docker/abc',
  name: 'web',
  state: 'stopped',
};

describe('the instances store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('patches the row a change names at once, then lists again once for a burst of changes', async () => {
    const { state, client, answer, push } = backend();
    const store = createInstancesStore(client, { debounceMs: 150 });
    store.getState().listen();
    const first = store.getState().refresh();
    await answer(list(web('running'), db));
    await first;
    expect(state.calls).toBe(1);

    push(stopped);
    expect(store.getState().instances.map((i) => [i.name, i.state])).toEqual([
      ['web', 'stopped'],
      ['db', 'running'],
    ]);
    expect(store.getState().lastChange).toBe('docker: web stopped');
    push({ reason: 'docker: reachable', source: 'docker' });
    await vi.advanceTimersByTimeAsync(149);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(2);
    // A pushed listing does not turn the Refresh button into "Refreshing…".
    expect(store.getState().loading).toBe(false);
    await answer(list(web('stopped'), db));
    expect(store.getState().instances.map((i) => i.state)).toEqual(['stopped', 'running']);
  });

  it('patches a pause or a resume (a change of state only) and does not list again for it', async () => {
    const { state, client, answer, push } = backend();
    const store = createInstancesStore(client, { debounceMs: 150 });
    store.getState().listen();
    const first = store.getState().refresh();
    await answer(list(web('running'), db));
    await first;
    push({ ...stopped, reason: 'docker: web paused', state: 'paused', stateOnly: true });
    expect(store.getState().instances.map((i) => i.state)).toEqual(['paused', 'running']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(state.calls).toBe(1);
    // The same change without the mark lists again.
    push({ ...stopped, reason: 'docker: web resumed', state: 'running' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(state.calls).toBe(2);
  });

  it('load joins the listing under way (the app’s first), and lists when none runs', async () => {
    const { state, client, answer } = backend();
    const store = createInstancesStore(client);
    const atStart = store.getState().load();
    const pageOpened = store.getState().load();
    expect(state.calls).toBe(1);
    expect(store.getState().loading).toBe(true);
    await answer(list(web('running')));
    await Promise.all([atStart, pageOpened]);
    expect(state.calls).toBe(1);
    expect(store.getState().loading).toBe(false);
    // Opening the page again later lists again.
    const later = store.getState().load();
    expect(state.calls).toBe(2);
    await answer(list(web('running')));
    await later;
  });

  it('drops a removed row at once', async () => {
    const { client, answer, push } = backend();
    const store = createInstancesStore(client);
    store.getState().listen();
    const first = store.getState().refresh();
    await answer(list(web('running'), db));
    await first;
    push({ reason: 'docker: web removed', instanceId: 'container/docker/abc', removed: true });
    expect(store.getState().instances.map((i) => i.name)).toEqual(['db']);
  });

  it('ignores events that break the contract', async () => {
    const { state, client, answer, push } = backend();
    const store = createInstancesStore(client);
    store.getState().listen();
    const first = store.getState().refresh();
    await answer(list(web('running')));
    await first;
    push({ reason: 'docker: web stopped', instanceId: 'container/docker/abc', state: 'exploded' });
    push({ instanceId: 'container/docker/abc', state: 'stopped' });
    await vi.runAllTimersAsync();
    expect(store.getState().instances[0]?.state).toBe('running');
    expect(state.calls).toBe(1);
  });

  it('keeps a change that arrived while a listing ran, and lists once more after it', async () => {
    const { state, client, answer, push } = backend();
    const store = createInstancesStore(client, { debounceMs: 100 });
    store.getState().listen();
    const first = store.getState().refresh();
    await answer(list(web('running')));
    await first;

    // A Refresh is under way when the stop is pushed: its answer was taken before the stop.
    const clicked = store.getState().refresh();
    expect(store.getState().loading).toBe(true);
    push(stopped);
    await vi.advanceTimersByTimeAsync(100);
    await answer(list(web('running')));
    expect(store.getState().instances[0]?.state).toBe('stopped');
    // The pushed change asked for another listing: it follows the one under way.
    expect(state.calls).toBe(3);
    await answer(list(web('stopped')));
    await clicked;
    expect(store.getState().instances[0]?.state).toBe('stopped');
    expect(store.getState().loading).toBe(false);
  });

  it('lists at least once a second while changes keep coming', async () => {
    const { state, client, push } = backend();
    const store = createInstancesStore(client, { debounceMs: 150, maxWaitMs: 1000 });
    store.getState().listen();
    for (let i = 0; i < 20; i++) {
      push({ reason: 'docker: web restarted' });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(state.calls).toBeGreaterThanOrEqual(1);
  });

  it('stops following when asked', () => {
    const { state, client } = backend();
    const store = createInstancesStore(client);
    const stop = store.getState().listen();
    stop();
    expect(state.unsubscribed).toBe(true);
  });
});

describe('the sources strip', () => {
  it('lists every source in an “Engines” list: reachable, unavailable with the reason, not running', () => {
    const html = renderToStaticMarkup(
      createElement(Sources, {
        sources: [
          { id: 'libvirt', status: 'ok', endpoint: 'qemu:///system', via: 'helper', count: 2 },
          { id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' },
          { id: 'docker', status: 'ok', endpoint: 'unix:///var/run/docker.sock', via: 'direct', count: 1 },
          {
            id: 'podman',
            status: 'unavailable',
            endpoint: 'unix:///run/podman/podman.sock',
            error: { code: 'backend-unavailable', message: 'podman does not answer', detail: 'Start it.' },
          },
        ],
      }),
    );
    const strip = /<ul class="sources" aria-label="Engines">(.*?)<\/ul>/.exec(html)?.[1] ?? '';
    const items = [...strip.matchAll(/<li[^>]*>(.*?)<\/li>/g)].map((m) =>
      (m[1] ?? '').replace(/<[^>]+>/g, ' '),
    );
    expect(items.map((text) => text.replace(/\s+/g, ' ').trim())).toEqual([
      'libvirt Reachable 2 VMs via Nova’s helper',
      'Bolt Not running nothing at tcp://127.0.0.1:2375',
      'Docker Reachable 1 container',
      'Podman Unavailable podman does not answer Start it.',
    ]);
  });
});
