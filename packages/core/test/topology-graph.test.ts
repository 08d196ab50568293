import { describe, expect, it } from 'vitest';

import type { EngineNetworkSummary } from '../src/contract/container-types.js';
import { TopologyGraph } from '../src/contract/features/topology.js';
import type { HelperInput, HelperMethodName, HelperOutput } from '../src/contract/helper/index.js';
import type { HostBridgeSummary, HostInterface, NetworkSummary } from '../src/contract/helper-types.js';
import type { Instance, InstanceList } from '../src/model/instance.js';
import { gatherTopology, VmNicCache } from '../src/topology/topology-gather.js';
import {
  buildTopologyGraph,
  engineNetworkBridgeNames,
  parseDomainNics,
  type TopologyFacts,
  type VmNic,
} from '../src/topology/topology-graph.js';

// Fixtures in the shapes the helper and the engines answer with: this file tests the joining alone.
const UUID_A = '11111111-2222-3333-4444-555555555555';
const UUID_B = '66666666-7777-8888-9999-000000000000';
const DOCKER_NET_ID = 'abcdef0123456789abcdef0123456789';

const link = (name: string, kind: string, extra: Partial<HostInterface> = {}): HostInterface => ({
  name,
  kind,
  state: 'up',
  addresses: [],
  ...extra,
});
const hostInterfaces: HostInterface[] = [
  link('lo', 'loopback'),
  link('eth0', 'device', { master: 'br0' }),
  link('br0', 'bridge', { origin: 'nova', members: ['eth0', 'vnet1'], addresses: ['192.0.2.10/24'] }),
  link('virbr0', 'bridge', { origin: 'libvirt', members: ['vnet0'], addresses: ['192.168.122.1/24'] }),
  link('vnet0', 'tun', { master: 'virbr0' }),
  link('vnet1', 'tun', { master: 'br0' }),
  link('docker0', 'bridge', { origin: 'docker' }),
  link(`br-${DOCKER_NET_ID.slice(0, 12)}`, 'bridge', { origin: 'docker' }),
  link('veth123', 'veth', { master: `br-${DOCKER_NET_ID.slice(0, 12)}` }),
];
const hostBridges: HostBridgeSummary[] = [
  { name: 'br0', state: 'up', members: ['eth0', 'vnet1'], origin: 'nova', project: 'lab', uplink: 'eth0' },
  { name: 'virbr0', state: 'up', members: ['vnet0'], origin: 'libvirt' },
  { name: 'docker0', state: 'down', members: [], origin: 'docker' },
  { name: `br-${DOCKER_NET_ID.slice(0, 12)}`, state: 'up', members: ['veth123'], origin: 'docker' },
];
const libvirtNetworks: NetworkSummary[] = [
  {
    name: 'default',
    uuid: UUID_B,
    active: true,
    autostart: true,
    forwardMode: 'nat',
    bridge: 'virbr0',
    address: '192.168.122.1',
    prefix: 24,
    origin: 'external',
  },
];
const vm = (name: string, uuid: string): Instance => ({
  kind: 'vm',
  id: `vm/${uuid}`,
  name,
  state: 'running',
  origin: 'external',
  uuid,
  connection: 'qemu:///system',
  vcpus: 1,
  memoryBytes: 128 * 1024 * 1024,
});
const container = (name: string, id: string, extra: Partial<Instance> = {}): Instance =>
  ({
    kind: 'container',
    id: `container/docker/${id}`,
    name,
    state: 'running',
    origin: 'nova',
    engine: 'docker',
    containerId: id,
    image: 'busybox',
    via: 'direct',
    ...extra,
  }) as Instance;
const engineNetworks: EngineNetworkSummary[] = [
  {
    engine: 'docker',
    id: DOCKER_NET_ID,
    name: 'appnet',
    driver: 'bridge',
    internal: false,
    subnets: [{ subnet: '172.20.0.0/16' }],
    origin: 'nova',
    project: 'lab',
    containers: ['web', 'db', 'gone'],
  },
  {
    engine: 'docker',
    id: 'f'.repeat(32),
    name: 'bridge',
    driver: 'bridge',
    internal: false,
    subnets: [],
    origin: 'system',
    containers: [],
  },
];

const VM_XML_NETWORK = `<domain type='qemu'><name>on-default</name><devices>
  <interface type='network'><mac address='52:54:00:AA:BB:01'/><source network='default' bridge='virbr0'/>
  <target dev='vnet0'/><model type='virtio'/></interface></devices></domain>`;
const VM_XML_BRIDGE = `<domain type='qemu'><name>on-br0</name><devices>
  <interface type='bridge'><mac address='52:54:00:aa:bb:02'/><source bridge='br0'/></interface>
  <interface type='user'><mac address='52:54:00:aa:bb:03'/></interface></devices></domain>`;

function facts(overrides: Partial<TopologyFacts> = {}): TopologyFacts {
  return {
    hostInterfaces,
    hostBridges,
    libvirtNetworks,
    instances: [
      vm('on-default', UUID_A),
      vm('on-br0', UUID_B),
      container('web', 'c1'),
      container('db', 'c2', { state: 'stopped' }),
    ],
    vmNics: new Map<string, VmNic[]>([
      [`vm/${UUID_A}`, parseDomainNics(VM_XML_NETWORK)],
      [`vm/${UUID_B}`, parseDomainNics(VM_XML_BRIDGE)],
    ]),
    engineNetworks,
    problems: [],
    ...overrides,
  };
}

const edgeIds = (graph: TopologyGraph) => graph.edges.map((edge) => edge.id);

describe('parseDomainNics', () => {
  it('reads each interface’s type, network, bridge and MAC (lower case)', () => {
    expect(parseDomainNics(VM_XML_NETWORK)).toEqual([
      { type: 'network', network: 'default', bridge: 'virbr0', mac: '52:54:00:aa:bb:01' },
    ]);
    expect(parseDomainNics(VM_XML_BRIDGE)).toEqual([
      { type: 'bridge', bridge: 'br0', mac: '52:54:00:aa:bb:02' },
      { type: 'user', mac: '52:54:00:aa:bb:03' },
    ]);
    expect(parseDomainNics('<domain><name>x</name><devices/></domain>')).toEqual([]);
  });
});

describe('engineNetworkBridgeNames', () => {
  const network = (engine: 'docker' | 'podman', name: string, driver = 'bridge'): EngineNetworkSummary => ({
    engine,
    id: DOCKER_NET_ID,
    name,
    driver,
    internal: false,
    subnets: [],
    origin: 'system',
    containers: [],
  });
  it('names the bridges the engines make for their networks', () => {
    expect(engineNetworkBridgeNames(network('docker', 'bridge'))).toEqual(['docker0']);
    expect(engineNetworkBridgeNames(network('docker', 'appnet'))).toEqual(['br-abcdef012345']);
    expect(engineNetworkBridgeNames(network('docker', 'host', 'host'))).toEqual([]);
    // Podman's Docker-compatible API calls its default network `bridge`.
    expect(engineNetworkBridgeNames(network('podman', 'bridge'))).toEqual(['podman0', 'cni-podman0']);
    expect(engineNetworkBridgeNames(network('podman', 'other'))).toEqual([]);
  });
});

describe('buildTopologyGraph', () => {
  const graph = buildTopologyGraph(facts(), 1);

  it('produces what the contract allows', () => {
    expect(TopologyGraph.safeParse(graph).success).toBe(true);
  });

  it('links a VM on a libvirt network to that network, and the network to its bridge virbr0', () => {
    expect(edgeIds(graph)).toContain(`nic:vm/${UUID_A}->network/libvirt/default`);
    expect(edgeIds(graph)).toContain('bridge:network/libvirt/default->bridge/virbr0');
    const nic = graph.edges.find((edge) => edge.id === `nic:vm/${UUID_A}->network/libvirt/default`);
    expect(nic?.macs).toEqual(['52:54:00:aa:bb:01']);
    // The network's bridge is not a second path from the VM: it goes through the network.
    expect(edgeIds(graph)).not.toContain(`nic:vm/${UUID_A}->bridge/virbr0`);
    const network = graph.nodes.find((node) => node.id === 'network/libvirt/default');
    expect(network).toMatchObject({
      kind: 'libvirt-network',
      subnet: '192.168.122.1/24',
      origin: 'external',
    });
  });

  it('links a VM on a host bridge to the bridge, and the bridge to its uplink interface', () => {
    expect(edgeIds(graph)).toContain(`nic:vm/${UUID_B}->bridge/br0`);
    const port = graph.edges.find((edge) => edge.id === 'port:bridge/br0->interface/eth0');
    expect(port).toMatchObject({ kind: 'port', uplink: true });
    expect(graph.nodes.find((node) => node.id === 'bridge/br0')).toMatchObject({
      origin: 'nova',
      project: 'lab',
    });
  });

  it('leaves out taps, veths and loopback, which the instances stand for', () => {
    const ids = graph.nodes.map((node) => node.id);
    expect(ids).toContain('interface/eth0');
    for (const hidden of ['interface/lo', 'interface/vnet0', 'interface/vnet1', 'interface/veth123'])
      expect(ids).not.toContain(hidden);
  });

  it('links containers to their engine network, and the network to its bridge', () => {
    expect(edgeIds(graph)).toEqual(
      expect.arrayContaining([
        'member:container/docker/c1->network/docker/appnet',
        'member:container/docker/c2->network/docker/appnet',
        `bridge:network/docker/appnet->bridge/br-${DOCKER_NET_ID.slice(0, 12)}`,
        'bridge:network/docker/bridge->bridge/docker0',
      ]),
    );
    // A member the engine names but whose container was not listed gets no edge (and no node).
    expect(graph.edges.filter((edge) => edge.kind === 'member')).toHaveLength(2);
    expect(graph.nodes.find((node) => node.id === 'network/docker/appnet')).toMatchObject({
      origin: 'nova',
      engine: 'docker',
      subnets: ['172.20.0.0/16'],
    });
    expect(graph.nodes.find((node) => node.id === 'container/docker/c2')).toMatchObject({ state: 'stopped' });
  });

  it('gives the same ids and order for the same facts, whatever order they came in', () => {
    const shuffled = buildTopologyGraph(
      facts({
        hostInterfaces: [...hostInterfaces].reverse(),
        hostBridges: [...hostBridges].reverse(),
        instances: [...facts().instances].reverse(),
        engineNetworks: [...engineNetworks].reverse(),
      }),
      1,
    );
    expect(shuffled).toEqual(graph);
    expect(new Set(graph.nodes.map((node) => node.id)).size).toBe(graph.nodes.length);
    expect(new Set(edgeIds(graph)).size).toBe(graph.edges.length);
  });

  it('draws the rest when the host links could not be read, making up the bridges networks name', () => {
    const problem = {
      source: 'host-interfaces',
      message: 'Host interfaces could not be read: denied',
    } as const;
    const partial = buildTopologyGraph(
      facts({ hostInterfaces: undefined, hostBridges: undefined, problems: [problem] }),
      1,
    );
    expect(partial.problems).toEqual([problem]);
    expect(edgeIds(partial)).toContain(`nic:vm/${UUID_A}->network/libvirt/default`);
    expect(edgeIds(partial)).toContain('bridge:network/libvirt/default->bridge/virbr0');
    const virbr0 = partial.nodes.find((node) => node.id === 'bridge/virbr0');
    // Not known to be missing: the host was not read.
    expect(virbr0).toMatchObject({ state: 'unknown', origin: 'libvirt' });
    expect(virbr0?.missing).toBeUndefined();
    expect(partial.nodes.some((node) => node.kind === 'interface')).toBe(false);
  });

  it('marks a network a VM refers to but libvirt does not have as missing', () => {
    const dangling = buildTopologyGraph(
      facts({ vmNics: new Map([[`vm/${UUID_A}`, [{ type: 'network', network: 'gone' }]]]) }),
      1,
    );
    expect(dangling.nodes.find((node) => node.id === 'network/libvirt/gone')).toMatchObject({
      missing: true,
    });
    expect(edgeIds(dangling)).toContain(`nic:vm/${UUID_A}->network/libvirt/gone`);
  });
});

describe('gatherTopology', () => {
  type Answers = { [M in HelperMethodName]?: (input: HelperInput<M>) => HelperOutput<M> };
  const helperFrom =
    (answers: Answers) =>
    <M extends HelperMethodName>(method: M, input: HelperInput<M>): Promise<HelperOutput<M>> => {
      const answer = answers[method] as ((input: HelperInput<M>) => HelperOutput<M>) | undefined;
      if (answer === undefined) return Promise.reject(new Error(`${method} is not authorized`));
      return Promise.resolve(answer(input));
    };
  const list: InstanceList = {
    instances: facts().instances,
    sources: [
      { id: 'libvirt', status: 'ok', endpoint: 'qemu:///system' },
      { id: 'podman', status: 'unavailable', endpoint: 'unix:///run/podman/podman.sock' },
      { id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' },
    ],
  };

  it('reports a failing source and still draws the others', async () => {
    const graph = buildTopologyGraph(
      await gatherTopology({
        helper: helperFrom({
          ListHostBridges: () => ({ bridges: hostBridges }),
          ListNetworks: () => ({ networks: libvirtNetworks }),
          GetDomainXml: ({ uuid }) => {
            if (uuid === UUID_B) throw new Error('domain vanished');
            return { xml: VM_XML_NETWORK };
          },
        }),
        instances: { list: () => Promise.resolve(list) },
        engines: () =>
          Promise.resolve({
            engines: [{ engine: 'docker', listNetworks: () => Promise.resolve(engineNetworks) }],
          }),
      }),
      1,
    );
    expect(graph.problems.map((problem) => [problem.source, problem.subject])).toEqual(
      expect.arrayContaining([
        ['host-interfaces', undefined],
        ['podman', undefined],
        ['vm-interfaces', 'on-br0'],
      ]),
    );
    expect(graph.problems).toHaveLength(3);
    expect(graph.problems.find((problem) => problem.source === 'host-interfaces')?.message).toContain(
      'not authorized',
    );
    expect(edgeIds(graph)).toContain(`nic:vm/${UUID_A}->network/libvirt/default`);
    expect(edgeIds(graph)).toContain('bridge:network/libvirt/default->bridge/virbr0');
    expect(edgeIds(graph)).toContain('member:container/docker/c1->network/docker/appnet');
    // The VM whose interfaces could not be read is still drawn, without lines.
    expect(graph.nodes.some((node) => node.id === `vm/${UUID_B}`)).toBe(true);
    expect(graph.edges.some((edge) => edge.source === `vm/${UUID_B}`)).toBe(false);
  });

  it('asks for at most `concurrency` VMs’ interfaces at once', async () => {
    let inFlight = 0;
    let most = 0;
    const many = Array.from({ length: 30 }, (_, i) =>
      vm(`vm${String(i)}`, `${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`),
    );
    const helper = <M extends HelperMethodName>(method: M): Promise<HelperOutput<M>> => {
      if (method !== 'GetDomainXml') return Promise.reject(new Error('not here'));
      inFlight += 1;
      most = Math.max(most, inFlight);
      return new Promise((resolve) =>
        setTimeout(() => {
          inFlight -= 1;
          resolve({ xml: VM_XML_NETWORK } as HelperOutput<M>);
        }, 2),
      );
    };
    const gathered = await gatherTopology({
      helper,
      instances: { list: () => Promise.resolve({ instances: many, sources: [] }) },
      engines: () => Promise.resolve({ engines: [] }),
      concurrency: 4,
    });
    expect(gathered.vmNics.size).toBe(30);
    expect(most).toBe(4);
  });
});

describe('VmNicCache', () => {
  it('spares a second build the per-VM calls, but asks again for a VM whose state changed', async () => {
    let now = 0;
    const cache = new VmNicCache(30_000, () => now);
    const asked: string[] = [];
    const deps = (instances: Instance[]) => ({
      helper: <M extends HelperMethodName>(method: M, input: HelperInput<M>): Promise<HelperOutput<M>> => {
        if (method !== 'GetDomainXml') return Promise.reject(new Error('not here'));
        asked.push((input as HelperInput<'GetDomainXml'>).uuid ?? 'asked by name');
        return Promise.resolve({ xml: VM_XML_NETWORK } as HelperOutput<M>);
      },
      instances: { list: () => Promise.resolve({ instances, sources: [] }) },
      engines: () => Promise.resolve({ engines: [] }),
      nicCache: cache,
    });
    const a = vm('a', UUID_A);
    const b = vm('b', UUID_B);
    await gatherTopology(deps([a, b]));
    expect(asked.sort()).toEqual([UUID_A, UUID_B]);
    const again = await gatherTopology(deps([a, { ...b, state: 'paused' }]));
    expect(asked.sort()).toEqual([UUID_A, UUID_B, UUID_B]);
    expect(again.vmNics.get(a.id)).toEqual(parseDomainNics(VM_XML_NETWORK));
    now = 31_000;
    await gatherTopology(deps([a]));
    expect(asked.sort()).toEqual([UUID_A, UUID_A, UUID_B, UUID_B]);
  });
});
