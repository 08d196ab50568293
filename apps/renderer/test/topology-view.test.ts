import type { TopologyGraph } from '@nova/core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';
import { edgeTraffic, formatRate } from '../src/features/topology/edge-traffic.js';
import {
  kindWord,
  layoutFor,
  layoutPositions,
  networkRows,
  NODE_HEIGHT,
  NODE_WIDTH,
  nodeHref,
  originBadge,
} from '../src/features/topology/topology-model.js';
import { NetworkTable } from '../src/features/topology/TopologyPage.js';
import { createTopologyStore, patchInstance } from '../src/stores/topology.js';

const VM = 'vm/11111111-2222-3333-4444-555555555555';
const CT = 'container/docker/c1';
const graph: TopologyGraph = {
  nodes: [
    { id: VM, kind: 'vm', label: 'web1', name: 'web1', state: 'running', origin: 'nova' },
    {
      id: CT,
      kind: 'container',
      label: 'db',
      name: 'db',
      engine: 'docker',
      state: 'stopped',
      origin: 'external',
      image: 'busybox',
    },
    {
      id: 'container/podman/lonely',
      kind: 'container',
      label: 'lonely',
      name: 'lonely',
      engine: 'podman',
      state: 'running',
      origin: 'external',
      image: 'busybox',
    },
    {
      id: 'network/libvirt/default',
      kind: 'libvirt-network',
      label: 'default',
      name: 'default',
      active: true,
      bridge: 'virbr0',
      origin: 'external',
    },
    {
      id: 'network/docker/appnet',
      kind: 'engine-network',
      label: 'appnet',
      engine: 'docker',
      name: 'appnet',
      networkId: 'abc',
      driver: 'bridge',
      internal: false,
      subnets: [],
      origin: 'system',
    },
    {
      id: 'bridge/virbr0',
      kind: 'bridge',
      label: 'virbr0',
      name: 'virbr0',
      state: 'up',
      origin: 'libvirt',
      addresses: [],
    },
    {
      id: 'interface/eth0',
      kind: 'interface',
      label: 'eth0',
      name: 'eth0',
      interfaceKind: 'device',
      state: 'UP',
      addresses: [],
    },
  ],
  edges: [
    { id: `nic:${VM}->network/libvirt/default`, kind: 'nic', source: VM, target: 'network/libvirt/default' },
    {
      id: `member:${CT}->network/docker/appnet`,
      kind: 'member',
      source: CT,
      target: 'network/docker/appnet',
    },
    {
      id: 'bridge:network/libvirt/default->bridge/virbr0',
      kind: 'bridge',
      source: 'network/libvirt/default',
      target: 'bridge/virbr0',
    },
    {
      id: 'port:bridge/virbr0->interface/eth0',
      kind: 'port',
      source: 'bridge/virbr0',
      target: 'interface/eth0',
      uplink: true,
    },
  ],
  problems: [],
  builtAt: 1,
};

describe('what a node says and where it leads', () => {
  it('leads an instance to the overview and a network to the networks page, selecting it', () => {
    const node = (id: string) => graph.nodes.find((candidate) => candidate.id === id);
    const vm = node(VM);
    const network = node('network/libvirt/default');
    if (vm === undefined || network === undefined) throw new Error('fixture');
    expect(decodeURIComponent(nodeHref(vm))).toBe(`#/overview?select=${VM}`);
    expect(decodeURIComponent(nodeHref(network))).toBe('#/networks?select=network/libvirt/default');
    expect(originBadge(network).badge).toBe('Other');
    const appnet = node('network/docker/appnet');
    if (appnet === undefined) throw new Error('fixture');
    expect(originBadge(appnet).badge).toBe('System');
    expect(kindWord(appnet)).toBe('Docker network');
  });

  it('lists each network with its members and what it is on', () => {
    const { rows, unattached } = networkRows(graph);
    const row = (id: string) => rows.find((candidate) => candidate.node.id === id);
    expect(row('network/libvirt/default')?.members.map((member) => member.id)).toEqual([VM]);
    expect(row('network/libvirt/default')?.on.map((entry) => entry.node.id)).toEqual(['bridge/virbr0']);
    expect(row('bridge/virbr0')?.on.map((entry) => [entry.node.id, entry.uplink])).toEqual([
      ['interface/eth0', true],
    ]);
    expect(row('network/docker/appnet')?.members.map((member) => member.id)).toEqual([CT]);
    expect(unattached.map((node) => node.id)).toEqual(['container/podman/lonely']);
    const html = renderToStaticMarkup(createElement(NetworkTable, { graph }));
    expect(html).toContain('aria-label="Networks and their members"');
    expect(html).toContain(`href="#/overview?select=${encodeURIComponent(VM)}"`);
    expect(html).toContain('(uplink)');
  });

  it('lays instances out left of their networks, and networks left of their bridges', () => {
    const positions = layoutPositions(graph);
    const x = (id: string) => positions.get(id)?.x ?? Number.NaN;
    expect(positions.size).toBe(graph.nodes.length);
    expect(x(VM) + NODE_WIDTH).toBeLessThan(x('network/libvirt/default'));
    expect(x('network/libvirt/default') + NODE_WIDTH).toBeLessThan(x('bridge/virbr0'));
    expect(x('bridge/virbr0') + NODE_WIDTH).toBeLessThan(x('interface/eth0'));
  });
});

describe('the layout of a large graph', () => {
  function big(vms: number): TopologyGraph {
    const nodes: TopologyGraph['nodes'] = [];
    const edges: TopologyGraph['edges'] = [];
    for (let n = 0; n < 10; n++) {
      const id = `network/libvirt/n${String(n)}`;
      nodes.push({
        id,
        kind: 'libvirt-network',
        label: `n${String(n)}`,
        name: `n${String(n)}`,
        active: true,
        origin: 'nova',
      });
    }
    for (let i = 0; i < vms; i++) {
      const id = `vm/${String(i)}`;
      nodes.push({
        id,
        kind: 'vm',
        label: `vm${String(i)}`,
        name: `vm${String(i)}`,
        state: 'running',
        origin: 'nova',
      });
      const target = `network/libvirt/n${String(i % 10)}`;
      edges.push({ id: `nic:${id}->${target}`, kind: 'nic', source: id, target });
    }
    return { nodes, edges, problems: [], builtAt: 0 };
  }

  it('places 1000 VMs in columns, without overlaps, each network level with its VMs', () => {
    const graph1000 = big(1000);
    const positions = layoutPositions(graph1000);
    expect(positions.size).toBe(1010);
    const x = (id: string) => positions.get(id)?.x ?? Number.NaN;
    expect(x('vm/0') + NODE_WIDTH).toBeLessThan(x('network/libvirt/n0'));
    const columnYs = (prefix: string) =>
      [...positions]
        .filter(([id]) => id.startsWith(prefix))
        .map(([, at]) => at.y)
        .sort((a, b) => a - b);
    for (const prefix of ['vm/', 'network/']) {
      const ys = columnYs(prefix);
      for (let i = 1; i < ys.length; i++)
        expect((ys[i] ?? 0) - (ys[i - 1] ?? 0)).toBeGreaterThanOrEqual(NODE_HEIGHT);
    }
    // n3's VMs are 3, 13, 23…: grouped together, with n3 beside the middle of the group.
    const n3 = graph1000.edges
      .filter((edge) => edge.target === 'network/libvirt/n3')
      .map((edge) => positions.get(edge.source)?.y ?? 0);
    const middle = n3.reduce((sum, at) => sum + at, 0) / n3.length;
    expect(Math.abs((positions.get('network/libvirt/n3')?.y ?? 0) - middle)).toBeLessThan(NODE_HEIGHT);
    expect(Math.max(...n3) - Math.min(...n3)).toBe(99 * (NODE_HEIGHT + 16));
  });

  it('keeps every node where it was when only a state changed', () => {
    const before = layoutFor(graph);
    const paused = patchInstance(graph, { reason: 'paused', instanceId: VM, state: 'paused' });
    expect(layoutFor(paused)).toBe(before);
    const removed = patchInstance(graph, { reason: 'gone', instanceId: CT, removed: true });
    expect(layoutFor(removed)).not.toBe(before);
  });
});

describe('patchInstance', () => {
  it('changes the state of the instance a change names', () => {
    const next = patchInstance(graph, { reason: 'libvirt: web1 paused', instanceId: VM, state: 'paused' });
    expect(next.nodes.find((node) => node.id === VM)).toMatchObject({ state: 'paused' });
    expect(graph.nodes.find((node) => node.id === VM)).toMatchObject({ state: 'running' });
  });

  it('drops a removed instance with its lines', () => {
    const next = patchInstance(graph, { reason: 'docker: db removed', instanceId: CT, removed: true });
    expect(next.nodes.some((node) => node.id === CT)).toBe(false);
    expect(next.edges.some((edge) => edge.source === CT)).toBe(false);
    expect(next.edges).toHaveLength(graph.edges.length - 1);
  });

  it('leaves the graph as it is for a change that names nothing in it', () => {
    expect(patchInstance(graph, { reason: 'docker is back', source: 'docker', live: true })).toBe(graph);
  });
});

describe('the topology store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('patches a pushed change at once and fetches again once for a burst of changes', async () => {
    let calls = 0;
    let listener: ((event: string, payload: unknown) => void) | undefined;
    const transport: Transport = {
      kind: 'browser',
      call: (channel) => {
        expect(channel).toBe('topology.get');
        calls++;
        return Promise.resolve({ ok: true, value: graph });
      },
      subscribe: (subscriber) => {
        listener = subscriber;
        return () => undefined;
      },
    };
    const store = createTopologyStore(new NovaClient(transport), { debounceMs: 100, maxWaitMs: 1000 });
    const stop = store.getState().listen();
    await store.getState().refresh();
    expect(calls).toBe(1);
    for (let i = 0; i < 5; i++)
      listener?.('instances.changed', { reason: 'libvirt: web1 paused', instanceId: VM, state: 'paused' });
    expect(store.getState().graph?.nodes.find((node) => node.id === VM)).toMatchObject({ state: 'paused' });
    expect(calls).toBe(1);
    // Fetches after pushed changes are quiet: no "Loading…" for a screen reader to announce each time.
    const loadingSeen: boolean[] = [];
    const unwatch = store.subscribe((state) => loadingSeen.push(state.loading));
    await vi.advanceTimersByTimeAsync(150);
    unwatch();
    expect(loadingSeen).not.toContain(true);
    expect(calls).toBe(2);
    // The fetched graph (running) replaces the patch.
    expect(store.getState().graph?.nodes.find((node) => node.id === VM)).toMatchObject({ state: 'running' });
    stop();
  });
});

describe('traffic on edges', () => {
  it('labels the one edge of an instance with its network rates, and leaves the rest alone', () => {
    const traffic = edgeTraffic(
      graph,
      new Map([
        [VM, { t: 1, netRxBps: 1_500, netTxBps: 20 }],
        [CT, { t: 1, cpuPercent: 3 }],
      ]),
    );
    expect([...traffic]).toEqual([
      [`nic:${VM}->network/libvirt/default`, { label: '↓ 1.5 kB/s ↑ 20 B/s', busy: true }],
    ]);
    expect(formatRate(12_345_678)).toBe('12 MB/s');
  });

  it('does not guess which of an instance’s several edges carries its traffic', () => {
    const twoNics: TopologyGraph = {
      ...graph,
      edges: [
        ...graph.edges,
        { id: `nic:${VM}->bridge/virbr0`, kind: 'nic', source: VM, target: 'bridge/virbr0' },
      ],
    };
    expect(edgeTraffic(twoNics, new Map([[VM, { t: 1, netRxBps: 1_500, netTxBps: 20 }]])).size).toBe(0);
  });
});
