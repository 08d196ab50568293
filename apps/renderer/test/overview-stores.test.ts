import type { ContainerInstance, Instance, InstanceChange, InstanceFacts } from '@nova/core';
import { describe, expect, it, vi } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';
import { useNotifications } from '../src/shell/notifications.js';
import { createActionsStore, NOTIFY_AFTER_MS } from '../src/stores/overview-actions.js';
import { createFactsStore, idsNeedingFacts, type KnownFacts } from '../src/stores/overview-facts.js';
import { appendLogLines } from '../src/stores/overview-logs.js';

const ct = (name: string, state: Instance['state'], id: string): ContainerInstance => ({
  kind: 'container',
  id: `container/docker/${id}`,
  name,
  state,
  origin: 'external',
  engine: 'docker',
  containerId: id,
  image: 'busybox',
  via: 'direct',
});
const web = ct('web', 'running', 'aaaaaaaaaaaa');
const db = ct('db', 'stopped', 'bbbbbbbbbbbb');

/** A transport whose replies the test settles one by one, by channel and instance id. */
function backend() {
  const calls: { channel: string; input: Record<string, unknown>; settle: (reply: unknown) => void }[] = [];
  const transport: Transport = {
    kind: 'browser',
    call: (channel, input) =>
      new Promise((resolve) => {
        calls.push({ channel, input, settle: resolve });
      }),
    subscribe: () => () => undefined,
  };
  const find = (channel: string, id?: string) => {
    const index = calls.findIndex(
      (call) => call.channel === channel && (id === undefined || call.input['id'] === id),
    );
    const [call] = calls.splice(index, 1);
    if (index < 0 || call === undefined) throw new Error(`no ${channel} call for ${id ?? 'any'}`);
    return call;
  };
  return { calls, find, client: new NovaClient(transport) };
}
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('row actions', () => {
  it('announces a slow action’s failure in the corner (a quick one shows in its row), and a selection’s failures once', async () => {
    useNotifications.setState({ notices: [] });
    const { find, client } = backend();
    const store = createActionsStore(client, () => undefined);
    const refusal = {
      ok: false,
      error: { code: 'not-authorized', message: 'polkit refused dev.nova.container.pause' },
    };
    const quick = store.getState().run(web, 'pause');
    find('instances.action', web.id).settle(refusal);
    await quick;
    expect(store.getState().failures[web.id]?.error.message).toBe('polkit refused dev.nova.container.pause');
    expect(useNotifications.getState().notices).toEqual([]);

    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now);
    try {
      const slow = store.getState().run(web, 'pause');
      clock.mockReturnValue(now + NOTIFY_AFTER_MS);
      find('instances.action', web.id).settle(refusal);
      await slow;
    } finally {
      clock.mockRestore();
    }
    expect(useNotifications.getState().notices).toMatchObject([
      { kind: 'error', title: 'Pause web: failed', detail: 'polkit refused dev.nova.container.pause' },
    ]);

    useNotifications.setState({ notices: [] });
    const stopped = [ct('a', 'stopped', 'cccccccccccc'), ct('b', 'stopped', 'dddddddddddd')];
    const many = store.getState().runMany(stopped, 'start');
    await flush();
    for (const instance of stopped)
      find('instances.action', instance.id).settle({ ok: false, error: { code: 'failed', message: 'no' } });
    await many;
    const notices = useNotifications.getState().notices;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'error', title: 'Start: 2 failed' });
  });

  it('keeps each row’s action and error to itself: one failure does not block another row', async () => {
    const { find, client } = backend();
    const changes: InstanceChange[] = [];
    const store = createActionsStore(client, (change) => changes.push(change));

    const failing = store.getState().run(web, 'pause');
    const succeeding = store.getState().run(db, 'start');
    expect(store.getState().running).toEqual({ [web.id]: 'pause', [db.id]: 'start' });
    // A second action on a busy row is refused, not queued.
    await expect(store.getState().run(web, 'shutdown')).resolves.toBe(false);

    const pause = find('instances.action', web.id);
    expect(pause.input).toEqual({ id: web.id, action: 'pause', foreign: true });
    pause.settle({
      ok: false,
      error: {
        code: 'not-authorized',
        message: 'dev.nova.container.change was refused by polkit',
      },
    });
    await expect(failing).resolves.toBe(false);
    expect(store.getState().failures[web.id]?.error.message).toBe(
      'dev.nova.container.change was refused by polkit',
    );
    expect(store.getState().running[db.id]).toBe('start');

    find('instances.action', db.id).settle({ ok: true, value: { state: 'running' } });
    await expect(succeeding).resolves.toBe(true);
    expect(store.getState().running).toEqual({});
    expect(store.getState().failures[db.id]).toBeUndefined();
    expect(changes).toEqual([{ reason: 'Start: db', instanceId: db.id, name: 'db', state: 'running' }]);

    store.getState().dismiss(web.id);
    expect(store.getState().failures).toEqual({});
  });

  it('runs a selection’s action where it applies and says what it did', async () => {
    const { calls, find, client } = backend();
    const store = createActionsStore(client, () => undefined);
    const done = store.getState().runMany([web, db], 'pause');
    await flush();
    expect(calls.map((call) => call.input['id'])).toEqual([web.id]);
    find('instances.action', web.id).settle({ ok: true, value: { state: 'paused' } });
    await done;
    expect(store.getState().notice).toBe('Pause: 1 of 1 done; 1 skipped (not in a state that allows it).');
  });

  it('sends removeDisks only with a VM’s delete, and reports the removal', async () => {
    const { find, client } = backend();
    const changes: InstanceChange[] = [];
    const store = createActionsStore(client, (change) => changes.push(change));
    const done = store.getState().run(web, 'delete', { removeDisks: true });
    const call = find('instances.action', web.id);
    expect(call.input).toEqual({ id: web.id, action: 'delete', foreign: true });
    call.settle({ ok: true, value: { removed: true } });
    await done;
    expect(changes[0]).toMatchObject({ instanceId: web.id, removed: true });
  });
});

describe('facts', () => {
  const known = (state: Instance['state'], at: number, facts: Partial<InstanceFacts> = {}): KnownFacts => ({
    state,
    at,
    facts: { id: '', addresses: [], networks: [], ...facts },
  });

  it('asks for new rows, rows that changed state, running VMs without an address (later), failed ones (later)', () => {
    const vm: Instance = {
      kind: 'vm',
      id: 'vm/00000000-0000-4000-8000-000000000001',
      name: 'guest',
      state: 'running',
      origin: 'nova',
      uuid: '00000000-0000-4000-8000-000000000001',
      connection: 'qemu:///system',
      vcpus: 1,
      memoryBytes: 1,
    };
    const instances = [web, db, vm, ct('new', 'running', 'cccccccccccc')];
    const map = new Map<string, KnownFacts>([
      [web.id, known('running', 1000)],
      [db.id, known('stopped', 1000)],
      [vm.id, known('running', 1000)],
    ]);
    expect(idsNeedingFacts(instances, map, 2000)).toEqual(['container/docker/cccccccccccc']);
    // The VM's lease may have come since; a running container without an address is on no network.
    expect(idsNeedingFacts(instances, map, 6000)).toEqual([vm.id, 'container/docker/cccccccccccc']);
    map.set(db.id, known('running', 1000, { addresses: ['10.0.0.2'] }));
    expect(idsNeedingFacts([{ ...db, state: 'running' }], map, 60_000)).toEqual([]);
    expect(idsNeedingFacts([{ ...db, state: 'paused' }], map, 1001)).toEqual([db.id]);
    map.set(db.id, known('stopped', 1000, { error: 'engine down' }));
    expect(idsNeedingFacts([db], map, 5000)).toEqual([]);
    expect(idsNeedingFacts([db], map, 17_000)).toEqual([db.id]);
  });

  it('asks once per sync and does not ask again for what it knows', async () => {
    const { calls, find, client } = backend();
    let now = 1000;
    const store = createFactsStore(client, () => now);
    const first = store.getState().sync([web, db]);
    await flush();
    const call = find('instances.facts');
    expect(call.input).toEqual({ ids: [web.id, db.id] });
    call.settle({
      ok: true,
      value: {
        facts: [
          { id: web.id, addresses: ['172.17.0.2'], networks: ['bridge'] },
          { id: db.id, addresses: [], networks: [] },
        ],
      },
    });
    await first;
    expect(store.getState().facts[web.id]?.addresses).toEqual(['172.17.0.2']);
    now = 2000;
    await store.getState().sync([web, db]);
    expect(calls).toHaveLength(0);
  });
});

describe('log lines', () => {
  it('keeps the newest lines within the bound and marks dropped ones', () => {
    const line = (text: string) => ({ stream: 'stdout' as const, text });
    const lines = appendLogLines([line('a'), line('b')], { entries: [line('c'), line('d')] }, 3);
    expect(lines.map((entry) => entry.text)).toEqual(['b', 'c', 'd']);
    const gap = appendLogLines([], { entries: [line('x')], dropped: 7 });
    expect(gap.map((entry) => entry.text)).toEqual(['(7 lines left out: they came too fast)', 'x']);
  });
});
