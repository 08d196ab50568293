// The helper's methods for libvirt's virtual networks.
import { z } from 'zod';

import { Lease, NetworkSummary } from '../helper-types.js';
import { NetworkSpec, ResourceName } from '../specs.js';
import { Empty, TargetSchema, TargetShape } from './inputs.js';
import { helperMethod } from './method.js';

/** Listing libvirt's networks and their leases, and defining, starting, stopping and deleting one. */
export const networkMethods = {
  ListNetworks: helperMethod({
    action: 'dev.nova.network.read',
    summary: 'Every libvirt network on qemu:///system with its addressing and owner',
    input: Empty,
    output: z.object({ networks: z.array(NetworkSummary) }),
  }),
  GetNetworkXml: helperMethod({
    action: 'dev.nova.network.read',
    summary: 'A libvirt network’s XML description',
    input: z.object({ name: ResourceName }).strict(),
    output: z.object({ xml: z.string() }),
  }),
  GetNetworkLeases: helperMethod({
    action: 'dev.nova.network.read',
    summary: 'The DHCP leases a libvirt network handed out',
    input: z.object({ name: ResourceName }).strict(),
    output: z.object({ leases: z.array(Lease) }),
  }),
  DefineNetwork: helperMethod({
    action: 'dev.nova.network.create',
    summary: 'Define, start and set autostart of a Nova network from a spec; the helper builds the XML',
    input: z.object({ spec: NetworkSpec, autostart: z.boolean() }).strict(),
    output: z.object({ uuid: z.string() }),
  }),
  StartNetwork: helperMethod({
    action: 'dev.nova.network.start',
    summary: 'Start a libvirt network',
    input: TargetSchema,
    output: Empty,
  }),
  StopNetwork: helperMethod({
    action: 'dev.nova.network.stop',
    summary: 'Stop a libvirt network (its guests lose it until it starts again)',
    input: TargetSchema,
    output: Empty,
  }),
  SetNetworkAutostart: helperMethod({
    action: 'dev.nova.network.autostart',
    summary: 'Start a libvirt network with the host, or not',
    input: z.object({ ...TargetShape, autostart: z.boolean() }).strict(),
    output: Empty,
  }),
  DeleteNetwork: helperMethod({
    action: 'dev.nova.network.delete',
    summary: 'Stop and undefine a libvirt network',
    input: TargetSchema,
    output: Empty,
  }),
};
