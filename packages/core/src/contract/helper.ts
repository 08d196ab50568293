import { z } from 'zod';

import {
  ContainerDetails,
  ContainerEvent,
  ContainerRef,
  ContainerStats,
  ContainerTarget,
  EngineNetworkSummary,
  EngineObjectName,
  EngineObjectTarget,
  EngineVolumeSummary,
  ExecRequest,
  ExecResult,
  ImageProgress,
  ImageRef,
  ImageSummary,
  LogEntry,
  LogOptions,
  NewContainer,
  NewEngineNetwork,
  NewEngineVolume,
} from './container-types.js';
import type { ErrorCode } from './errors.js';
import {
  BackendChanged,
  ContainerSummary,
  DomainChanged,
  DomainFacts,
  DomainInfo,
  DomainInterfaceAddresses,
  DomainStats,
  DomainSummary,
  HelperStatus,
  HostBridgeSummary,
  HostInterface,
  HostLinkChanged,
  Lease,
  NetworkChanged,
  NetworkSummary,
  OwnedDomain,
  RelayedEngine,
  SnapshotSummary,
  StoragePoolSummary,
} from './helper-types.js';
import {
  AbsolutePath,
  DomainNicSpec,
  DomainSpec,
  freeText,
  HostBridgeSpec,
  InterfaceName,
  MacAddress,
  NetworkSpec,
  PoolSpec,
  ResourceName,
  VolumeSpec,
} from './specs.js';

export * from './helper-types.js';

/** ContainerLogs returns at most this many lines, the newest. */
export const HELPER_MAX_LOG_LINES = 10_000;

/**
 * The privileged helper's D-Bus API, declared once. The helper dispatches and authorizes from this table,
 * the client in core calls through it, the introspection XML and the polkit .policy are generated
 * from it.
 *
 * Wire form: every method takes a JSON document (a string) and, optionally, a call id (a second string,
 * signature "ss"), and returns one JSON string; each document is validated by the zod schema below at
 * both ends. One schema is then the whole truth for a method, including the checks the helper makes on
 * input it must not trust. Signals carry one JSON string.
 */
export const HELPER_BUS_NAME = 'dev.nova.Helper1';
export const HELPER_OBJECT_PATH = '/dev/nova/Helper1';
export const HELPER_INTERFACE = 'dev.nova.Helper1';
/** Requests larger than this are refused before they are parsed. */
export const HELPER_MAX_REQUEST_BYTES = 256 * 1024;

/**
 * A call's id, chosen by the caller (the helper makes one when it is left out): the audit log records
 * it, so the entry of one call is found directly, and a person can correlate a client's log with root's.
 */
export const CallId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a call id (1 to 64 letters, digits, dots, underscores or dashes)');

export type PolkitDefault = 'yes' | 'no' | 'auth_self' | 'auth_admin' | 'auth_self_keep' | 'auth_admin_keep';

export interface PolkitActionSpec {
  description: string;
  message: string;
  defaults: { allowAny: PolkitDefault; allowInactive: PolkitDefault; allowActive: PolkitDefault };
}

/** Reads: no password for a user at the machine (an active local session); nothing for others. */
const READ = { allowAny: 'no', allowInactive: 'no', allowActive: 'yes' } as const;
/** Changes: an administrator's password, remembered for a few minutes. */
const CHANGE = { allowAny: 'no', allowInactive: 'no', allowActive: 'auth_admin_keep' } as const;

const read = (what: string) => ({
  description: `See ${what}`,
  message: `Authentication is required to see ${what}`,
  defaults: READ,
});
const change = (what: string) => ({
  description: what.charAt(0).toUpperCase() + what.slice(1),
  message: `Authentication is required to ${what}`,
  defaults: CHANGE,
});

/** One polkit action per operation. `apps/helper/data/dev.nova.policy` is generated from this table. */
export const POLKIT_ACTIONS = {
  'dev.nova.status.read': {
    description: 'See whether Nova can reach libvirt and KVM',
    message: 'Authentication is required to read the status of Nova’s virtualization services',
    defaults: { allowAny: 'yes', allowInactive: 'yes', allowActive: 'yes' },
  },
  'dev.nova.vm.read': read('virtual machines, their state, statistics, addresses and snapshots'),
  'dev.nova.vm.define': change('create or change the definition of a virtual machine'),
  'dev.nova.vm.start': change('start a virtual machine'),
  'dev.nova.vm.stop': change('shut down or force off a virtual machine'),
  'dev.nova.vm.reboot': change('reboot a virtual machine'),
  'dev.nova.vm.pause': change('pause a virtual machine'),
  'dev.nova.vm.resume': change('resume a paused virtual machine'),
  'dev.nova.vm.delete': change('delete a virtual machine'),
  'dev.nova.vm.autostart': change('change whether a virtual machine starts with the host'),
  'dev.nova.vm.snapshot-create': change('take a snapshot of a virtual machine'),
  'dev.nova.vm.snapshot-revert': change('revert a virtual machine to a snapshot'),
  'dev.nova.vm.snapshot-delete': change('delete a snapshot of a virtual machine'),
  'dev.nova.vm.clone': change('clone a virtual machine with its disks'),
  'dev.nova.vm.nic-attach': change('attach a network interface to a virtual machine'),
  'dev.nova.vm.nic-detach': change('detach a network interface from a virtual machine'),
  'dev.nova.network.read': read('virtual networks, host interfaces and bridges, and DHCP leases'),
  'dev.nova.network.create': change('create a virtual network'),
  'dev.nova.network.start': change('start a virtual network'),
  'dev.nova.network.stop': change('stop a virtual network'),
  'dev.nova.network.autostart': change('change whether a virtual network starts with the host'),
  'dev.nova.network.delete': change('delete a virtual network'),
  'dev.nova.bridge.create': change('create a host bridge (with NAT and DHCP, or with an uplink)'),
  'dev.nova.bridge.delete': change('delete a host bridge'),
  'dev.nova.bridge.attach': change('add a host interface to a bridge'),
  'dev.nova.bridge.detach': change('take a host interface out of a bridge'),
  'dev.nova.bridge.stp': change('turn the spanning tree protocol of a bridge on or off'),
  'dev.nova.storage.read': read('storage pools and disk images'),
  'dev.nova.pool.create': change('create a storage pool'),
  'dev.nova.pool.delete': change('delete a storage pool'),
  'dev.nova.volume.create': change('create a disk image'),
  'dev.nova.volume.resize': change('resize a disk image'),
  'dev.nova.volume.delete': change('delete a disk image'),
  'dev.nova.volume.upload': change('copy a file into a storage pool as a disk image'),
  'dev.nova.container.read': read('the containers of root-owned engines, their details and their load'),
  'dev.nova.container.logs': change('read the logs of a container of a root-owned engine'),
  'dev.nova.container.create': change('create a container in a root-owned engine'),
  'dev.nova.container.start': change('start a container of a root-owned engine'),
  'dev.nova.container.stop': change('stop a container of a root-owned engine'),
  'dev.nova.container.restart': change('restart a container of a root-owned engine'),
  'dev.nova.container.pause': change('pause a container of a root-owned engine'),
  'dev.nova.container.resume': change('resume a paused container of a root-owned engine'),
  'dev.nova.container.delete': change('remove a container of a root-owned engine'),
  'dev.nova.container.exec': change('run a command inside a container of a root-owned engine'),
  'dev.nova.container.network-connect': change(
    'connect a container of a root-owned engine to one of that engine’s networks',
  ),
  'dev.nova.container.network-disconnect': change(
    'disconnect a container of a root-owned engine from one of that engine’s networks',
  ),
  'dev.nova.image.read': read('the images of root-owned container engines'),
  'dev.nova.image.pull': change('pull an image into a root-owned container engine'),
  'dev.nova.image.import': change('import an image from a file into a root-owned container engine'),
  'dev.nova.image.delete': change('remove an image from a root-owned container engine'),
  'dev.nova.engine-network.read': read('the networks and volumes of root-owned container engines'),
  'dev.nova.engine-network.create': change('create a network in a root-owned container engine'),
  'dev.nova.engine-network.delete': change('remove a network of a root-owned container engine'),
  'dev.nova.engine-volume.create': change('create a volume in a root-owned container engine'),
  'dev.nova.engine-volume.delete': change('remove a volume of a root-owned container engine'),
  'dev.nova.events.read': read(
    'changes to virtual machines, containers, networks and host interfaces as they happen',
  ),
} as const satisfies Record<string, PolkitActionSpec>;

export type PolkitActionId = keyof typeof POLKIT_ACTIONS;

const Empty = z.object({}).strict();

/**
 * Which VM (or network) a change is for. With a project, it must be Nova's for that project; without,
 * any of Nova's; `foreign` lets a change reach one Nova did not create, when the user says so.
 */
const Owner = {
  project: ResourceName.optional(),
  foreign: z.boolean().default(false),
};
const Target = { name: ResourceName, ...Owner };
const TargetSchema = z.object(Target).strict();
/** Which network (or other object named by its name) a change is for, and whose it must be. */
export type Target = z.input<typeof TargetSchema>;

/** The UUID libvirt gave a domain: it stays the same when the domain is renamed. */
export const DomainUuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a domain UUID');

/**
 * A method's input that names one VM: by its UUID (what the desktop app holds from the instance list)
 * or by its name (what a person types), exactly one of the two; the helper looks the domain up by
 * whichever it is given.
 */
function domainInput<Shape extends z.ZodRawShape>(shape: Shape) {
  return z
    .object({ name: ResourceName.optional(), uuid: DomainUuid.optional(), ...shape })
    .strict()
    .refine(
      (input: { name?: unknown; uuid?: unknown }) =>
        (input.name === undefined) !== (input.uuid === undefined),
      {
        message: 'say which VM by its name or by its UUID (one of the two)',
      },
    );
}
const VmTargetSchema = domainInput(Owner);
/** Which VM a change is for (by name or UUID), and whose it must be. */
export type VmTarget = z.input<typeof VmTargetSchema>;
/** Which VM a read is for. */
export type DomainRef = { name: string; uuid?: undefined } | { uuid: string; name?: undefined };
const SnapshotName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'not a valid snapshot name');

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

  // ── VMs ──
  ListDomains: {
    action: 'dev.nova.vm.read',
    summary: 'Every libvirt domain on qemu:///system with its state and size',
    input: Empty,
    output: z.object({ connection: z.string(), domains: z.array(DomainSummary) }),
  },
  ListOwnedDomains: {
    action: 'dev.nova.vm.read',
    summary: 'Nova’s domains of a project (or of every project), with their definitions',
    input: z.object({ project: ResourceName.optional() }).strict(),
    output: z.object({ domains: z.array(OwnedDomain) }),
  },
  ListDomainFacts: {
    action: 'dev.nova.vm.read',
    summary:
      'Networks, autostart and whether it runs, of every domain (or the named ones): a few libvirt calls for all',
    input: z.object({ names: z.array(ResourceName).max(10_000).optional() }).strict(),
    output: z.object({ domains: z.array(DomainFacts) }),
  },
  GetDomainInfo: {
    action: 'dev.nova.vm.read',
    summary: 'One domain: state and why, owner, size, disks, interfaces, snapshots',
    input: domainInput({}),
    output: DomainInfo,
  },
  GetDomainXml: {
    action: 'dev.nova.vm.read',
    summary: 'A domain’s XML description, as libvirt keeps it (inactive: its persistent definition)',
    input: domainInput({ inactive: z.boolean().default(false) }),
    output: z.object({ xml: z.string() }),
  },
  GetDomainStats: {
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
  },
  GetDomainAddresses: {
    action: 'dev.nova.vm.read',
    summary: 'A domain’s IP addresses, from DHCP leases, the guest agent or the ARP table',
    input: domainInput({ source: z.enum(['lease', 'agent', 'arp']).default('lease') }),
    output: z.object({ interfaces: z.array(DomainInterfaceAddresses) }),
  },
  ListSnapshots: {
    action: 'dev.nova.vm.read',
    summary: 'A domain’s snapshots',
    input: domainInput({}),
    output: z.object({ snapshots: z.array(SnapshotSummary) }),
  },
  DefineDomain: {
    action: 'dev.nova.vm.define',
    summary: 'Define (or redefine) a Nova domain from a spec; the helper builds the XML',
    input: z.object({ spec: DomainSpec }).strict(),
    output: z.object({ uuid: z.string(), created: z.boolean() }),
  },
  StartDomain: {
    action: 'dev.nova.vm.start',
    summary: 'Start a domain (or resume it, if paused)',
    input: VmTargetSchema,
    output: z.object({ state: DomainSummary.shape.state }),
  },
  StopDomain: {
    action: 'dev.nova.vm.stop',
    summary: 'Shut a domain down (ACPI), forcing it off after a timeout if asked; or force it off at once',
    input: domainInput({
      ...Owner,
      mode: z.enum(['shutdown', 'destroy']),
      timeoutSeconds: z.number().int().min(0).max(3600).default(60),
      forceAfterTimeout: z.boolean().default(true),
    }),
    output: z.object({ state: DomainSummary.shape.state, forced: z.boolean() }),
  },
  RebootDomain: {
    action: 'dev.nova.vm.reboot',
    summary: 'Ask a running domain to reboot (ACPI)',
    input: VmTargetSchema,
    output: Empty,
  },
  PauseDomain: {
    action: 'dev.nova.vm.pause',
    summary: 'Pause a running domain',
    input: VmTargetSchema,
    output: z.object({ state: DomainSummary.shape.state }),
  },
  ResumeDomain: {
    action: 'dev.nova.vm.resume',
    summary: 'Resume a paused domain',
    input: VmTargetSchema,
    output: z.object({ state: DomainSummary.shape.state }),
  },
  DeleteDomain: {
    action: 'dev.nova.vm.delete',
    summary: 'Force off and undefine a domain, with the disk images Nova created for it if asked',
    input: domainInput({ ...Owner, removeVolumes: z.boolean() }),
    output: z.object({ removedVolumes: z.array(z.string()) }),
  },
  SetDomainAutostart: {
    action: 'dev.nova.vm.autostart',
    summary: 'Start a domain with the host, or not',
    input: domainInput({ ...Owner, autostart: z.boolean() }),
    output: Empty,
  },
  CreateSnapshot: {
    action: 'dev.nova.vm.snapshot-create',
    summary: 'Take a snapshot of a domain (its disks, and its memory if it runs)',
    input: domainInput({
      ...Owner,
      snapshot: SnapshotName,
      description: freeText(4096, 'lines').optional(),
    }),
    output: SnapshotSummary,
  },
  RevertSnapshot: {
    action: 'dev.nova.vm.snapshot-revert',
    summary: 'Revert a domain to one of its snapshots',
    input: domainInput({ ...Owner, snapshot: SnapshotName }),
    output: z.object({ state: DomainSummary.shape.state }),
  },
  DeleteSnapshot: {
    action: 'dev.nova.vm.snapshot-delete',
    summary: 'Delete a snapshot of a domain',
    input: domainInput({ ...Owner, snapshot: SnapshotName }),
    output: Empty,
  },
  CloneDomain: {
    action: 'dev.nova.vm.clone',
    summary: 'Copy a stopped domain under a new name, with copies of its disk images and new MAC addresses',
    input: domainInput({ ...Owner, clone: ResourceName }),
    output: z.object({ name: z.string(), uuid: z.string(), volumes: z.array(z.string()) }),
  },
  AttachNic: {
    action: 'dev.nova.vm.nic-attach',
    summary: 'Add a network interface to a domain, to its definition and (if it runs) live',
    input: domainInput({ ...Owner, nic: DomainNicSpec }),
    output: z.object({ mac: z.string(), live: z.boolean() }),
  },
  DetachNic: {
    action: 'dev.nova.vm.nic-detach',
    summary: 'Remove a domain’s network interface (by MAC), from its definition and (if it runs) live',
    input: domainInput({ ...Owner, mac: MacAddress }),
    output: z.object({ live: z.boolean() }),
  },

  // ── libvirt networks ──
  ListNetworks: {
    action: 'dev.nova.network.read',
    summary: 'Every libvirt network on qemu:///system with its addressing and owner',
    input: Empty,
    output: z.object({ networks: z.array(NetworkSummary) }),
  },
  GetNetworkXml: {
    action: 'dev.nova.network.read',
    summary: 'A libvirt network’s XML description',
    input: z.object({ name: ResourceName }).strict(),
    output: z.object({ xml: z.string() }),
  },
  GetNetworkLeases: {
    action: 'dev.nova.network.read',
    summary: 'The DHCP leases a libvirt network handed out',
    input: z.object({ name: ResourceName }).strict(),
    output: z.object({ leases: z.array(Lease) }),
  },
  DefineNetwork: {
    action: 'dev.nova.network.create',
    summary: 'Define, start and set autostart of a Nova network from a spec; the helper builds the XML',
    input: z.object({ spec: NetworkSpec, autostart: z.boolean() }).strict(),
    output: z.object({ uuid: z.string() }),
  },
  StartNetwork: {
    action: 'dev.nova.network.start',
    summary: 'Start a libvirt network',
    input: TargetSchema,
    output: Empty,
  },
  StopNetwork: {
    action: 'dev.nova.network.stop',
    summary: 'Stop a libvirt network (its guests lose it until it starts again)',
    input: TargetSchema,
    output: Empty,
  },
  SetNetworkAutostart: {
    action: 'dev.nova.network.autostart',
    summary: 'Start a libvirt network with the host, or not',
    input: z.object({ ...Target, autostart: z.boolean() }).strict(),
    output: Empty,
  },
  DeleteNetwork: {
    action: 'dev.nova.network.delete',
    summary: 'Stop and undefine a libvirt network',
    input: TargetSchema,
    output: Empty,
  },

  // ── Host interfaces and bridges ──
  ListHostInterfaces: {
    action: 'dev.nova.network.read',
    summary: 'Every host interface: kind, state, MAC, addresses, bridge and members, who made a bridge',
    input: Empty,
    output: z.object({ interfaces: z.array(HostInterface) }),
  },
  ListHostBridges: {
    action: 'dev.nova.network.read',
    summary: 'Every Linux bridge of the host with its members and who made it',
    input: Empty,
    output: z.object({ bridges: z.array(HostBridgeSummary) }),
  },
  GetBridgeLeases: {
    action: 'dev.nova.network.read',
    summary: 'The DHCP leases of one of Nova’s NAT bridges',
    input: z.object({ bridge: InterfaceName }).strict(),
    output: z.object({ leases: z.array(Lease) }),
  },
  CreateHostBridge: {
    action: 'dev.nova.bridge.create',
    summary:
      'Create a Linux bridge: with NAT and DHCP (nftables, dnsmasq), or enslaving an uplink (its addresses and default route move to the bridge); undone on any failed step',
    input: z.object({ spec: HostBridgeSpec, takeUplink: z.boolean() }).strict(),
    output: z.object({ movedAddresses: z.array(z.string()) }),
  },
  DeleteHostBridge: {
    action: 'dev.nova.bridge.delete',
    summary:
      'Delete a bridge Nova created (its uplink gets its addresses and routes back); others only with force',
    input: z
      .object({ name: InterfaceName, project: ResourceName.optional(), force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  },
  AttachHostInterface: {
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
  },
  DetachHostInterface: {
    action: 'dev.nova.bridge.detach',
    summary: 'Take a host interface out of a bridge (giving it back the addresses it had)',
    input: z
      .object({ bridge: InterfaceName, interface: InterfaceName, force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  },
  SetBridgeStp: {
    action: 'dev.nova.bridge.stp',
    summary: 'Turn a bridge’s spanning tree protocol on or off',
    input: z
      .object({ bridge: InterfaceName, enabled: z.boolean(), force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  },

  // ── Storage ──
  ListStorage: {
    action: 'dev.nova.storage.read',
    summary: 'Every storage pool with its volumes and owner',
    input: Empty,
    output: z.object({ pools: z.array(StoragePoolSummary) }),
  },
  DefinePool: {
    action: 'dev.nova.pool.create',
    summary: 'Define, build, start and autostart a directory storage pool for Nova',
    input: z.object({ spec: PoolSpec }).strict(),
    output: Empty,
  },
  DeletePool: {
    action: 'dev.nova.pool.delete',
    summary: 'Stop and undefine an empty storage pool Nova created (its folder stays)',
    input: z.object({ name: ResourceName, project: ResourceName.optional() }).strict(),
    output: Empty,
  },
  CreateVolume: {
    action: 'dev.nova.volume.create',
    summary: 'Create a disk image in a storage pool, owned by a project',
    input: z.object({ project: ResourceName, spec: VolumeSpec }).strict(),
    output: z.object({ path: z.string() }),
  },
  ResizeVolume: {
    action: 'dev.nova.volume.resize',
    summary: 'Grow a disk image Nova created',
    input: z
      .object({
        project: ResourceName.optional(),
        pool: ResourceName,
        name: VolumeSpec.shape.name,
        capacityBytes: VolumeSpec.shape.capacityBytes,
      })
      .strict(),
    output: Empty,
  },
  DeleteVolume: {
    action: 'dev.nova.volume.delete',
    summary: 'Delete a disk image Nova created',
    input: z
      .object({ project: ResourceName.optional(), pool: ResourceName, name: VolumeSpec.shape.name })
      .strict(),
    output: Empty,
  },

  UploadVolume: {
    action: 'dev.nova.volume.upload',
    summary:
      'Copy a file into a storage pool as a new disk image; the file is read with the caller’s own rights, and images that point at a backing file are refused',
    input: z
      .object({
        project: ResourceName.optional(),
        pool: ResourceName,
        name: VolumeSpec.shape.name,
        source: AbsolutePath,
        format: z.enum(['qcow2', 'raw', 'iso']).optional(),
      })
      .strict(),
    output: z.object({ path: z.string(), format: z.string(), sizeBytes: z.number().int() }),
  },

  // ── Containers of root-owned engines, and events ──
  ListContainers: {
    action: 'dev.nova.container.read',
    summary: 'Every container of a root-owned engine (Docker or Podman)',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ endpoint: z.string(), containers: z.array(ContainerSummary) }),
  },
  InspectContainer: {
    action: 'dev.nova.container.read',
    summary: 'One container in detail; environment values are left out (KEY=…)',
    input: z.object({ engine: RelayedEngine, container: ContainerRef }).strict(),
    output: ContainerDetails,
  },
  ContainerStats: {
    action: 'dev.nova.container.read',
    summary: 'One load sample for each of these containers, or for every running one',
    input: z
      .object({ engine: RelayedEngine, containers: z.array(ContainerRef).max(1024).optional() })
      .strict(),
    output: z.object({ stats: z.array(ContainerStats) }),
  },
  ContainerLogs: {
    action: 'dev.nova.container.logs',
    summary: `A container’s log lines (at most ${HELPER_MAX_LOG_LINES} of the newest)`,
    input: z.object({ engine: RelayedEngine, container: ContainerRef, options: LogOptions }).strict(),
    output: z.object({ entries: z.array(LogEntry), truncated: z.boolean() }),
  },
  CreateContainer: {
    action: 'dev.nova.container.create',
    summary:
      'Create a container with Nova’s labels; bind mounts must be folders or files the caller owns (or the caller is root)',
    input: z.object({ engine: RelayedEngine, spec: NewContainer }).strict(),
    output: z.object({ id: z.string() }),
  },
  StartContainer: {
    action: 'dev.nova.container.start',
    summary: 'Start (or unpause) a container',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape }).strict(),
    output: Empty,
  },
  StopContainer: {
    action: 'dev.nova.container.stop',
    summary: 'Stop a container: SIGTERM, then SIGKILL after timeoutSeconds (10 by default)',
    input: z
      .object({
        engine: RelayedEngine,
        ...ContainerTarget.shape,
        timeoutSeconds: z.number().int().min(0).max(600).optional(),
      })
      .strict(),
    output: Empty,
  },
  RestartContainer: {
    action: 'dev.nova.container.restart',
    summary: 'Restart a container',
    input: z
      .object({
        engine: RelayedEngine,
        ...ContainerTarget.shape,
        timeoutSeconds: z.number().int().min(0).max(600).optional(),
      })
      .strict(),
    output: Empty,
  },
  PauseContainer: {
    action: 'dev.nova.container.pause',
    summary: 'Freeze a running container',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape }).strict(),
    output: Empty,
  },
  ResumeContainer: {
    action: 'dev.nova.container.resume',
    summary: 'Unfreeze a paused container',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape }).strict(),
    output: Empty,
  },
  RemoveContainer: {
    action: 'dev.nova.container.delete',
    summary: 'Remove a container (force: even a running one; volumes: with its anonymous volumes)',
    input: z
      .object({
        engine: RelayedEngine,
        ...ContainerTarget.shape,
        force: z.boolean().default(false),
        volumes: z.boolean().default(false),
      })
      .strict(),
    output: Empty,
  },
  ExecContainer: {
    action: 'dev.nova.container.exec',
    summary: 'Run a one-off command in a running container and return its exit code and output',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape, request: ExecRequest }).strict(),
    output: ExecResult,
  },
  ListImages: {
    action: 'dev.nova.image.read',
    summary: 'Every image of a root-owned engine',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ images: z.array(ImageSummary) }),
  },
  PullImage: {
    action: 'dev.nova.image.pull',
    summary: 'Pull an image; progress comes to the caller as ImageProgress signals',
    input: z.object({ engine: RelayedEngine, reference: ImageRef }).strict(),
    output: Empty,
  },
  ImportImage: {
    action: 'dev.nova.image.import',
    summary:
      'Import an image archive (docker save) or a root file system tarball; the file is read with the caller’s own rights',
    input: z
      .object({
        engine: RelayedEngine,
        path: AbsolutePath,
        kind: z.enum(['archive', 'rootfs']),
        reference: ImageRef.optional(),
      })
      .strict(),
    output: z.object({ names: z.array(z.string()) }),
  },
  RemoveImage: {
    action: 'dev.nova.image.delete',
    summary: 'Remove an image (force: even one containers use)',
    input: z
      .object({ engine: RelayedEngine, reference: ImageRef, force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  },
  ListEngineNetworks: {
    action: 'dev.nova.engine-network.read',
    summary: 'Every network of a root-owned engine, with its origin and containers',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ networks: z.array(EngineNetworkSummary) }),
  },
  CreateEngineNetwork: {
    action: 'dev.nova.engine-network.create',
    summary: 'Create a bridge network in a root-owned engine, with Nova’s labels',
    input: z.object({ engine: RelayedEngine, spec: NewEngineNetwork }).strict(),
    output: Empty,
  },
  RemoveEngineNetwork: {
    action: 'dev.nova.engine-network.delete',
    summary: 'Remove a network Nova created (or another, with foreign); never the engine’s own',
    input: z.object({ engine: RelayedEngine, ...EngineObjectTarget.shape }).strict(),
    output: Empty,
  },
  ConnectContainerNetwork: {
    action: 'dev.nova.container.network-connect',
    summary:
      'Connect a container Nova created (or another, with foreign) to a network of the same engine; the network may be any of that engine’s',
    input: z.object({ engine: RelayedEngine, network: EngineObjectName, ...ContainerTarget.shape }).strict(),
    output: Empty,
  },
  DisconnectContainerNetwork: {
    action: 'dev.nova.container.network-disconnect',
    summary:
      'Disconnect a container Nova created (or another, with foreign) from a network of the same engine',
    input: z.object({ engine: RelayedEngine, network: EngineObjectName, ...ContainerTarget.shape }).strict(),
    output: Empty,
  },
  ListEngineVolumes: {
    action: 'dev.nova.engine-network.read',
    summary: 'Every volume of a root-owned engine, with its origin',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ volumes: z.array(EngineVolumeSummary) }),
  },
  CreateEngineVolume: {
    action: 'dev.nova.engine-volume.create',
    summary: 'Create a volume in a root-owned engine, with Nova’s labels',
    input: z.object({ engine: RelayedEngine, spec: NewEngineVolume }).strict(),
    output: Empty,
  },
  RemoveEngineVolume: {
    action: 'dev.nova.engine-volume.delete',
    summary: 'Remove a volume Nova created (or another, with foreign)',
    input: z
      .object({ engine: RelayedEngine, ...EngineObjectTarget.shape, force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  },
  Subscribe: {
    action: 'dev.nova.events.read',
    summary:
      'Receive the helper’s signals (DomainChanged, NetworkChanged, HostLinkChanged, BackendChanged, ContainerChanged) until Unsubscribe or disconnect',
    input: Empty,
    output: z.object({ subscribers: z.number().int() }),
  },
  Unsubscribe: {
    action: 'dev.nova.events.read',
    summary: 'Stop receiving the helper’s signals',
    input: Empty,
    output: Empty,
  },
} as const satisfies Record<string, HelperMethodSpec>;

export type HelperMethods = typeof helperMethods;
export type HelperMethodName = keyof HelperMethods;
export type HelperInput<M extends HelperMethodName> = z.input<HelperMethods[M]['input']>;
/** A request as the helper sees it once checked: defaults filled in. */
export type HelperParsedInput<M extends HelperMethodName> = z.output<HelperMethods[M]['input']>;
export type HelperOutput<M extends HelperMethodName> = z.output<HelperMethods[M]['output']>;
/** One call of a helper method, however it travels (the system bus, or the desktop app's relay). */
export type HelperCall = <M extends HelperMethodName>(
  method: M,
  input: HelperInput<M>,
) => Promise<HelperOutput<M>>;

export function isHelperMethodName(name: string): name is HelperMethodName {
  return Object.hasOwn(helperMethods, name);
}

/** Methods that change something: every one of them is audited and refused to callers without a grant. */
export function isChangingMethod(name: HelperMethodName): boolean {
  return !helperMethods[name].action.endsWith('.read');
}

/** The helper's signals, sent only to subscribed clients (unicast), each one JSON string. */
export const helperSignals = {
  DomainChanged,
  NetworkChanged,
  HostLinkChanged,
  BackendChanged,
  ContainerChanged: ContainerEvent,
  /** Sent only to the caller of PullImage, while it runs. */
  ImageProgress: z.object({ engine: RelayedEngine, reference: z.string(), progress: ImageProgress }),
} as const satisfies Record<string, z.ZodType>;

export type HelperSignals = typeof helperSignals;
export type HelperSignalName = keyof HelperSignals;
export type HelperSignalPayload<S extends HelperSignalName> = z.output<HelperSignals[S]>;

export function isHelperSignalName(name: string): name is HelperSignalName {
  return Object.hasOwn(helperSignals, name);
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

/** Introspection XML for the helper's interface, generated from the tables above. */
export function helperIntrospectionXml(): string {
  const methods = Object.entries(helperMethods)
    .map(
      ([name, spec]) =>
        `    <method name="${name}">\n` +
        `      <annotation name="dev.nova.PolkitAction" value="${spec.action}"/>\n` +
        `      <arg name="request" type="s" direction="in"/>\n` +
        // Optional: a call of signature "s" leaves it out and the helper makes one.
        `      <arg name="callId" type="s" direction="in">\n` +
        `        <annotation name="dev.nova.Optional" value="true"/>\n` +
        `      </arg>\n` +
        `      <arg name="reply" type="s" direction="out"/>\n` +
        `    </method>\n`,
    )
    .join('');
  const signals = Object.keys(helperSignals)
    .map((name) => `    <signal name="${name}"><arg name="event" type="s"/></signal>\n`)
    .join('');
  return (
    '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n' +
    ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n' +
    `<node name="${HELPER_OBJECT_PATH}">\n` +
    `  <interface name="${HELPER_INTERFACE}">\n${methods}${signals}  </interface>\n` +
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
