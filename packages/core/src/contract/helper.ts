import { z } from 'zod';

import { EngineName, InstanceState, Origin } from '../model/instance.js';
import type { ErrorCode } from './errors.js';
import {
  DomainDiskSpec,
  DomainNicSpec,
  DomainSpec,
  HostBridgeSpec,
  InterfaceName,
  NetworkSpec,
  PoolSpec,
  ResourceName,
  VolumeSpec,
} from './specs.js';

/**
 * The privileged helper's D-Bus API, declared once. The helper dispatches and authorizes from this table,
 * the client in core calls through it, the introspection XML and the polkit .policy are checked
 * against it.
 *
 * Wire form: every method takes one string argument and returns one string, each a JSON document
 * validated by the zod schema below at both ends. One schema is then the whole truth for a method,
 * including the checks the helper makes on input it must not trust.
 */
export const HELPER_BUS_NAME = 'dev.nova.Helper1';
export const HELPER_OBJECT_PATH = '/dev/nova/Helper1';
export const HELPER_INTERFACE = 'dev.nova.Helper1';
/** Requests larger than this are refused before they are parsed. */
export const HELPER_MAX_REQUEST_BYTES = 256 * 1024;

export type PolkitDefault = 'yes' | 'no' | 'auth_self' | 'auth_admin' | 'auth_self_keep' | 'auth_admin_keep';

export interface PolkitActionSpec {
  description: string;
  message: string;
  defaults: { allowAny: PolkitDefault; allowInactive: PolkitDefault; allowActive: PolkitDefault };
}

/** Every polkit action Nova declares. `apps/helper/data/dev.nova.policy` must match this table. */
export const POLKIT_ACTIONS = {
  'dev.nova.status.read': {
    description: 'See whether Nova can reach libvirt and KVM',
    message: 'Authentication is required to read the status of Nova’s virtualization services',
    defaults: { allowAny: 'yes', allowInactive: 'yes', allowActive: 'yes' },
  },
  'dev.nova.instances.read': {
    description: 'List virtual machines and containers',
    message: 'Authentication is required to list virtual machines and containers',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'yes' },
  },
  'dev.nova.networks.read': {
    description: 'List virtual networks and host bridges',
    message: 'Authentication is required to list virtual networks',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'yes' },
  },
  'dev.nova.storage.read': {
    description: 'List storage pools and disk images',
    message: 'Authentication is required to list storage pools',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'yes' },
  },
  'dev.nova.vms.manage': {
    description: 'Create, change, start, stop and delete Nova’s virtual machines',
    message: 'Authentication is required to manage virtual machines',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'auth_admin_keep' },
  },
  'dev.nova.networks.manage': {
    description: 'Create, start, stop and delete Nova’s virtual networks',
    message: 'Authentication is required to manage virtual networks',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'auth_admin_keep' },
  },
  'dev.nova.bridges.manage': {
    description: 'Create and delete host bridges, and attach host interfaces to them',
    message: 'Authentication is required to change the host’s network bridges',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'auth_admin_keep' },
  },
  'dev.nova.storage.manage': {
    description: 'Create and delete Nova’s storage pools and disk images',
    message: 'Authentication is required to manage storage',
    defaults: { allowAny: 'no', allowInactive: 'no', allowActive: 'auth_admin_keep' },
  },
} as const satisfies Record<string, PolkitActionSpec>;

export type PolkitActionId = keyof typeof POLKIT_ACTIONS;

const Empty = z.object({}).strict();

export const DomainSummary = z.object({
  uuid: z.string(),
  name: z.string(),
  state: InstanceState,
  origin: Origin,
  vcpus: z.number().int().nonnegative(),
  memoryBytes: z.number().int().nonnegative(),
});
export type DomainSummary = z.infer<typeof DomainSummary>;

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

export interface HelperMethodSpec {
  action: PolkitActionId;
  summary: string;
  input: z.ZodType;
  output: z.ZodType;
}

export const helperMethods = {
  GetStatus: {
    action: 'dev.nova.status.read',
    summary: 'Helper version, and whether libvirt and KVM are usable',
    input: Empty,
    output: HelperStatus,
  },
  ListDomains: {
    action: 'dev.nova.instances.read',
    summary: 'Every libvirt domain on qemu:///system with its state and size',
    input: Empty,
    output: z.object({ connection: z.string(), domains: z.array(DomainSummary) }),
  },
  ListNetworks: {
    action: 'dev.nova.networks.read',
    summary: 'Every libvirt network on qemu:///system with its addressing and owner',
    input: Empty,
    output: z.object({ networks: z.array(NetworkSummary) }),
  },
  ListOwnedDomains: {
    action: 'dev.nova.instances.read',
    summary: 'Nova’s domains of a project (or of every project), with their definitions',
    input: z.object({ project: ResourceName.optional() }).strict(),
    output: z.object({ domains: z.array(OwnedDomain) }),
  },
  ListStorage: {
    action: 'dev.nova.storage.read',
    summary: 'Every storage pool with its volumes and owner',
    input: Empty,
    output: z.object({ pools: z.array(StoragePoolSummary) }),
  },
  DefineDomain: {
    action: 'dev.nova.vms.manage',
    summary: 'Define (or redefine) a Nova domain from a spec; the helper builds the XML',
    input: z.object({ spec: DomainSpec }).strict(),
    output: z.object({ uuid: z.string(), created: z.boolean() }),
  },
  StartDomain: {
    action: 'dev.nova.vms.manage',
    summary: 'Start a Nova domain of a project',
    input: z.object({ project: ResourceName, name: ResourceName }).strict(),
    output: z.object({ state: InstanceState }),
  },
  StopDomain: {
    action: 'dev.nova.vms.manage',
    summary:
      'Shut a Nova domain down (ACPI), forcing it off after a timeout if asked; or force it off at once',
    input: z
      .object({
        project: ResourceName,
        name: ResourceName,
        mode: z.enum(['shutdown', 'destroy']),
        timeoutSeconds: z.number().int().min(0).max(3600).default(60),
        forceAfterTimeout: z.boolean().default(true),
      })
      .strict(),
    output: z.object({ state: InstanceState, forced: z.boolean() }),
  },
  DeleteDomain: {
    action: 'dev.nova.vms.manage',
    summary: 'Force off and undefine a Nova domain, with the volumes Nova created for it if asked',
    input: z.object({ project: ResourceName, name: ResourceName, removeVolumes: z.boolean() }).strict(),
    output: z.object({ removedVolumes: z.array(z.string()) }),
  },
  SetDomainAutostart: {
    action: 'dev.nova.vms.manage',
    summary: 'Start a Nova domain with the host, or not',
    input: z.object({ project: ResourceName, name: ResourceName, autostart: z.boolean() }).strict(),
    output: Empty,
  },
  DefineNetwork: {
    action: 'dev.nova.networks.manage',
    summary: 'Define, start and set autostart of a Nova network from a spec; the helper builds the XML',
    input: z.object({ spec: NetworkSpec, autostart: z.boolean() }).strict(),
    output: z.object({ uuid: z.string() }),
  },
  StartNetwork: {
    action: 'dev.nova.networks.manage',
    summary: 'Start a Nova network',
    input: z.object({ project: ResourceName, name: ResourceName }).strict(),
    output: Empty,
  },
  SetNetworkAutostart: {
    action: 'dev.nova.networks.manage',
    summary: 'Start a Nova network with the host, or not',
    input: z.object({ project: ResourceName, name: ResourceName, autostart: z.boolean() }).strict(),
    output: Empty,
  },
  DeleteNetwork: {
    action: 'dev.nova.networks.manage',
    summary: 'Stop and undefine a Nova network',
    input: z.object({ project: ResourceName, name: ResourceName }).strict(),
    output: Empty,
  },
  DefinePool: {
    action: 'dev.nova.storage.manage',
    summary: 'Define, build, start and autostart a directory storage pool for Nova',
    input: z.object({ spec: PoolSpec }).strict(),
    output: Empty,
  },
  DeletePool: {
    action: 'dev.nova.storage.manage',
    summary: 'Stop and undefine an empty storage pool Nova created (its folder stays)',
    input: z.object({ project: ResourceName, name: ResourceName }).strict(),
    output: Empty,
  },
  CreateVolume: {
    action: 'dev.nova.storage.manage',
    summary: 'Create a disk image in a storage pool, owned by a project',
    input: z.object({ project: ResourceName, spec: VolumeSpec }).strict(),
    output: z.object({ path: z.string() }),
  },
  ResizeVolume: {
    action: 'dev.nova.storage.manage',
    summary: 'Grow a disk image Nova created',
    input: z
      .object({
        project: ResourceName,
        pool: ResourceName,
        name: VolumeSpec.shape.name,
        capacityBytes: VolumeSpec.shape.capacityBytes,
      })
      .strict(),
    output: Empty,
  },
  DeleteVolume: {
    action: 'dev.nova.storage.manage',
    summary: 'Delete a disk image Nova created',
    input: z.object({ project: ResourceName, pool: ResourceName, name: VolumeSpec.shape.name }).strict(),
    output: Empty,
  },
  ListHostBridges: {
    action: 'dev.nova.networks.read',
    summary: 'Every Linux bridge of the host with its members and who made it',
    input: Empty,
    output: z.object({ bridges: z.array(HostBridgeSummary) }),
  },
  CreateHostBridge: {
    action: 'dev.nova.bridges.manage',
    summary:
      'Create a Linux bridge, enslaving an uplink (its addresses and default route move to the bridge); undone on any failed step',
    input: z.object({ spec: HostBridgeSpec, takeUplink: z.boolean() }).strict(),
    output: z.object({ movedAddresses: z.array(z.string()) }),
  },
  DeleteHostBridge: {
    action: 'dev.nova.bridges.manage',
    summary: 'Delete a bridge Nova created, giving its uplink back its addresses and routes',
    input: z.object({ project: ResourceName, name: InterfaceName }).strict(),
    output: Empty,
  },
  ListContainers: {
    action: 'dev.nova.instances.read',
    summary: 'Every container of a root-owned engine (Docker or Podman)',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ endpoint: z.string(), containers: z.array(ContainerSummary) }),
  },
} as const satisfies Record<string, HelperMethodSpec>;

export type HelperMethods = typeof helperMethods;
export type HelperMethodName = keyof HelperMethods;
export type HelperInput<M extends HelperMethodName> = z.input<HelperMethods[M]['input']>;
export type HelperOutput<M extends HelperMethodName> = z.output<HelperMethods[M]['output']>;

export function isHelperMethodName(name: string): name is HelperMethodName {
  return Object.hasOwn(helperMethods, name);
}

/** D-Bus error names for each contract error code, under the helper's interface. */
export const HELPER_ERROR_NAMES: Readonly<Record<ErrorCode, string>> = {
  'invalid-input': 'dev.nova.Helper1.Error.InvalidInput',
  'not-authorized': 'dev.nova.Helper1.Error.NotAuthorized',
  'not-found': 'dev.nova.Helper1.Error.NotFound',
  conflict: 'dev.nova.Helper1.Error.Conflict',
  'backend-unavailable': 'dev.nova.Helper1.Error.BackendUnavailable',
  failed: 'dev.nova.Helper1.Error.Failed',
};

export function errorCodeForHelperErrorName(name: string): ErrorCode | undefined {
  for (const [code, errorName] of Object.entries(HELPER_ERROR_NAMES)) {
    if (errorName === name) return code as ErrorCode;
  }
  return undefined;
}

/** Introspection XML for the helper's interface, generated from the table above. */
export function helperIntrospectionXml(): string {
  const methods = Object.entries(helperMethods)
    .map(
      ([name, spec]) =>
        `    <method name="${name}">\n` +
        `      <annotation name="dev.nova.PolkitAction" value="${spec.action}"/>\n` +
        `      <arg name="request" type="s" direction="in"/>\n` +
        `      <arg name="reply" type="s" direction="out"/>\n` +
        `    </method>\n`,
    )
    .join('');
  return (
    '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n' +
    ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n' +
    `<node name="${HELPER_OBJECT_PATH}">\n` +
    `  <interface name="${HELPER_INTERFACE}">\n${methods}  </interface>\n` +
    '  <interface name="org.freedesktop.DBus.Introspectable">\n' +
    '    <method name="Introspect"><arg name="xml" type="s" direction="out"/></method>\n' +
    '  </interface>\n' +
    '  <interface name="org.freedesktop.DBus.Peer">\n' +
    '    <method name="Ping"/>\n' +
    '    <method name="GetMachineId"><arg name="machine_uuid" type="s" direction="out"/></method>\n' +
    '  </interface>\n' +
    '</node>\n'
  );
}
