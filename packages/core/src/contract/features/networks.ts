// Network management: one model for host bridges, libvirt networks and engine networks, and
// the channels that list, create, change and delete them. Spread into `channels` and `events`
// (contract/channels.ts).
import { z } from 'zod';

import { EngineName } from '../../model/instance.js';
import { Lease } from '../helper-types.js';
import { ResourceName } from '../specs.js';
import { TopologyProblem } from './topology.js';

/** What implements a network: a Linux bridge of the host, a libvirt network, or a container engine's. */
export const NETWORK_KINDS = ['bridge', 'libvirt', 'bolt', 'docker', 'podman'] as const;
export const NetworkKind = z.enum(NETWORK_KINDS);
export type NetworkKind = z.infer<typeof NetworkKind>;

/**
 * Who made it: Nova (its mark), libvirt (virbr* bridges), a container engine (its own networks and
 * bridges), or anyone else (the system, virsh, docker network create).
 */
export const NetworkOrigin = z.enum(['nova', 'libvirt', 'engine', 'external']);
export type NetworkOrigin = z.infer<typeof NetworkOrigin>;

export const NetworkMember = z.strictObject({
  /** A VM's interface, a container's endpoint, or a host interface enslaved to the bridge. */
  kind: z.enum(['vm', 'container', 'interface']),
  name: z.string(),
  /** The instance's id as in InstanceList, when it is an instance Nova lists. */
  instanceId: z.string().optional(),
  /** The VM's interface on this network. */
  mac: z.string().optional(),
  engine: EngineName.optional(),
  state: z.string().optional(),
});
export type NetworkMember = z.infer<typeof NetworkMember>;

export const NetworkHealthCheck = z.strictObject({
  /** active, link, carrier, dhcp, forwarding */
  check: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});
export type NetworkHealthCheck = z.infer<typeof NetworkHealthCheck>;

export const NetworkHealth = z.strictObject({
  /** ok: every check passed; warning: it works with a caveat; down: it does not carry traffic. */
  status: z.enum(['ok', 'warning', 'down']),
  checks: z.array(NetworkHealthCheck),
});
export type NetworkHealth = z.infer<typeof NetworkHealth>;

export const ManagedNetwork = z.strictObject({
  /** `<kind>/<name>`: unique, stable. */
  id: z.string(),
  kind: NetworkKind,
  name: z.string(),
  origin: NetworkOrigin,
  project: z.string().optional(),
  /** nat, route, isolated, bridge, open (libvirt); bridge (a host bridge); the driver (engines). */
  mode: z.string(),
  active: z.boolean(),
  /** active/inactive (libvirt), up/down/unknown (bridges, as iproute2 says), available (engines). */
  state: z.string(),
  /** libvirt networks only. */
  autostart: z.boolean().optional(),
  /** The Linux bridge that carries it. */
  bridge: z.string().optional(),
  /** A bridged network's host interface. */
  uplink: z.string().optional(),
  /** The host's addresses on its bridge, as CIDR. */
  addresses: z.array(z.string()),
  /** 10.9.0.0/24 */
  subnet: z.string().optional(),
  gateway: z.string().optional(),
  dhcp: z.strictObject({ start: z.string(), end: z.string() }).optional(),
  leases: z.array(Lease),
  members: z.array(NetworkMember),
  health: NetworkHealth,
});
export type ManagedNetwork = z.infer<typeof ManagedNetwork>;

export const NetworkListing = z.strictObject({
  networks: z.array(ManagedNetwork),
  /** Host interfaces that may be the uplink of a bridged network (not bridges, taps or veths). */
  uplinks: z.array(z.string()),
  /** Engines that answered: where an engine network can be created. */
  engines: z.array(EngineName),
  /** Address blocks in use (networks' subnets, host addresses): a new subnet may not overlap them. */
  occupied: z.array(z.strictObject({ subnet: z.string(), what: z.string() })),
  problems: z.array(TopologyProblem),
  builtAt: z.number(),
});
export type NetworkListing = z.infer<typeof NetworkListing>;

/** The kinds of network Nova creates. */
export const NewNetworkType = z.enum(['nat', 'isolated', 'bridged']);
export type NewNetworkType = z.infer<typeof NewNetworkType>;

/**
 * A network to create, as the user wrote it: checked by validateNewNetwork (packages/core/src/networks)
 * for what a schema cannot say (addresses inside the subnet, overlaps, uplink present).
 */
export const NewNetwork = z.strictObject({
  type: NewNetworkType,
  name: z.string().max(200),
  /** libvirt (default) or a container engine; bridged networks are always host bridges. */
  backend: z.enum(['libvirt', 'bolt', 'docker', 'podman']).default('libvirt'),
  subnet: z.string().max(64).optional(),
  gateway: z.string().max(64).optional(),
  dhcpStart: z.string().max(64).optional(),
  dhcpEnd: z.string().max(64).optional(),
  uplink: z.string().max(64).optional(),
  autostart: z.boolean().default(true),
  /** The Nova project it is marked with (default: "cli"); `nova apply` of that project owns it. */
  project: ResourceName.optional(),
});
export type NewNetwork = z.input<typeof NewNetwork>;

/** One network by kind and name. */
export const NetworkRef = z.strictObject({
  kind: NetworkKind,
  name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/, 'not a network name'),
  /** Change a network Nova did not create. */
  foreign: z.boolean().default(false),
});
export type NetworkRef = z.input<typeof NetworkRef>;

export const NetworkInstanceRef = z.strictObject({
  kind: z.enum(['vm', 'container']),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'not an instance name'),
  engine: EngineName.optional(),
  /** Change an instance Nova did not create. */
  foreign: z.boolean().default(false),
});
export type NetworkInstanceRef = z.input<typeof NetworkInstanceRef>;

export const networksChannels = {
  'networks.list': {
    summary:
      'Every host bridge, libvirt network and engine network with origin, state, addressing, DHCP leases, members and health',
    input: z.strictObject({}),
    output: NetworkListing,
  },
  'networks.create': {
    summary: 'Create a NAT, isolated or bridged network after checking it; a failed create undoes its steps',
    input: NewNetwork,
    output: z.strictObject({ kind: NetworkKind, name: z.string() }),
  },
  'networks.delete': {
    summary: 'Delete a network; one with members only with force',
    input: NetworkRef.extend({ force: z.boolean().default(false) }),
    output: z.strictObject({ detached: z.array(z.string()) }),
  },
  'networks.start': {
    summary: 'Start a libvirt network',
    input: NetworkRef,
    output: z.strictObject({}),
  },
  'networks.stop': {
    summary: 'Stop a libvirt network',
    input: NetworkRef,
    output: z.strictObject({}),
  },
  'networks.autostart': {
    summary: 'Start a libvirt network with the host, or not',
    input: NetworkRef.extend({ autostart: z.boolean() }),
    output: z.strictObject({}),
  },
  'networks.attach': {
    summary: 'Put a VM (a new NIC, live and persistent) or a container (engine connect) on a network',
    input: z.strictObject({ network: NetworkRef, instance: NetworkInstanceRef }),
    output: z.strictObject({ mac: z.string().optional(), live: z.boolean() }),
  },
  'networks.detach': {
    summary: 'Take a VM (its NICs on the network, live and persistent) or a container off a network',
    input: z.strictObject({ network: NetworkRef, instance: NetworkInstanceRef }),
    output: z.strictObject({ macs: z.array(z.string()) }),
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const networksEvents = {} as const satisfies Record<string, z.ZodType>;
