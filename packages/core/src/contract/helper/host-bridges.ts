// The helper's methods for the host's own interfaces and Linux bridges (iproute2, nftables, dnsmasq).
import { z } from 'zod';

import { HostBridgeSummary, HostInterface, Lease } from '../helper-types.js';
import { HostBridgeSpec, InterfaceName, ResourceName } from '../specs.js';
import { Empty } from './inputs.js';
import { helperMethod } from './method.js';

/** Listing host interfaces and bridges, and making, changing and deleting bridges. */
export const hostBridgeMethods = {
  ListHostInterfaces: helperMethod({
    action: 'dev.nova.network.read',
    summary: 'Every host interface: kind, state, MAC, addresses, bridge and members, who made a bridge',
    input: Empty,
    output: z.object({ interfaces: z.array(HostInterface) }),
  }),
  ListHostBridges: helperMethod({
    action: 'dev.nova.network.read',
    summary: 'Every Linux bridge of the host with its members and who made it',
    input: Empty,
    output: z.object({ bridges: z.array(HostBridgeSummary) }),
  }),
  GetBridgeLeases: helperMethod({
    action: 'dev.nova.network.read',
    summary: 'The DHCP leases of one of Nova’s NAT bridges',
    input: z.object({ bridge: InterfaceName }).strict(),
    output: z.object({ leases: z.array(Lease) }),
  }),
  CreateHostBridge: helperMethod({
    action: 'dev.nova.bridge.create',
    summary:
      'Create a Linux bridge: with NAT and DHCP (nftables, dnsmasq), or enslaving an uplink (its addresses and default route move to the bridge); undone on any failed step',
    input: z.object({ spec: HostBridgeSpec, takeUplink: z.boolean() }).strict(),
    output: z.object({ movedAddresses: z.array(z.string()) }),
  }),
  DeleteHostBridge: helperMethod({
    action: 'dev.nova.bridge.delete',
    summary:
      'Delete a bridge Nova created (its uplink gets its addresses and routes back); others only with force',
    input: z
      .object({ name: InterfaceName, project: ResourceName.optional(), force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  }),
  AttachHostInterface: helperMethod({
    action: 'dev.nova.bridge.attach',
    summary: 'Add a host interface to a bridge (moving its addresses to the bridge)',
    input: z
      .object({
        bridge: InterfaceName,
        interface: InterfaceName,
        takeUplink: z.boolean(),
        force: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ movedAddresses: z.array(z.string()) }),
  }),
  DetachHostInterface: helperMethod({
    action: 'dev.nova.bridge.detach',
    summary: 'Take a host interface out of a bridge (giving it back the addresses it had)',
    input: z
      .object({ bridge: InterfaceName, interface: InterfaceName, force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  }),
  SetBridgeStp: helperMethod({
    action: 'dev.nova.bridge.stp',
    summary: 'Turn a bridge’s spanning tree protocol on or off',
    input: z
      .object({ bridge: InterfaceName, enabled: z.boolean(), force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  }),
};
