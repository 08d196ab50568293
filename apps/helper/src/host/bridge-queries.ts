// Read-only bridge methods: the host's interfaces, its bridges, and the DHCP leases of a NAT bridge.
import { type HostBridgeSummary, type HostInterface, type Lease, NovaError } from '@nova/core';

import { type HostDeps, isOurs } from './bridge-records.js';
import { libvirtBridgeNames, readAddresses, readLinks } from './host-reads.js';
import { describeInterfaces, parseLeases, summarizeBridges } from './links.js';
import { assertInterfaceName } from './nat.js';
import { readLeaseFile } from './nat-services.js';

export async function listHostInterfaces(deps: HostDeps): Promise<HostInterface[]> {
  const [links, addresses, origins, libvirt] = await Promise.all([
    readLinks(deps.run),
    readAddresses(deps.run),
    deps.origins.read(),
    libvirtBridgeNames(deps),
  ]);
  return describeInterfaces(links, addresses, origins.bridges, libvirt);
}

export async function listHostBridges(deps: HostDeps): Promise<HostBridgeSummary[]> {
  const [links, origins, libvirt] = await Promise.all([
    readLinks(deps.run),
    deps.origins.read(),
    libvirtBridgeNames(deps),
  ]);
  return summarizeBridges(links, origins.bridges, libvirt);
}

export async function bridgeLeases(deps: HostDeps, bridge: string): Promise<Lease[]> {
  assertInterfaceName(bridge);
  const record = (await deps.origins.read()).bridges[bridge];
  if (!isOurs(record) || record.nat === undefined)
    throw new NovaError('not-found', `"${bridge}" is not one of Nova's NAT bridges`);
  if (record.nat.dhcp === undefined) return [];
  return parseLeases(await readLeaseFile(bridge), record.nat.prefix);
}
