// The host's network picture as a graph: host interfaces, bridges, libvirt and engine networks, and
// the instances on them. Pure: ./topology-gather.ts reads the facts, this only joins them, so the
// graph can be tested from fixtures.
import { XMLParser } from 'fast-xml-parser';

import type { EngineNetworkSummary } from '../contract/container-types.js';
import type {
  BridgeOrigin,
  TopologyEdge,
  TopologyEdgeKind,
  TopologyGraph,
  TopologyNode,
  TopologyProblem,
} from '../contract/features/topology.js';
import type { HostBridgeSummary, HostInterface, NetworkSummary } from '../contract/helper-types.js';
import type { Instance } from '../model/instance.js';

/** One network interface of a VM, as its (live) domain XML describes it. */
export interface VmNic {
  /** libvirt's interface type: network, bridge, direct (macvtap), user, … */
  type: string;
  network?: string;
  bridge?: string;
  /** For `direct`: the host interface it sits on. */
  device?: string;
  mac?: string;
}

/** What was read about the host; a part that could not be read is undefined (and in `problems`). */
export interface TopologyFacts {
  hostInterfaces?: HostInterface[] | undefined;
  hostBridges?: HostBridgeSummary[] | undefined;
  libvirtNetworks?: NetworkSummary[] | undefined;
  instances: Instance[];
  /** By instance id (`vm/<uuid>`); a VM whose interfaces could not be read is absent. */
  vmNics: ReadonlyMap<string, VmNic[]>;
  engineNetworks: EngineNetworkSummary[];
  problems: TopologyProblem[];
}

export const topologyIds = {
  interface: (name: string) => `interface/${name}`,
  bridge: (name: string) => `bridge/${name}`,
  libvirtNetwork: (name: string) => `network/libvirt/${name}`,
  engineNetwork: (engine: string, name: string) => `network/${engine}/${name}`,
  edge: (kind: TopologyEdgeKind, source: string, target: string) => `${kind}:${source}->${target}`,
};

/**
 * Links that stand for something the graph already shows (a VM's tap, a container's veth) or that
 * join nothing (loopback): left out.
 */
const HIDDEN_INTERFACE_KINDS = new Set(['loopback', 'veth', 'tun', 'tap', 'macvtap', 'ifb', 'bridge']);

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'interface',
});

type XmlNode = Record<string, unknown>;
const isNode = (value: unknown): value is XmlNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const attr = (node: unknown, name: string): string | undefined => {
  if (!isNode(node)) return undefined;
  const value = node[`@${name}`];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** The network interfaces of a domain, from its XML (the live XML also names the bridge of a network). */
export function parseDomainNics(xml: string): VmNic[] {
  const parsed: unknown = xmlParser.parse(xml);
  const domain = isNode(parsed) ? parsed['domain'] : undefined;
  const devices = isNode(domain) ? domain['devices'] : undefined;
  const interfaces = isNode(devices) ? devices['interface'] : undefined;
  if (!Array.isArray(interfaces)) return [];
  return interfaces.flatMap((nic: unknown): VmNic[] => {
    if (!isNode(nic)) return [];
    const source = nic['source'];
    const type = attr(nic, 'type') ?? 'unknown';
    const network = attr(source, 'network');
    const bridge = attr(source, 'bridge');
    const device = attr(source, 'dev');
    const mac = attr(nic['mac'], 'address');
    return [
      {
        type,
        ...(type === 'network' && network !== undefined ? { network } : {}),
        ...(bridge === undefined ? {} : { bridge }),
        ...(type === 'direct' && device !== undefined ? { device } : {}),
        ...(mac === undefined ? {} : { mac: mac.toLowerCase() }),
      },
    ];
  });
}

/** The Linux bridge an engine network most likely uses, by the engines' naming rules. */
export function engineNetworkBridgeNames(network: EngineNetworkSummary): string[] {
  if (network.driver !== 'bridge') return [];
  // Podman's default network is `podman` (`bridge` through its Docker-compatible API): podman0 with
  // netavark, cni-podman0 with CNI; its other networks' bridges are not named after them.
  if (network.engine === 'podman')
    return network.name === 'podman' || network.name === 'bridge' ? ['podman0', 'cni-podman0'] : [];
  // Docker (and Bolt, which speaks its API): the default network is docker0, others br-<short id>.
  return network.name === 'bridge' ? ['docker0'] : [`br-${network.id.slice(0, 12)}`];
}

const KIND_ORDER: Record<TopologyNode['kind'], number> = {
  vm: 0,
  container: 1,
  'libvirt-network': 2,
  'engine-network': 3,
  bridge: 4,
  interface: 5,
};

function cidr(address: string | undefined, prefix: number | undefined): string | undefined {
  if (address === undefined) return undefined;
  return prefix === undefined ? address : `${address}/${String(prefix)}`;
}

function bridgeOriginFromName(name: string): BridgeOrigin {
  if (name.startsWith('virbr')) return 'libvirt';
  if (name === 'docker0' || name.startsWith('br-')) return 'docker';
  return 'system';
}

/** Joins the facts into nodes and edges. Ids are stable, and the order is too (kind, then label). */
export function buildTopologyGraph(facts: TopologyFacts, builtAt = Date.now()): TopologyGraph {
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const problems = [...facts.problems];
  const hostKnown = facts.hostInterfaces !== undefined || facts.hostBridges !== undefined;

  const addEdge = (
    kind: TopologyEdgeKind,
    source: string,
    target: string,
    extra: Partial<TopologyEdge> = {},
  ) => {
    const id = topologyIds.edge(kind, source, target);
    const existing = edges.get(id);
    if (existing === undefined) {
      edges.set(id, { id, kind, source, target, ...extra });
      return;
    }
    if (extra.macs !== undefined) existing.macs = [...new Set([...(existing.macs ?? []), ...extra.macs])];
    if (extra.uplink === true) existing.uplink = true;
  };

  // ── Host links: bridges, and the interfaces that are not stand-ins for an instance ──
  const links = new Map((facts.hostInterfaces ?? []).map((link) => [link.name, link]));
  const bridgeSummaries = new Map((facts.hostBridges ?? []).map((bridge) => [bridge.name, bridge]));
  const bridgeNames = new Set([
    ...[...links.values()].filter((link) => link.kind === 'bridge').map((link) => link.name),
    ...bridgeSummaries.keys(),
  ]);
  for (const name of bridgeNames) {
    const link = links.get(name);
    const summary = bridgeSummaries.get(name);
    const project = summary?.project ?? link?.project;
    nodes.set(topologyIds.bridge(name), {
      id: topologyIds.bridge(name),
      kind: 'bridge',
      label: name,
      name,
      state: link?.state ?? summary?.state ?? 'unknown',
      origin: summary?.origin ?? link?.origin ?? bridgeOriginFromName(name),
      ...(project === undefined ? {} : { project }),
      addresses: link?.addresses ?? [],
    });
  }
  for (const link of links.values()) {
    if (HIDDEN_INTERFACE_KINDS.has(link.kind) || link.name === 'lo') continue;
    nodes.set(topologyIds.interface(link.name), {
      id: topologyIds.interface(link.name),
      kind: 'interface',
      label: link.name,
      name: link.name,
      interfaceKind: link.kind,
      state: link.state,
      addresses: link.addresses,
    });
  }
  const shownInterface = (name: string) => nodes.has(topologyIds.interface(name));
  for (const link of links.values()) {
    if (link.master !== undefined && bridgeNames.has(link.master) && shownInterface(link.name)) {
      const uplink = bridgeSummaries.get(link.master)?.uplink === link.name;
      addEdge(
        'port',
        topologyIds.bridge(link.master),
        topologyIds.interface(link.name),
        uplink ? { uplink } : {},
      );
    }
  }
  for (const bridge of bridgeSummaries.values()) {
    for (const member of bridge.members) {
      if (!shownInterface(member)) continue;
      const uplink = bridge.uplink === member;
      addEdge(
        'port',
        topologyIds.bridge(bridge.name),
        topologyIds.interface(member),
        uplink ? { uplink } : {},
      );
    }
    if (
      bridge.uplink !== undefined &&
      !bridge.members.includes(bridge.uplink) &&
      shownInterface(bridge.uplink)
    )
      addEdge('port', topologyIds.bridge(bridge.name), topologyIds.interface(bridge.uplink), {
        uplink: true,
      });
  }

  /** The bridge node, made up when the host was not read (or, marked missing, when it lacks it). */
  const bridgeNode = (name: string): string => {
    const id = topologyIds.bridge(name);
    if (!nodes.has(id))
      nodes.set(id, {
        id,
        kind: 'bridge',
        label: name,
        name,
        state: 'unknown',
        origin: bridgeOriginFromName(name),
        addresses: [],
        ...(hostKnown ? { missing: true } : {}),
      });
    return id;
  };
  const interfaceNode = (name: string): string => {
    const id = topologyIds.interface(name);
    if (!nodes.has(id))
      nodes.set(id, {
        id,
        kind: 'interface',
        label: name,
        name,
        interfaceKind: 'unknown',
        state: 'unknown',
        addresses: [],
        ...(facts.hostInterfaces === undefined ? {} : { missing: true }),
      });
    return id;
  };

  // ── libvirt networks, on their bridges ──
  for (const network of facts.libvirtNetworks ?? []) {
    const id = topologyIds.libvirtNetwork(network.name);
    const subnet = cidr(network.address, network.prefix);
    nodes.set(id, {
      id,
      kind: 'libvirt-network',
      label: network.name,
      name: network.name,
      active: network.active,
      ...(network.forwardMode === undefined ? {} : { forwardMode: network.forwardMode }),
      ...(network.bridge === undefined ? {} : { bridge: network.bridge }),
      ...(subnet === undefined ? {} : { subnet }),
      origin: network.origin,
      ...(network.project === undefined ? {} : { project: network.project }),
    });
    // An inactive network's bridge does not exist: no line to a bridge that is not there.
    if (network.bridge !== undefined && (network.active || bridgeNames.has(network.bridge)))
      addEdge('bridge', id, bridgeNode(network.bridge));
  }
  const libvirtNetworkNode = (name: string): string => {
    const id = topologyIds.libvirtNetwork(name);
    if (!nodes.has(id))
      nodes.set(id, {
        id,
        kind: 'libvirt-network',
        label: name,
        name,
        active: false,
        origin: 'external',
        ...(facts.libvirtNetworks === undefined ? {} : { missing: true }),
      });
    return id;
  };

  // ── Engine networks, on their bridges ──
  const engineNetworkIds = new Map<string, string>();
  for (const network of facts.engineNetworks) {
    const id = topologyIds.engineNetwork(network.engine, network.name);
    engineNetworkIds.set(`${network.engine}/${network.name}`, id);
    nodes.set(id, {
      id,
      kind: 'engine-network',
      label: network.name,
      engine: network.engine,
      name: network.name,
      networkId: network.id,
      driver: network.driver,
      internal: network.internal,
      subnets: network.subnets.map((subnet) => subnet.subnet),
      origin: network.origin,
      ...(network.project === undefined ? {} : { project: network.project }),
    });
    const bridge = engineNetworkBridgeNames(network).find((name) => bridgeNames.has(name));
    if (bridge !== undefined) addEdge('bridge', id, topologyIds.bridge(bridge));
  }

  // ── Instances ──
  const containersByName = new Map<string, string>();
  for (const instance of facts.instances) {
    if (instance.kind === 'vm') {
      nodes.set(instance.id, {
        id: instance.id,
        kind: 'vm',
        label: instance.name,
        name: instance.name,
        state: instance.state,
        origin: instance.origin,
      });
      for (const nic of facts.vmNics.get(instance.id) ?? []) {
        const macs = nic.mac === undefined ? {} : { macs: [nic.mac] };
        if (nic.type === 'network' && nic.network !== undefined)
          addEdge('nic', instance.id, libvirtNetworkNode(nic.network), macs);
        else if (nic.type === 'direct' && nic.device !== undefined)
          addEdge('nic', instance.id, interfaceNode(nic.device), macs);
        else if (nic.bridge !== undefined) addEdge('nic', instance.id, bridgeNode(nic.bridge), macs);
      }
    } else {
      nodes.set(instance.id, {
        id: instance.id,
        kind: 'container',
        label: instance.name,
        engine: instance.engine,
        name: instance.name,
        state: instance.state,
        origin: instance.origin,
        image: instance.image,
      });
      containersByName.set(`${instance.engine}/${instance.name}`, instance.id);
    }
  }
  for (const network of facts.engineNetworks) {
    const networkId = engineNetworkIds.get(`${network.engine}/${network.name}`);
    if (networkId === undefined) continue;
    for (const member of network.containers) {
      const containerId = containersByName.get(`${network.engine}/${member}`);
      if (containerId !== undefined) addEdge('member', containerId, networkId);
    }
  }

  const sortedNodes = [...nodes.values()].sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.label.localeCompare(b.label) || a.id.localeCompare(b.id),
  );
  const sortedEdges = [...edges.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { nodes: sortedNodes, edges: sortedEdges, problems, builtAt };
}
