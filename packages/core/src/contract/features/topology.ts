// The desktop app's topology channels and events. Spread into `channels` and `events`
// (contract/channels.ts).
import { z } from 'zod';

import { EngineName, InstanceState, Origin } from '../../model/instance.js';
import { EngineObjectOrigin } from '../container-types.js';

/** Who made a Linux bridge: Nova, libvirt (virbr*), Docker (docker0, br-*), or the system. */
export const BridgeOrigin = z.enum(['nova', 'libvirt', 'docker', 'system']);
export type BridgeOrigin = z.infer<typeof BridgeOrigin>;

const NodeBase = {
  /**
   * Stable across fetches: `interface/<name>`, `bridge/<name>`, `network/libvirt/<name>`,
   * `network/<engine>/<name>`, and for instances their id as in InstanceList (`vm/<uuid>`,
   * `container/<engine>/<id>`).
   */
  id: z.string().min(1),
  label: z.string(),
  /** Something else refers to it (a VM's NIC, a network's bridge) but it was not found. */
  missing: z.boolean().optional(),
};

export const TopologyInterfaceNode = z.strictObject({
  ...NodeBase,
  kind: z.literal('interface'),
  name: z.string(),
  /** device (a physical NIC), bond, vlan, dummy, … as iproute2 says. */
  interfaceKind: z.string(),
  /** up, down, unknown… as iproute2 says. */
  state: z.string(),
  addresses: z.array(z.string()),
});

export const TopologyBridgeNode = z.strictObject({
  ...NodeBase,
  kind: z.literal('bridge'),
  name: z.string(),
  state: z.string(),
  origin: BridgeOrigin,
  project: z.string().optional(),
  addresses: z.array(z.string()),
});

export const TopologyLibvirtNetworkNode = z.strictObject({
  ...NodeBase,
  kind: z.literal('libvirt-network'),
  name: z.string(),
  active: z.boolean(),
  /** nat, route, bridge, open…; absent for an isolated network. */
  forwardMode: z.string().optional(),
  bridge: z.string().optional(),
  /** 192.168.122.1/24 */
  subnet: z.string().optional(),
  origin: Origin,
  project: z.string().optional(),
});

export const TopologyEngineNetworkNode = z.strictObject({
  ...NodeBase,
  kind: z.literal('engine-network'),
  engine: EngineName,
  name: z.string(),
  /** The engine's id of the network. */
  networkId: z.string(),
  driver: z.string(),
  internal: z.boolean(),
  subnets: z.array(z.string()),
  origin: EngineObjectOrigin,
  project: z.string().optional(),
});

export const TopologyVmNode = z.strictObject({
  ...NodeBase,
  kind: z.literal('vm'),
  name: z.string(),
  state: InstanceState,
  origin: Origin,
});

export const TopologyContainerNode = z.strictObject({
  ...NodeBase,
  kind: z.literal('container'),
  engine: EngineName,
  name: z.string(),
  state: InstanceState,
  origin: Origin,
  image: z.string(),
});

export const TopologyNode = z.discriminatedUnion('kind', [
  TopologyInterfaceNode,
  TopologyBridgeNode,
  TopologyLibvirtNetworkNode,
  TopologyEngineNetworkNode,
  TopologyVmNode,
  TopologyContainerNode,
]);
export type TopologyNode = z.infer<typeof TopologyNode>;

/**
 * How two nodes are joined, always from the inside out: `nic` a VM's interface on a network, bridge or
 * host interface (macvtap); `member` a container on an engine network; `bridge` a network on its
 * Linux bridge; `port` a host interface enslaved to a bridge (its uplink).
 */
export const TopologyEdgeKind = z.enum(['nic', 'member', 'bridge', 'port']);
export type TopologyEdgeKind = z.infer<typeof TopologyEdgeKind>;

export const TopologyEdge = z.strictObject({
  /** `<kind>:<source>-><target>`: stable across fetches. */
  id: z.string(),
  kind: TopologyEdgeKind,
  source: z.string(),
  target: z.string(),
  /** For `nic`: the MAC addresses of the VM's interfaces on that target. */
  macs: z.array(z.string()).optional(),
  /** For `port`: this interface is the bridge's uplink. */
  uplink: z.boolean().optional(),
});
export type TopologyEdge = z.infer<typeof TopologyEdge>;

/** Which part of the picture could not be read. */
export const TopologySource = z.enum([
  'host-interfaces',
  'host-bridges',
  'libvirt-networks',
  'vm-interfaces',
  'engines',
  'libvirt',
  'bolt',
  'docker',
  'podman',
]);
export type TopologySource = z.infer<typeof TopologySource>;

/** A source that failed: the rest of the graph is still drawn. */
export const TopologyProblem = z.strictObject({
  source: TopologySource,
  /** What failed, why, and what to do next. */
  message: z.string(),
  /** The VM or network it is about, when it is about one. */
  subject: z.string().optional(),
});
export type TopologyProblem = z.infer<typeof TopologyProblem>;

export const TopologyGraph = z.strictObject({
  nodes: z.array(TopologyNode),
  edges: z.array(TopologyEdge),
  problems: z.array(TopologyProblem),
  /** Milliseconds since the epoch at which the backend gathered it. */
  builtAt: z.number(),
});
export type TopologyGraph = z.infer<typeof TopologyGraph>;

export const topologyChannels = {
  'topology.get': {
    summary:
      'Host interfaces, bridges, libvirt and engine networks and the instances on them, as nodes and edges; what could not be read is listed in problems',
    input: z.strictObject({}),
    output: TopologyGraph,
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

/** A network changed (libvirt, a host link, an engine's): the graph is worth fetching again. */
export const TopologyChanged = z.object({
  source: z.string().max(64),
  name: z.string().max(256),
  event: z.string().max(64),
});
export type TopologyChanged = z.infer<typeof TopologyChanged>;

export const topologyEvents = {
  'topology.changed': TopologyChanged,
} as const satisfies Record<string, z.ZodType>;
