// The wire types of the helper's API: what its methods and signals carry.
import { z } from 'zod';

import { EngineName, InstanceState, Origin } from '../model/instance.js';
import { DomainDiskSpec, DomainNicSpec } from './specs.js';

export const DomainSummary = z.object({
  uuid: z.string(),
  name: z.string(),
  state: InstanceState,
  origin: Origin,
  vcpus: z.number().int().nonnegative(),
  memoryBytes: z.number().int().nonnegative(),
});
export type DomainSummary = z.infer<typeof DomainSummary>;

/** What the overview's columns need of a domain, read for many domains at once. */
export const DomainFacts = z.object({
  uuid: z.string(),
  name: z.string(),
  /** Running or paused: it may have addresses. */
  active: z.boolean(),
  autostart: z.boolean(),
  /** What its network interfaces are plugged into: libvirt networks' or host bridges' names. */
  networks: z.array(z.string()),
});
export type DomainFacts = z.infer<typeof DomainFacts>;

export const ContainerSummary = z.object({
  containerId: z.string(),
  name: z.string(),
  state: InstanceState,
  origin: Origin,
  image: z.string(),
  /** Nova's labels, on containers Nova created. */
  project: z.string().optional(),
  specHash: z.string().optional(),
  spec: z.string().optional(),
});
export type ContainerSummary = z.infer<typeof ContainerSummary>;

export const NetworkSummary = z.object({
  name: z.string(),
  uuid: z.string(),
  active: z.boolean(),
  autostart: z.boolean(),
  /** nat, route, bridge, open…; absent for an isolated network. */
  forwardMode: z.string().optional(),
  bridge: z.string().optional(),
  address: z.string().optional(),
  prefix: z.number().int().optional(),
  dhcpStart: z.string().optional(),
  dhcpEnd: z.string().optional(),
  origin: Origin,
  project: z.string().optional(),
  specHash: z.string().optional(),
});
export type NetworkSummary = z.infer<typeof NetworkSummary>;

export const NovaMarkWire = z.object({
  project: z.string().optional(),
  name: z.string().optional(),
  specHash: z.string().optional(),
});

/** A Nova-owned domain as libvirt keeps it (its inactive definition), in the terms of a DomainSpec. */
export const OwnedDomain = z.object({
  name: z.string(),
  uuid: z.string(),
  state: InstanceState,
  autostart: z.boolean(),
  mark: NovaMarkWire,
  config: z.object({
    type: z.string(),
    vcpus: z.number().int(),
    memoryBytes: z.number().int(),
    firmware: z.object({ type: z.enum(['bios', 'uefi']), secureBoot: z.boolean() }),
    kernel: z
      .object({ path: z.string(), initrd: z.string().optional(), cmdline: z.string().optional() })
      .optional(),
    disks: z.array(DomainDiskSpec),
    nics: z.array(DomainNicSpec),
    tpm: z.object({ version: z.string(), backend: z.string() }).optional(),
    hostdevs: z.array(z.string()),
    lookingGlassMiB: z.number().int().optional(),
  }),
});
export type OwnedDomain = z.infer<typeof OwnedDomain>;

export const StoragePoolSummary = z.object({
  name: z.string(),
  path: z.string(),
  active: z.boolean(),
  autostart: z.boolean(),
  origin: Origin,
  project: z.string().optional(),
  /** Made by Nova for any project's disks; never pruned. */
  shared: z.boolean().optional(),
  volumes: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      capacityBytes: z.number().int(),
      format: z.string(),
      origin: Origin,
      project: z.string().optional(),
    }),
  ),
});
export type StoragePoolSummary = z.infer<typeof StoragePoolSummary>;

export const HostBridgeSummary = z.object({
  name: z.string(),
  state: z.string(),
  /** Interfaces enslaved to it. */
  members: z.array(z.string()),
  /** Who made it: Nova, libvirt (virbr*), Docker (docker0, br-*), or the system. */
  origin: z.enum(['nova', 'libvirt', 'docker', 'system']),
  project: z.string().optional(),
  uplink: z.string().optional(),
});
export type HostBridgeSummary = z.infer<typeof HostBridgeSummary>;

export const ServiceCheck = z.object({
  status: z.enum(['ok', 'unavailable', 'absent']),
  version: z.string().optional(),
  detail: z.string(),
});
export type ServiceCheck = z.infer<typeof ServiceCheck>;

export const HelperStatus = z.object({
  helperVersion: z.string(),
  libvirt: ServiceCheck,
  kvm: ServiceCheck,
});
export type HelperStatus = z.infer<typeof HelperStatus>;

/** Root-owned engines the helper may relay; a client names one of these, never a socket path. */
export const RelayedEngine = EngineName.extract(['docker', 'podman']);
export type RelayedEngine = z.infer<typeof RelayedEngine>;

/** What a VM is now: its definition in brief, its state, its addresses' sources. */
export const DomainInfo = z.object({
  name: z.string(),
  uuid: z.string(),
  state: InstanceState,
  /** libvirt's reason for the state, as text (booted, user, crashed, …). */
  reason: z.string(),
  origin: Origin,
  project: z.string().optional(),
  persistent: z.boolean(),
  autostart: z.boolean(),
  type: z.string(),
  vcpus: z.number().int(),
  memoryBytes: z.number().int(),
  disks: z.array(DomainDiskSpec),
  nics: z.array(DomainNicSpec),
  snapshots: z.number().int(),
});
export type DomainInfo = z.infer<typeof DomainInfo>;

/** One sample of a domain's counters, from GetAllDomainStats (one call for all domains). */
export const DomainStats = z.object({
  name: z.string(),
  state: InstanceState,
  /** Nanoseconds of CPU time used since the domain started. */
  cpuTimeNs: z.number(),
  vcpus: z.number().int(),
  memoryBytes: z.number(),
  /** Memory the guest uses, when its balloon driver reports it. */
  memoryUsedBytes: z.number().optional(),
  diskReadBytes: z.number(),
  diskWriteBytes: z.number(),
  netRxBytes: z.number(),
  netTxBytes: z.number(),
});
export type DomainStats = z.infer<typeof DomainStats>;

export const AddressSource = z.enum(['lease', 'agent', 'arp']);
export type AddressSource = z.infer<typeof AddressSource>;

export const DomainInterfaceAddresses = z.object({
  interface: z.string(),
  mac: z.string(),
  addresses: z.array(
    z.object({ address: z.string(), prefix: z.number().int(), family: z.enum(['ipv4', 'ipv6']) }),
  ),
});
export type DomainInterfaceAddresses = z.infer<typeof DomainInterfaceAddresses>;

export const SnapshotSummary = z.object({
  name: z.string(),
  description: z.string().optional(),
  createdAt: z.string(),
  state: z.string(),
  current: z.boolean(),
  parent: z.string().optional(),
});
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const Lease = z.object({
  mac: z.string(),
  address: z.string(),
  prefix: z.number().int().optional(),
  hostname: z.string().optional(),
  /** Seconds since the epoch. */
  expires: z.number().optional(),
});
export type Lease = z.infer<typeof Lease>;

export const HostInterface = z.object({
  name: z.string(),
  /** bridge, veth, dummy, vlan, bond, tun, loopback, device (a physical NIC), … */
  kind: z.string(),
  state: z.string(),
  mac: z.string().optional(),
  mtu: z.number().int().optional(),
  addresses: z.array(z.string()),
  master: z.string().optional(),
  /** For bridges: the interfaces in it. */
  members: z.array(z.string()).optional(),
  /** For bridges: who made it. */
  origin: z.enum(['nova', 'libvirt', 'docker', 'system']).optional(),
  project: z.string().optional(),
  stp: z.boolean().optional(),
  /** For Nova's NAT bridges: the addressing and DHCP range it serves. */
  nat: z
    .object({
      address: z.string(),
      prefix: z.number().int(),
      dhcpStart: z.string().optional(),
      dhcpEnd: z.string().optional(),
    })
    .optional(),
});
export type HostInterface = z.infer<typeof HostInterface>;

// ── Signals: pushed to subscribed clients (see Subscribe), one JSON string each ──

export const DomainChanged = z.object({
  name: z.string(),
  uuid: z.string().optional(),
  event: z.enum([
    'defined',
    'undefined',
    'started',
    'suspended',
    'resumed',
    'stopped',
    'shutdown',
    'pmsuspended',
    'crashed',
    'unknown',
  ]),
  state: InstanceState,
});
export type DomainChanged = z.infer<typeof DomainChanged>;

export const NetworkChanged = z.object({
  name: z.string(),
  event: z.enum(['defined', 'undefined', 'started', 'stopped', 'unknown']),
});
export type NetworkChanged = z.infer<typeof NetworkChanged>;

export const HostLinkChanged = z.object({
  name: z.string(),
  event: z.enum(['added', 'removed', 'changed']),
  state: z.string().optional(),
  master: z.string().optional(),
});
export type HostLinkChanged = z.infer<typeof HostLinkChanged>;

export const BackendChanged = z.object({
  /**
   * libvirt, a root-owned container engine whose event stream the helper follows, or polkit (without
   * it the helper authorizes no call, so nothing reached through the helper can be listed).
   */
  backend: z.enum(['libvirt', 'docker', 'podman', 'polkit']),
  status: z.enum(['available', 'unavailable']),
  detail: z.string(),
  /** With "available": the state as it is now, so a client need not ask. */
  domains: z.array(DomainSummary).optional(),
});
export type BackendChanged = z.infer<typeof BackendChanged>;
