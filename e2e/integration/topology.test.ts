// The topology builder against the real lab: a VM on libvirt's `default` network is drawn on that
// network and the network on its bridge virbr0; a container on a Docker network it was connected to
// is drawn on that network.
import type { TopologyGraph } from '@nova/core';
import { TopologyGraph as TopologyGraphSchema } from '@nova/core';
import { buildTopology, createNovaServices, type NovaServices } from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  mustRun,
  removeContainer,
  removeDomain,
  requireLab,
  run,
  startContainer,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

const vmName = uniqueName('topo-vm');
const containerName = uniqueName('topo-ct');
const networkName = uniqueName('topo-net');
let services: NovaServices;
let graph: TopologyGraph;
let vmId: string;
let containerId: string;

beforeAll(async () => {
  requireLab();
  services = createNovaServices();
  await defineDomain(tinyGuestXml(vmName));
  await virsh('start', vmName);
  await mustRun('docker', ['network', 'create', '--label', 'dev.nova.test=1', networkName]);
  containerId = `container/docker/${await startContainer(containerName)}`;
  await mustRun('docker', ['network', 'connect', networkName, containerName]);
  const uuid = (await virsh('domuuid', vmName)).trim();
  vmId = `vm/${uuid}`;
  graph = await buildTopology({
    helper: services.helper,
    instances: services.instances,
    engines: () => services.containers.engines(),
  });
});

afterAll(async () => {
  services.close();
  await removeDomain(vmName);
  await removeContainer(containerName);
  await run('docker', ['network', 'rm', networkName]);
});

const edge = (source: string, target: string) =>
  graph.edges.find((candidate) => candidate.source === source && candidate.target === target);

describe('the topology of the lab', () => {
  it('is what the contract allows, and no source failed', () => {
    expect(TopologyGraphSchema.safeParse(graph).success).toBe(true);
    // Other engineers' VMs may come and go while this runs; only the sources as a whole must answer.
    expect(graph.problems.filter((problem) => problem.source !== 'vm-interfaces')).toEqual([]);
  });

  it('links the VM to the default network, and the network to virbr0', async () => {
    const vm = graph.nodes.find((node) => node.id === vmId);
    expect(vm).toMatchObject({ kind: 'vm', name: vmName, state: 'running', origin: 'external' });
    const nic = edge(vmId, 'network/libvirt/default');
    expect(nic?.kind).toBe('nic');
    const mac = /([0-9a-f]{2}:){5}[0-9a-f]{2}/.exec(await virsh('domiflist', vmName))?.[0];
    expect(nic?.macs).toEqual([mac]);
    expect(edge('network/libvirt/default', 'bridge/virbr0')?.kind).toBe('bridge');
    expect(graph.nodes.find((node) => node.id === 'bridge/virbr0')).toMatchObject({
      kind: 'bridge',
      origin: 'libvirt',
    });
    expect(graph.nodes.find((node) => node.id === 'bridge/virbr0')?.missing).toBeUndefined();
  });

  it('links the container to the Docker network it was connected to, and that network to its bridge', () => {
    const network = `network/docker/${networkName}`;
    expect(graph.nodes.find((node) => node.id === containerId)).toMatchObject({
      kind: 'container',
      name: containerName,
      engine: 'docker',
    });
    expect(edge(containerId, network)?.kind).toBe('member');
    // `docker run` put it on the default network too.
    expect(edge(containerId, 'network/docker/bridge')?.kind).toBe('member');
    expect(graph.nodes.find((node) => node.id === network)).toMatchObject({
      kind: 'engine-network',
      engine: 'docker',
    });
    const bridge = graph.edges.find(
      (candidate) => candidate.source === network && candidate.kind === 'bridge',
    );
    expect(bridge?.target).toMatch(/^bridge\/br-[0-9a-f]{12}$/);
  });

  it('shows the host’s uplink-side interfaces but not the taps and veths instances stand for', () => {
    const names = graph.nodes.filter((node) => node.kind === 'interface').map((node) => node.label);
    expect(names).toContain('eth0');
    expect(names.some((name) => name.startsWith('vnet') || name.startsWith('veth'))).toBe(false);
  });
});
