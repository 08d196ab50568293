import { describe, expect, it } from 'vitest';

import type { Instance } from '../src/model/instance.js';
import {
  buildNetworkList,
  type NetworkFacts,
  occupiedSubnets,
  uplinkCandidates,
} from '../src/networks/network-model.js';

const vm: Instance = {
  kind: 'vm',
  id: 'vm/00000000-0000-4000-8000-000000000001',
  name: 'web',
  state: 'running',
  origin: 'nova',
  uuid: '00000000-0000-4000-8000-000000000001',
  connection: 'qemu:///system',
  vcpus: 1,
  memoryBytes: 1,
};
const container: Instance = {
  kind: 'container',
  id: 'container/docker/abc',
  name: 'db',
  state: 'running',
  origin: 'external',
  engine: 'docker',
  containerId: 'abc',
  image: 'busybox',
  via: 'direct',
};

function facts(overrides: Partial<NetworkFacts> = {}): NetworkFacts {
  return {
    hostInterfaces: [
      { name: 'eth0', kind: 'device', state: 'UP', addresses: ['10.0.2.15/24'], master: 'br0' },
      { name: 'enp7s0', kind: 'device', state: 'UP', addresses: [] },
      { name: 'virbr0', kind: 'bridge', state: 'UP', addresses: ['192.168.122.1/24'] },
      { name: 'vnet0', kind: 'tun', state: 'UNKNOWN', addresses: [], master: 'virbr0' },
      { name: 'docker0', kind: 'bridge', state: 'DOWN', addresses: ['172.17.0.1/16'] },
      { name: 'br0', kind: 'bridge', state: 'UP', addresses: ['10.0.2.15/24'] },
      {
        name: 'nvnat',
        kind: 'bridge',
        state: 'DOWN',
        addresses: ['10.5.0.1/24'],
        nat: { address: '10.5.0.1', prefix: 24, dhcpStart: '10.5.0.100', dhcpEnd: '10.5.0.200' },
      },
    ],
    hostBridges: [
      { name: 'virbr0', state: 'UP', members: ['vnet0'], origin: 'libvirt' },
      { name: 'docker0', state: 'DOWN', members: [], origin: 'docker' },
      { name: 'br0', state: 'UP', members: ['eth0'], origin: 'system', uplink: 'eth0' },
      { name: 'nvnat', state: 'DOWN', members: [], origin: 'nova', project: 'lab' },
    ],
    libvirtNetworks: [
      {
        name: 'default',
        uuid: 'u',
        active: true,
        autostart: true,
        forwardMode: 'nat',
        bridge: 'virbr0',
        address: '192.168.122.1',
        prefix: 24,
        dhcpStart: '192.168.122.2',
        dhcpEnd: '192.168.122.254',
        origin: 'external',
      },
    ],
    instances: [vm, container],
    vmNics: new Map([[vm.id, [{ type: 'network', network: 'default', mac: '52:54:00:00:00:01' }]]]),
    engineNetworks: [
      {
        engine: 'docker',
        id: '0123456789abcdef',
        name: 'bridge',
        driver: 'bridge',
        internal: false,
        subnets: [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1' }],
        origin: 'system',
        containers: ['db'],
      },
    ],
    problems: [],
    leases: new Map([['libvirt/default', [{ mac: '52:54:00:00:00:01', address: '192.168.122.50' }]]]),
    probe: {
      dnsmasq: [['/usr/sbin/dnsmasq', '--conf-file=/var/lib/libvirt/dnsmasq/default.conf']],
      ipForward: true,
    },
    ...overrides,
  };
}

describe('buildNetworkList', () => {
  it('lists each network once: a bridge that carries a libvirt or engine network is in that row', () => {
    const list = buildNetworkList(facts());
    expect(list.map((network) => network.id)).toEqual([
      'libvirt/default',
      'bridge/br0',
      'bridge/nvnat',
      'docker/bridge',
    ]);
  });

  it('gives the origin as Nova, libvirt, the engine or external, as the topology does', () => {
    const origins = Object.fromEntries(
      buildNetworkList(facts()).map((network) => [network.id, network.origin]),
    );
    expect(origins).toEqual({
      'libvirt/default': 'external',
      'bridge/br0': 'external',
      'bridge/nvnat': 'nova',
      'docker/bridge': 'engine',
    });
  });

  it('joins addressing, leases, members and a healthy state for libvirt’s default network', () => {
    const network = buildNetworkList(facts()).find((entry) => entry.id === 'libvirt/default');
    expect(network).toMatchObject({
      kind: 'libvirt',
      mode: 'nat',
      state: 'active',
      bridge: 'virbr0',
      subnet: '192.168.122.0/24',
      gateway: '192.168.122.1',
      dhcp: { start: '192.168.122.2', end: '192.168.122.254' },
      addresses: ['192.168.122.1/24'],
      leases: [{ mac: '52:54:00:00:00:01', address: '192.168.122.50' }],
      members: [{ kind: 'vm', name: 'web', mac: '52:54:00:00:00:01', instanceId: vm.id, state: 'running' }],
      health: { status: 'ok' },
    });
    expect(network?.health.checks.map((check) => check.check)).toEqual([
      'active',
      'carrier',
      'dhcp',
      'forwarding',
    ]);
  });

  it('says what is wrong: dnsmasq gone, forwarding off, a stopped network is down', () => {
    const broken = buildNetworkList(facts({ probe: { dnsmasq: [], ipForward: false } }))[0];
    expect(broken?.health.status).toBe('warning');
    expect(broken?.health.checks.filter((check) => !check.ok).map((check) => check.check)).toEqual([
      'dhcp',
      'forwarding',
    ]);
    const libvirtNetworks = facts().libvirtNetworks?.map((network) => ({ ...network, active: false }));
    const stopped = buildNetworkList(facts({ libvirtNetworks }))[0];
    expect(stopped?.health.status).toBe('down');
    expect(stopped?.state).toBe('inactive');
  });

  it('shows a Nova NAT bridge with its subnet and DHCP, and an uplink bridge with its port', () => {
    const list = buildNetworkList(facts());
    expect(list.find((network) => network.id === 'bridge/nvnat')).toMatchObject({
      mode: 'nat',
      project: 'lab',
      subnet: '10.5.0.0/24',
      dhcp: { start: '10.5.0.100', end: '10.5.0.200' },
      health: { status: 'warning' },
    });
    expect(list.find((network) => network.id === 'bridge/br0')).toMatchObject({
      mode: 'bridged',
      uplink: 'eth0',
      members: [{ kind: 'interface', name: 'eth0', state: 'UP' }],
    });
  });

  it('lists a Docker network’s containers as members, with their instance ids', () => {
    const network = buildNetworkList(facts()).find((entry) => entry.id === 'docker/bridge');
    expect(network).toMatchObject({
      bridge: 'docker0',
      subnet: '172.17.0.0/16',
      members: [
        { kind: 'container', name: 'db', engine: 'docker', instanceId: container.id, state: 'running' },
      ],
    });
  });
});

describe('uplinkCandidates and occupiedSubnets', () => {
  it('offers free devices as uplinks, not bridges, taps or enslaved interfaces', () => {
    expect(uplinkCandidates(facts().hostInterfaces)).toEqual(['enp7s0']);
  });

  it('offers a veth no bridge has (its peer leads elsewhere), not a container’s veth in its bridge', () => {
    const interfaces = [
      ...(facts().hostInterfaces ?? []),
      { name: 'lab0', kind: 'veth', state: 'DOWN', addresses: [] },
      { name: 'veth9f1c2d', kind: 'veth', state: 'UP', addresses: [], master: 'docker0' },
    ];
    expect(uplinkCandidates(interfaces)).toEqual(['enp7s0', 'lab0']);
  });

  it('counts every network’s subnet and every host address outside them as in use', () => {
    const list = buildNetworkList(facts());
    expect(occupiedSubnets(list, facts().hostInterfaces)).toEqual([
      { subnet: '192.168.122.0/24', what: 'libvirt network "default"' },
      { subnet: '10.5.0.0/24', what: 'bridge network "nvnat"' },
      { subnet: '172.17.0.0/16', what: 'docker network "bridge"' },
      { subnet: '10.0.2.15/24', what: 'interface eth0' },
    ]);
  });
});
