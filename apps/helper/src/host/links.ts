// Pure: reads iproute2's JSON (`ip -j -d link show`, `ip -j addr show`) and dnsmasq's lease file into the
// contract's shapes, and tells who made a bridge. No I/O here.
import type { HostBridgeSummary, HostInterface, HostLinkChanged, Lease } from '@nova/core';

import type { BridgeRecord } from './bridges.js';

export type BridgeOrigin = HostBridgeSummary['origin'];

/** One interface as `ip -j -d link show` prints it, with only what Nova reads, checked. */
export interface Link {
  index: number | undefined;
  name: string;
  /** The kernel's link kind (bridge, veth, tun, …) or undefined for a physical NIC and loopback. */
  infoKind: string | undefined;
  linkType: string | undefined;
  state: string;
  /** Administratively up (the UP flag), whatever the carrier says. */
  up: boolean;
  mac: string | undefined;
  mtu: number | undefined;
  master: string | undefined;
  /** For bridges: spanning tree on (kernel STP) or off. */
  stp: boolean | undefined;
}

export interface Address {
  family: 'inet' | 'inet6';
  local: string;
  prefix: number;
  scope: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const int = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) ? value : undefined;

function jsonList(text: string, what: string): unknown[] {
  const parsed = JSON.parse(text.trim() === '' ? '[]' : text) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${what} did not print a JSON list`);
  return parsed;
}

export function parseLinks(text: string): Link[] {
  return jsonList(text, 'ip -j link show').flatMap((entry): Link[] => {
    if (!isRecord(entry)) return [];
    const name = str(entry['ifname']);
    if (name === undefined) return [];
    const info = isRecord(entry['linkinfo']) ? entry['linkinfo'] : {};
    const data = isRecord(info['info_data']) ? info['info_data'] : {};
    const infoKind = str(info['info_kind']);
    const stpState = int(data['stp_state']);
    return [
      {
        index: int(entry['ifindex']),
        name,
        infoKind,
        linkType: str(entry['link_type']),
        state: str(entry['operstate']) ?? 'UNKNOWN',
        up: Array.isArray(entry['flags']) && entry['flags'].includes('UP'),
        mac: str(entry['address']),
        mtu: int(entry['mtu']),
        master: str(entry['master']),
        stp: infoKind === 'bridge' && stpState !== undefined ? stpState !== 0 : undefined,
      },
    ];
  });
}

/** `ip -j addr show` by interface name. */
export function parseAddresses(text: string): Map<string, Address[]> {
  const byName = new Map<string, Address[]>();
  for (const entry of jsonList(text, 'ip -j addr show')) {
    if (!isRecord(entry)) continue;
    const name = str(entry['ifname']);
    if (name === undefined) continue;
    const infos = Array.isArray(entry['addr_info']) ? (entry['addr_info'] as unknown[]) : [];
    const addresses: Address[] = [];
    for (const info of infos) {
      if (!isRecord(info)) continue;
      const family = info['family'];
      const local = str(info['local']);
      const prefix = int(info['prefixlen']);
      if ((family !== 'inet' && family !== 'inet6') || local === undefined || prefix === undefined) continue;
      addresses.push({ family, local, prefix, scope: str(info['scope']) ?? 'global' });
    }
    byName.set(name, addresses);
  }
  return byName;
}

/** bridge, veth, tun, vlan, bond, … as the kernel says; loopback; "device" for a physical NIC. */
export function interfaceKind(link: Link): string {
  if (link.linkType === 'loopback') return 'loopback';
  return link.infoKind ?? 'device';
}

/** Bridges Docker and Podman make: docker0, br-<12 hex> (user networks), podman0, cni-podman<n>. */
const DOCKER_BRIDGE = /^(docker0|br-[0-9a-f]{12}|podman0|cni-podman\d+)$/;

export function bridgeOrigin(
  name: string,
  record: BridgeRecord | undefined,
  libvirtBridges: readonly string[],
): BridgeOrigin {
  if (record !== undefined && record.foreign !== true) return 'nova';
  // nv-* are the bridges of Nova's libvirt networks: libvirt manages them, not the helper.
  if (libvirtBridges.includes(name) || /^virbr\d+$/.test(name) || name.startsWith('nv-')) return 'libvirt';
  if (DOCKER_BRIDGE.test(name)) return 'docker';
  return 'system';
}

const cidr = (address: Address) => `${address.local}/${address.prefix}`;

function membersOf(links: readonly Link[], bridge: string): string[] {
  return links.filter((link) => link.master === bridge).map((link) => link.name);
}

export function describeInterfaces(
  links: readonly Link[],
  addresses: ReadonlyMap<string, Address[]>,
  registry: Readonly<Record<string, BridgeRecord>>,
  libvirtBridges: readonly string[],
): HostInterface[] {
  return links.map((link) => {
    const described: HostInterface = {
      name: link.name,
      kind: interfaceKind(link),
      state: link.state,
      addresses: (addresses.get(link.name) ?? []).map(cidr),
    };
    if (link.mac !== undefined) described.mac = link.mac;
    if (link.mtu !== undefined) described.mtu = link.mtu;
    if (link.master !== undefined) described.master = link.master;
    if (link.infoKind === 'bridge') {
      const record = registry[link.name];
      const origin = bridgeOrigin(link.name, record, libvirtBridges);
      described.members = membersOf(links, link.name);
      described.origin = origin;
      if (link.stp !== undefined) described.stp = link.stp;
      if (origin === 'nova' && record?.project !== undefined) described.project = record.project;
      if (origin === 'nova' && record?.nat !== undefined) {
        const { address, prefix, dhcp } = record.nat;
        described.nat =
          dhcp === undefined
            ? { address, prefix }
            : { address, prefix, dhcpStart: dhcp.start, dhcpEnd: dhcp.end };
      }
    }
    return described;
  });
}

export function summarizeBridges(
  links: readonly Link[],
  registry: Readonly<Record<string, BridgeRecord>>,
  libvirtBridges: readonly string[],
): HostBridgeSummary[] {
  return links
    .filter((link) => link.infoKind === 'bridge')
    .map((link) => {
      const record = registry[link.name];
      const origin = bridgeOrigin(link.name, record, libvirtBridges);
      const summary: HostBridgeSummary = {
        name: link.name,
        state: link.state,
        members: membersOf(links, link.name),
        origin,
      };
      if (origin === 'nova' && record?.project !== undefined) summary.project = record.project;
      if (origin === 'nova' && record?.uplink !== undefined) summary.uplink = record.uplink;
      return summary;
    });
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * dnsmasq's lease file: one lease a line, "expiry mac ip hostname client-id"; expiry 0 is infinite,
 * hostname "*" is none. DHCPv6 lines (the "duid" line and IAID-keyed leases) are skipped.
 */
export function parseLeases(text: string, prefix?: number): Lease[] {
  const leases: Lease[] = [];
  for (const line of text.split('\n')) {
    const [expiry, mac, address, hostname] = line.trim().split(/\s+/);
    if (expiry === undefined || mac === undefined || address === undefined) continue;
    if (!/^\d+$/.test(expiry) || !MAC.test(mac) || !IPV4.test(address)) continue;
    const lease: Lease = { mac: mac.toLowerCase(), address };
    if (prefix !== undefined) lease.prefix = prefix;
    if (hostname !== undefined && hostname !== '*' && hostname !== '') lease.hostname = hostname;
    const seconds = Number(expiry);
    if (seconds > 0) lease.expires = seconds;
    leases.push(lease);
  }
  return leases;
}

/** What a link watcher compares between two listings. */
export interface LinkSnapshot {
  index: number | undefined;
  state: string;
  master: string | undefined;
}

export function snapshotLinks(links: readonly Link[]): Map<string, LinkSnapshot> {
  return new Map(
    links.map((link) => [link.name, { index: link.index, state: link.state, master: link.master }]),
  );
}

function linkEvent(name: string, event: HostLinkChanged['event'], link?: LinkSnapshot): HostLinkChanged {
  const changed: HostLinkChanged = { name, event };
  if (link !== undefined) changed.state = link.state;
  if (link?.master !== undefined) changed.master = link.master;
  return changed;
}

/** Links added, removed, or whose state or bridge changed; a link re-created under its name is removed and added. */
export function diffLinks(
  before: ReadonlyMap<string, LinkSnapshot>,
  after: ReadonlyMap<string, LinkSnapshot>,
): HostLinkChanged[] {
  const events: HostLinkChanged[] = [];
  for (const [name, old] of before) {
    const now = after.get(name);
    if (now === undefined || now.index !== old.index) events.push(linkEvent(name, 'removed'));
  }
  for (const [name, now] of after) {
    const old = before.get(name);
    if (old === undefined || old.index !== now.index) events.push(linkEvent(name, 'added', now));
    else if (old.state !== now.state || old.master !== now.master)
      events.push(linkEvent(name, 'changed', now));
  }
  return events;
}
