// The helper's methods for libvirt domains (VMs): reads, lifecycle, clones and network interfaces.
// Their snapshots are in snapshots.ts.
import { z } from 'zod';

import {
  DomainFacts,
  DomainInfo,
  DomainInterfaceAddresses,
  DomainStats,
  DomainSummary,
  OwnedDomain,
} from '../helper-types.js';
import { DomainNicSpec, DomainSpec, MacAddress, ResourceName } from '../specs.js';
import { domainInput, Empty, Owner, VmTargetSchema } from './inputs.js';
import { helperMethod } from './method.js';

/** What the helper says about domains: lists, one domain's details, XML, counters and addresses. */
export const vmReadMethods = {
  ListDomains: helperMethod({
    action: 'dev.nova.vm.read',
    summary: 'Every libvirt domain on qemu:///system with its state and size',
    input: Empty,
    output: z.object({ connection: z.string(), domains: z.array(DomainSummary) }),
  }),
  ListOwnedDomains: helperMethod({
    action: 'dev.nova.vm.read',
    summary: 'Nova’s domains of a project (or of every project), with their definitions',
    input: z.object({ project: ResourceName.optional() }).strict(),
    output: z.object({ domains: z.array(OwnedDomain) }),
  }),
  ListDomainFacts: helperMethod({
    action: 'dev.nova.vm.read',
    summary:
      'Networks, autostart and whether it runs, of every domain (or the named ones): a few libvirt calls for all',
    input: z.object({ names: z.array(ResourceName).max(10_000).optional() }).strict(),
    output: z.object({ domains: z.array(DomainFacts) }),
  }),
  GetDomainInfo: helperMethod({
    action: 'dev.nova.vm.read',
    summary: 'One domain: state and why, owner, size, disks, interfaces, snapshots',
    input: domainInput({}),
    output: DomainInfo,
  }),
  GetDomainXml: helperMethod({
    action: 'dev.nova.vm.read',
    summary: 'A domain’s XML description, as libvirt keeps it (inactive: its persistent definition)',
    input: domainInput({ inactive: z.boolean().default(false) }),
    output: z.object({ xml: z.string() }),
  }),
  GetDomainStats: helperMethod({
    action: 'dev.nova.vm.read',
    summary:
      'CPU, memory, disk and network counters of every domain (or the named ones, or the running ones), in one libvirt call',
    input: z
      .object({
        names: z.array(ResourceName).max(10_000).optional(),
        /** Only running or paused domains: a shut-off one has no load, and a host may define hundreds. */
        activeOnly: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ stats: z.array(DomainStats) }),
  }),
  GetDomainAddresses: helperMethod({
    action: 'dev.nova.vm.read',
    summary: 'A domain’s IP addresses, from DHCP leases, the guest agent or the ARP table',
    input: domainInput({ source: z.enum(['lease', 'agent', 'arp']).default('lease') }),
    output: z.object({ interfaces: z.array(DomainInterfaceAddresses) }),
  }),
};

/** Defining a domain, changing its state, deleting it, and whether it starts with the host. */
export const vmLifecycleMethods = {
  DefineDomain: helperMethod({
    action: 'dev.nova.vm.define',
    summary: 'Define (or redefine) a Nova domain from a spec; the helper builds the XML',
    input: z.object({ spec: DomainSpec }).strict(),
    output: z.object({ uuid: z.string(), created: z.boolean() }),
  }),
  StartDomain: helperMethod({
    action: 'dev.nova.vm.start',
    summary: 'Start a domain (or resume it, if paused)',
    input: VmTargetSchema,
    output: z.object({ state: DomainSummary.shape.state }),
    timeoutMs: 10 * 60_000,
  }),
  StopDomain: helperMethod({
    action: 'dev.nova.vm.stop',
    summary: 'Shut a domain down (ACPI), forcing it off after a timeout if asked; or force it off at once',
    input: domainInput({
      ...Owner,
      mode: z.enum(['shutdown', 'destroy']),
      timeoutSeconds: z.number().int().min(0).max(3600).default(60),
      forceAfterTimeout: z.boolean().default(true),
    }),
    output: z.object({ state: DomainSummary.shape.state, forced: z.boolean() }),
    /** The guest’s time to shut down, and a minute more. */
    timeoutMs: ({ timeoutSeconds }) => (timeoutSeconds + 60) * 1000,
  }),
  RebootDomain: helperMethod({
    action: 'dev.nova.vm.reboot',
    summary: 'Ask a running domain to reboot (ACPI)',
    input: VmTargetSchema,
    output: Empty,
  }),
  PauseDomain: helperMethod({
    action: 'dev.nova.vm.pause',
    summary: 'Pause a running domain',
    input: VmTargetSchema,
    output: z.object({ state: DomainSummary.shape.state }),
  }),
  ResumeDomain: helperMethod({
    action: 'dev.nova.vm.resume',
    summary: 'Resume a paused domain',
    input: VmTargetSchema,
    output: z.object({ state: DomainSummary.shape.state }),
  }),
  DeleteDomain: helperMethod({
    action: 'dev.nova.vm.delete',
    summary: 'Force off and undefine a domain, with the disk images Nova created for it if asked',
    input: domainInput({ ...Owner, removeVolumes: z.boolean() }),
    output: z.object({ removedVolumes: z.array(z.string()) }),
  }),
  SetDomainAutostart: helperMethod({
    action: 'dev.nova.vm.autostart',
    summary: 'Start a domain with the host, or not',
    input: domainInput({ ...Owner, autostart: z.boolean() }),
    output: Empty,
  }),
};

/** Copying a domain with its disks, and adding or removing its network interfaces. */
export const vmCloneAndNicMethods = {
  CloneDomain: helperMethod({
    action: 'dev.nova.vm.clone',
    summary: 'Copy a stopped domain under a new name, with copies of its disk images and new MAC addresses',
    input: domainInput({ ...Owner, clone: ResourceName }),
    output: z.object({ name: z.string(), uuid: z.string(), volumes: z.array(z.string()) }),
    timeoutMs: 60 * 60_000,
  }),
  AttachNic: helperMethod({
    action: 'dev.nova.vm.nic-attach',
    summary: 'Add a network interface to a domain, to its definition and (if it runs) live',
    input: domainInput({ ...Owner, nic: DomainNicSpec }),
    output: z.object({ mac: z.string(), live: z.boolean() }),
  }),
  DetachNic: helperMethod({
    action: 'dev.nova.vm.nic-detach',
    summary: 'Remove a domain’s network interface (by MAC), from its definition and (if it runs) live',
    input: domainInput({ ...Owner, mac: MacAddress }),
    output: z.object({ live: z.boolean() }),
  }),
};
