// One list of networks from what the topology reads (host links, libvirt networks, engine networks, VMs'
// interfaces), with DHCP leases and a health check each. Pure: ./network-service.ts reads the facts.
import type { EngineNetworkSummary } from '../contract/container-types.js';
import type {
  ManagedNetwork,
  NetworkHealth,
  NetworkHealthCheck,
  NetworkMember,
  NetworkOrigin,
} from '../contract/features/networks.js';
import type { HostBridgeSummary, HostInterface, Lease, NetworkSummary } from '../contract/helper-types.js';
import type { Instance } from '../model/instance.js';
import { numberToIpv4 } from '../novafile/semantics.js';
import { engineNetworkBridgeNames, type TopologyFacts } from '../topology/topology-graph.js';
import type { OccupiedSubnet } from './network-validate.js';
import { parseSubnet } from './network-validate.js';

/** What the host says about its network services, read from /proc (see ./host-probe.ts). */
export interface HostNetworkProbe {
  /** Command lines of running dnsmasq processes; undefined when they could not be read. */
  dnsmasq?: readonly string[][] | undefined;
  /** net.ipv4.ip_forward; undefined when it could not be read. */
  ipForward?: boolean | undefined;
}

export interface NetworkFacts extends TopologyFacts {
  /** DHCP leases by network id (`libvirt/<name>`, `bridge/<name>`). */
  leases: ReadonlyMap<string, Lease[]>;
  probe: HostNetworkProbe;
}

export const networkId = (kind: string, name: string) => `${kind}/${name}`;

/** Interface kinds that stand for an instance (its tap or veth) or join nothing: not members on their own. */
const INSTANCE_LINK_KINDS = new Set(['tun', 'tap', 'veth', 'macvtap', 'loopback']);
/**
 * Interface kinds that cannot be a bridged network's uplink. A veth can, when no bridge has it: its peer
 * leads to another namespace or a lab's switch (the veths of containers are in their engine's bridge).
 */
const NOT_UPLINK_KINDS = new Set([
  ...[...INSTANCE_LINK_KINDS].filter((kind) => kind !== 'veth'),
  'bridge',
  'ifb',
  'vxlan',
  'wireguard',
]);

/** iproute2's operstate (UP, DOWN, UNKNOWN…): a bridge that is UNKNOWN still carries traffic. */
const isUp = (state: string) => ['up', 'unknown'].includes(state.toLowerCase());

function subnetOf(address: string | undefined, prefix: number | undefined): string | undefined {
  if (address === undefined || prefix === undefined) return undefined;
  const parsed = parseSubnet(`${address}/${String(prefix)}`);
  return parsed.ok ? `${numberToIpv4(parsed.block.first)}/${String(prefix)}` : undefined;
}

function summarize(checks: NetworkHealthCheck[], downChecks: readonly string[]): NetworkHealth {
  const failed = checks.filter((check) => !check.ok);
  const status =
    failed.length === 0
      ? 'ok'
      : failed.some((check) => downChecks.includes(check.check))
        ? 'down'
        : 'warning';
  return { status, checks };
}

function dnsmasqServes(
  probe: HostNetworkProbe,
  match: (argv: readonly string[]) => boolean,
): boolean | undefined {
  return probe.dnsmasq?.some(match);
}

interface Context {
  facts: NetworkFacts;
  interfaces: Map<string, HostInterface>;
  vms: Instance[];
}

function vmMembers(
  context: Context,
  matches: (nic: { type: string; network?: string; bridge?: string }) => boolean,
) {
  const members: NetworkMember[] = [];
  for (const vm of context.vms) {
    for (const nic of context.facts.vmNics.get(vm.id) ?? []) {
      if (!matches(nic)) continue;
      members.push({
        kind: 'vm',
        name: vm.name,
        instanceId: vm.id,
        ...(nic.mac === undefined ? {} : { mac: nic.mac }),
        state: vm.state,
      });
    }
  }
  return members;
}

function linkChecks(
  context: Context,
  bridge: string | undefined,
  active: boolean,
  members: readonly NetworkMember[],
): NetworkHealthCheck[] {
  if (bridge === undefined || !active) return [];
  const link = context.interfaces.get(bridge);
  if (link === undefined)
    return context.facts.hostInterfaces === undefined
      ? []
      : [{ check: 'link', ok: false, detail: `its bridge ${bridge} is missing` }];
  const up = isUp(link.state);
  // A bridge with nothing running on it has no carrier, and that is no fault.
  const running = members.some((member) => member.state === 'running');
  return [
    {
      check: 'carrier',
      ok: up || !running,
      detail: up
        ? `bridge ${bridge} is ${link.state.toLowerCase()}`
        : running
          ? `bridge ${bridge} has no carrier although a member runs`
          : `bridge ${bridge} has no carrier (nothing on it runs)`,
    },
  ];
}

function dhcpCheck(served: boolean | undefined, what: string): NetworkHealthCheck[] {
  if (served === undefined) return [];
  return [
    { check: 'dhcp', ok: served, detail: served ? 'dnsmasq runs' : `dnsmasq does not run for ${what}` },
  ];
}

function forwardingCheck(probe: HostNetworkProbe): NetworkHealthCheck[] {
  if (probe.ipForward === undefined) return [];
  return [
    {
      check: 'forwarding',
      ok: probe.ipForward,
      detail: probe.ipForward ? 'the host forwards IPv4' : 'IPv4 forwarding is off (net.ipv4.ip_forward = 0)',
    },
  ];
}

function libvirtNetwork(context: Context, network: NetworkSummary, bridges: Map<string, HostBridgeSummary>) {
  const { facts } = context;
  const id = networkId('libvirt', network.name);
  const mode = network.forwardMode ?? 'isolated';
  const bridge = network.bridge;
  const members = vmMembers(
    context,
    (nic) =>
      (nic.type === 'network' && nic.network === network.name) ||
      (nic.type === 'bridge' && bridge !== undefined && nic.bridge === bridge),
  );
  const checks: NetworkHealthCheck[] = [
    { check: 'active', ok: network.active, detail: network.active ? 'active' : 'not started' },
    ...linkChecks(context, bridge, network.active && mode !== 'bridge', members),
  ];
  if (network.active && network.dhcpStart !== undefined)
    checks.push(
      ...dhcpCheck(
        dnsmasqServes(facts.probe, (argv) =>
          argv.some((arg) => arg.endsWith(`/dnsmasq/${network.name}.conf`)),
        ),
        `network ${network.name}`,
      ),
    );
  if (network.active && (mode === 'nat' || mode === 'route')) checks.push(...forwardingCheck(facts.probe));
  const host = bridge === undefined ? undefined : bridges.get(bridge);
  const link = bridge === undefined ? undefined : context.interfaces.get(bridge);
  const subnet = subnetOf(network.address, network.prefix);
  const entry: ManagedNetwork = {
    id,
    kind: 'libvirt',
    name: network.name,
    origin: network.origin,
    ...(network.project === undefined ? {} : { project: network.project }),
    mode,
    active: network.active,
    state: network.active ? 'active' : 'inactive',
    autostart: network.autostart,
    ...(bridge === undefined ? {} : { bridge }),
    ...(host?.uplink === undefined ? {} : { uplink: host.uplink }),
    addresses: link?.addresses ?? [],
    ...(subnet === undefined ? {} : { subnet }),
    ...(network.address === undefined ? {} : { gateway: network.address }),
    ...(network.dhcpStart === undefined || network.dhcpEnd === undefined
      ? {}
      : { dhcp: { start: network.dhcpStart, end: network.dhcpEnd } }),
    leases: facts.leases.get(id) ?? [],
    members,
    health: summarize(checks, ['active', 'link']),
  };
  return entry;
}

const BRIDGE_ORIGIN: Record<HostBridgeSummary['origin'], NetworkOrigin> = {
  nova: 'nova',
  libvirt: 'libvirt',
  docker: 'engine',
  system: 'external',
};

function hostBridge(context: Context, bridge: HostBridgeSummary): ManagedNetwork {
  const { facts } = context;
  const id = networkId('bridge', bridge.name);
  const link = context.interfaces.get(bridge.name);
  const nat = link?.nat;
  const ports = bridge.members.filter((member) => {
    const kind = context.interfaces.get(member)?.kind;
    return kind === undefined || !INSTANCE_LINK_KINDS.has(kind);
  });
  const members: NetworkMember[] = [
    ...ports.map((name) => ({
      kind: 'interface' as const,
      name,
      state: context.interfaces.get(name)?.state,
    })),
    ...vmMembers(context, (nic) => nic.type === 'bridge' && nic.bridge === bridge.name),
  ].map((member) => (member.state === undefined ? { kind: member.kind, name: member.name } : member));
  const active = isUp(bridge.state);
  const checks: NetworkHealthCheck[] = [
    {
      check: 'carrier',
      ok: active,
      detail: active
        ? `${bridge.name} is ${bridge.state}`
        : `${bridge.name} is ${bridge.state} (no member is up)`,
    },
  ];
  if (nat !== undefined) {
    if (nat.dhcpStart !== undefined)
      checks.push(
        ...dhcpCheck(
          dnsmasqServes(facts.probe, (argv) =>
            argv.some((arg) => arg.endsWith(`/dnsmasq-${bridge.name}.pid`)),
          ),
          `bridge ${bridge.name}`,
        ),
      );
    checks.push(...forwardingCheck(facts.probe));
  }
  const subnet = subnetOf(nat?.address, nat?.prefix);
  return {
    id,
    kind: 'bridge',
    name: bridge.name,
    origin: BRIDGE_ORIGIN[bridge.origin],
    ...(bridge.project === undefined ? {} : { project: bridge.project }),
    mode: nat === undefined ? (bridge.uplink === undefined ? 'bridge' : 'bridged') : 'nat',
    active,
    state: bridge.state.toLowerCase(),
    bridge: bridge.name,
    ...(bridge.uplink === undefined ? {} : { uplink: bridge.uplink }),
    addresses: link?.addresses ?? [],
    ...(subnet === undefined ? {} : { subnet }),
    ...(nat === undefined ? {} : { gateway: nat.address }),
    ...(nat?.dhcpStart === undefined || nat.dhcpEnd === undefined
      ? {}
      : { dhcp: { start: nat.dhcpStart, end: nat.dhcpEnd } }),
    leases: facts.leases.get(id) ?? [],
    members,
    health: summarize(checks, []),
  };
}

const ENGINE_ORIGIN: Record<EngineNetworkSummary['origin'], NetworkOrigin> = {
  nova: 'nova',
  system: 'engine',
  external: 'external',
};

function engineNetwork(context: Context, network: EngineNetworkSummary): ManagedNetwork {
  const containers = context.facts.instances.filter(
    (instance) => instance.kind === 'container' && instance.engine === network.engine,
  );
  const bridge = engineNetworkBridgeNames(network).find((name) => context.interfaces.has(name));
  const first = network.subnets[0];
  const members: NetworkMember[] = network.containers.map((name) => {
    const instance = containers.find((candidate) => candidate.name === name);
    return {
      kind: 'container' as const,
      name,
      engine: network.engine,
      ...(instance === undefined ? {} : { instanceId: instance.id, state: instance.state }),
    };
  });
  const checks: NetworkHealthCheck[] = [
    { check: 'engine', ok: true, detail: `${network.engine} answers` },
    ...linkChecks(context, bridge, true, members),
  ];
  return {
    id: networkId(network.engine, network.name),
    kind: network.engine,
    name: network.name,
    origin: ENGINE_ORIGIN[network.origin],
    ...(network.project === undefined ? {} : { project: network.project }),
    mode: network.internal ? `${network.driver}, internal` : network.driver,
    active: true,
    state: 'available',
    ...(bridge === undefined ? {} : { bridge }),
    addresses: bridge === undefined ? [] : (context.interfaces.get(bridge)?.addresses ?? []),
    ...(first === undefined ? {} : { subnet: first.subnet }),
    ...(first?.gateway === undefined ? {} : { gateway: first.gateway }),
    leases: [],
    members,
    health: summarize(checks, []),
  };
}

const KIND_ORDER = { libvirt: 0, bridge: 1, bolt: 2, docker: 3, podman: 4 } as const;

/**
 * Every network once: libvirt networks, engine networks, and host bridges that back neither (a libvirt
 * network's or an engine network's bridge is shown in that network's row).
 */
export function buildNetworkList(facts: NetworkFacts): ManagedNetwork[] {
  const interfaces = new Map((facts.hostInterfaces ?? []).map((link) => [link.name, link]));
  const context: Context = { facts, interfaces, vms: facts.instances.filter((i) => i.kind === 'vm') };
  const bridges = new Map((facts.hostBridges ?? []).map((bridge) => [bridge.name, bridge]));
  const backing = new Set<string>();
  const networks: ManagedNetwork[] = [];
  for (const network of facts.libvirtNetworks ?? []) {
    if (network.bridge !== undefined) backing.add(network.bridge);
    networks.push(libvirtNetwork(context, network, bridges));
  }
  for (const network of facts.engineNetworks) {
    for (const name of engineNetworkBridgeNames(network)) backing.add(name);
    networks.push(engineNetwork(context, network));
  }
  for (const bridge of bridges.values()) {
    if (!backing.has(bridge.name)) networks.push(hostBridge(context, bridge));
  }
  return networks.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name));
}

/** Host interfaces that may be a bridged network's uplink: devices, bonds, VLANs, veths, not in a bridge. */
export function uplinkCandidates(interfaces: readonly HostInterface[] | undefined): string[] {
  return (interfaces ?? [])
    .filter((link) => !NOT_UPLINK_KINDS.has(link.kind) && link.master === undefined)
    .map((link) => link.name)
    .sort();
}

/** Address blocks in use: every network's subnet and every host address, for the overlap check. */
export function occupiedSubnets(
  networks: readonly ManagedNetwork[],
  interfaces: readonly HostInterface[] | undefined,
): OccupiedSubnet[] {
  const fromNetworks = networks.flatMap((network) =>
    network.subnet === undefined
      ? []
      : [{ subnet: network.subnet, what: `${network.kind} network "${network.name}"` }],
  );
  const bridged = new Set(
    networks.flatMap((network) => (network.bridge === undefined ? [] : [network.bridge])),
  );
  const fromLinks = (interfaces ?? []).flatMap((link) =>
    link.kind === 'loopback' || bridged.has(link.name)
      ? []
      : link.addresses
          .filter((address) => address.includes('.') && !address.startsWith('127.'))
          .map((address) => ({ subnet: address, what: `interface ${link.name}` })),
  );
  return [...fromNetworks, ...fromLinks];
}
