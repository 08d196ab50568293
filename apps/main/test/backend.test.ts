import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { EventName, EventPayload, Instance, InstanceChange, ListOptions } from '@nova/core';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';

import { type BackendServices, createBackend } from '../src/backend/backend.js';
import { startBrowserServer } from '../src/browser/server.js';

// Services double: this file tests when the backend follows changes and what it publishes.
function services() {
  const state = {
    watching: 0,
    started: 0,
    lists: 0,
    closed: false,
    emit: undefined as ((change: InstanceChange) => void) | undefined,
    instances: [] as Instance[],
    options: undefined as ListOptions | undefined,
  };
  const double = {
    instances: {
      list: (options?: ListOptions) => {
        state.lists++;
        state.options = options;
        return Promise.resolve({ instances: state.instances, sources: [] });
      },
    } as unknown as BackendServices['instances'],
    version: () => Promise.resolve({ nova: '0.1.0', node: 'v20', components: [] }),
    watchInstances: (listener) => {
      state.watching++;
      state.started++;
      state.emit = listener;
      return () => {
        state.watching--;
        state.emit = undefined;
      };
    },
    close: () => {
      state.closed = true;
    },
  } satisfies Partial<BackendServices> as unknown as BackendServices;
  return { state, double };
}

type Seen = [EventName, EventPayload<EventName>];

describe('the backend’s list of instances', () => {
  it('answers from its last list while it follows every change, and lists again after a change', async () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    await backend.dispatch('instances.list', {});
    await backend.dispatch('instances.list', {});
    // Nobody listens, so nothing is followed: each call lists.
    expect(state.lists).toBe(2);
    const leave = backend.subscribe(() => undefined);
    await backend.dispatch('instances.list', {});
    await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(3);
    state.emit?.({ reason: 'docker: web stopped' });
    await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(4);
    leave();
    await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(5);
  });

  it('patches a change of state only (a pause) into its last list instead of listing again', async () => {
    const { state, double } = services();
    const vm = (n: number): Instance => ({
      kind: 'vm',
      id: `vm/0000000${String(n)}-0000-4000-8000-000000000000`,
      uuid: `0000000${String(n)}-0000-4000-8000-000000000000`,
      name: `vm${String(n)}`,
      state: 'running',
      origin: 'external',
      connection: 'qemu:///system',
      vcpus: 1,
      memoryBytes: 1024,
    });
    state.instances = [vm(1), vm(2)];
    const backend = createBackend(double, { lingerMs: 0 });
    const leave = backend.subscribe(() => undefined);
    await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(1);
    state.emit?.({
      reason: 'libvirt: b paused',
      source: 'libvirt',
      instanceId: vm(2).id,
      state: 'paused',
      stateOnly: true,
    });
    const after = await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(1);
    expect(after.ok && (after.value as { instances: Instance[] }).instances.map((i) => i.state)).toEqual([
      'running',
      'paused',
    ]);
    // A start may bring addresses: that change is listed again, from its source only.
    state.emit?.({ reason: 'libvirt: b resumed', source: 'libvirt', instanceId: vm(2).id, state: 'running' });
    await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(2);
    expect(state.options?.reuse?.changed).toEqual(new Set(['libvirt']));
    expect(state.options?.reuse?.list.instances.map((i) => i.state)).toEqual(['running', 'paused']);
    // A change that names no source drops the list: everything is asked again.
    state.emit?.({ reason: 'something changed' });
    await backend.dispatch('instances.list', {});
    expect(state.lists).toBe(3);
    expect(state.options?.reuse).toBeUndefined();
    leave();
  });

  it('keeps following for a while after the last window left, so that a reload lists at once', async () => {
    vi.useFakeTimers();
    try {
      const { state, double } = services();
      const backend = createBackend(double, { lingerMs: 30_000 });
      const leave = backend.subscribe(() => undefined);
      await backend.dispatch('instances.list', {});
      leave();
      vi.advanceTimersByTime(29_000);
      expect(state.watching).toBe(1);
      // A reload within that time: no new watch, no new list.
      const again = backend.subscribe(() => undefined);
      await backend.dispatch('instances.list', {});
      expect(state.started).toBe(1);
      expect(state.lists).toBe(1);
      again();
      vi.advanceTimersByTime(30_000);
      expect(state.watching).toBe(0);
      await backend.dispatch('instances.list', {});
      expect(state.lists).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads the list again by itself after a burst of changes, so that the next page finds it ready', async () => {
    vi.useFakeTimers();
    try {
      const { state, double } = services();
      const backend = createBackend(double, { lingerMs: 30_000 });
      const leave = backend.subscribe(() => undefined);
      await backend.dispatch('instances.list', {});
      leave();
      state.emit?.({ reason: 'docker: web started', source: 'docker' });
      state.emit?.({ reason: 'docker: db started', source: 'docker' });
      expect(state.lists).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(state.lists).toBe(2);
      expect(state.options?.reuse?.changed).toEqual(new Set(['docker']));
      // Read after the changes: the next page is answered without a listing.
      const again = backend.subscribe(() => undefined);
      await backend.dispatch('instances.list', {});
      expect(state.lists).toBe(2);
      again();
      backend.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('warms up at start: follows and lists before any window, so that the first one lists at once', async () => {
    vi.useFakeTimers();
    try {
      const { state, double } = services();
      const backend = createBackend(double, { lingerMs: 30_000 });
      backend.warm(60_000);
      expect(state.watching).toBe(1);
      expect(state.lists).toBe(1);
      await vi.advanceTimersByTimeAsync(59_000);
      const window = backend.subscribe(() => undefined);
      await backend.dispatch('instances.list', {});
      expect(state).toMatchObject({ started: 1, lists: 1 });
      window();
      // Nobody came: warming stops when its time is up.
      const quiet = services();
      const cold = createBackend(quiet.double, { lingerMs: 30_000 });
      cold.warm(60_000);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(quiet.state.watching).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the backend’s event stream', () => {
  it('follows changes only while someone listens: from the first subscriber to the last', () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    expect(state.watching).toBe(0);
    const first = backend.subscribe(() => undefined);
    const second = backend.subscribe(() => undefined);
    expect(state.watching).toBe(1);
    first();
    expect(state.watching).toBe(1);
    second();
    expect(state.watching).toBe(0);
    // Leaving twice does not stop what a later subscriber started.
    const third = backend.subscribe(() => undefined);
    second();
    expect(state.watching).toBe(1);
    expect(state.started).toBe(2);
    third();
    expect(state.watching).toBe(0);
  });

  it('publishes each change as instances.changed to every listener', () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    const a: Seen[] = [];
    const b: Seen[] = [];
    backend.subscribe((event, payload) => a.push([event, payload]));
    backend.subscribe((event, payload) => b.push([event, payload]));
    const change: InstanceChange = {
      reason: 'docker: web stopped',
      source: 'docker',
      instanceId: 'container/docker/abc',
      name: 'web',
      state: 'stopped',
    };
    state.emit?.(change);
    expect(a).toEqual([['instances.changed', change]]);
    expect(b).toEqual(a);
  });

  it('sends only what the contract declares, and nothing that breaks it', () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    const seen: Seen[] = [];
    backend.subscribe((event, payload) => seen.push([event, payload]));
    state.emit?.({ reason: 'libvirt: reachable', secret: 'x' } as InstanceChange);
    state.emit?.({ reason: 'odd', state: 'exploded' } as unknown as InstanceChange);
    expect(seen).toEqual([['instances.changed', { reason: 'libvirt: reachable' }]]);
  });

  it('tells a late subscriber whether each source is followed live, with the latest word only', () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    backend.subscribe(() => undefined);
    state.emit?.({ reason: 'docker: unavailable (gone)', source: 'docker', live: false });
    state.emit?.({ reason: 'docker: reachable', source: 'docker', live: true });
    state.emit?.({ reason: 'libvirt: reachable', source: 'libvirt', live: true });
    state.emit?.({ reason: 'docker: web stopped', source: 'docker', instanceId: 'container/docker/abc' });
    const late: Seen[] = [];
    backend.subscribe((event, payload) => late.push([event, payload]));
    expect(late).toEqual([
      ['instances.changed', { reason: 'docker: reachable', source: 'docker', live: true }],
      ['instances.changed', { reason: 'libvirt: reachable', source: 'libvirt', live: true }],
    ]);
  });

  it('keeps delivering to the others when one listener throws', () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    const seen: Seen[] = [];
    backend.subscribe(() => {
      throw new Error('socket gone');
    });
    backend.subscribe((event, payload) => seen.push([event, payload]));
    state.emit?.({ reason: 'podman: db started' });
    expect(seen).toHaveLength(1);
  });

  it('stops following on close', () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    backend.subscribe(() => undefined);
    backend.close();
    expect(state.watching).toBe(0);
    expect(state.closed).toBe(true);
  });
});

describe('browser mode’s event socket', () => {
  it('starts following changes when a page connects, pushes them, and stops when the last page leaves', async () => {
    const { state, double } = services();
    const backend = createBackend(double, { lingerMs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'nova-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Nova</title>');
    const server = await startBrowserServer({ backend, staticDir: dir });
    const open = async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, {
        headers: { Origin: server.origin, Cookie: `nova_token_${server.port}=${server.token}` },
      });
      await new Promise((resolve, reject) => {
        ws.on('open', resolve);
        ws.on('error', reject);
      });
      return ws;
    };
    try {
      expect(state.watching).toBe(0);
      const first = await open();
      const second = await open();
      await expect.poll(() => state.watching).toBe(1);
      const received = new Promise<string>((resolve) =>
        first.once('message', (data: Buffer) => {
          resolve(data.toString());
        }),
      );
      state.emit?.({ reason: 'docker: web stopped', instanceId: 'container/docker/abc', state: 'stopped' });
      expect(JSON.parse(await received)).toEqual({
        event: 'instances.changed',
        payload: { reason: 'docker: web stopped', instanceId: 'container/docker/abc', state: 'stopped' },
      });
      // The first page leaves (its close handshake done): the second still gets what changes.
      await new Promise((resolve) => {
        first.once('close', resolve);
        first.close();
      });
      const stillReceived = new Promise<string>((resolve) =>
        second.once('message', (data: Buffer) => {
          resolve(data.toString());
        }),
      );
      state.emit?.({ reason: 'docker: web started', instanceId: 'container/docker/abc', state: 'running' });
      expect(JSON.parse(await stillReceived)).toMatchObject({ event: 'instances.changed' });
      expect(state.watching).toBe(1);
      second.close();
      await expect.poll(() => state.watching).toBe(0);
    } finally {
      await server.close();
      backend.close();
    }
  });
});
