// From a NovaFile's model to the resources it asks for: networks, pools, volumes, domains, containers
// and engine networks, each as the spec Nova would create. Pure: what it needs of the host is passed in.
import { createHash } from 'node:crypto';
import { basename, dirname, isAbsolute, normalize, resolve as resolvePath } from 'node:path';

import {
  CLOUD_INIT_DIR,
  cloudInitSeedPath,
  type ContainerSpec,
  type DomainDiskSpec,
  type DomainNicSpec,
  type DomainSpec,
  type EngineNetworkSpec,
  type HostBridgeSpec,
  isUnder,
  type NetworkSpec,
  type Ownership,
  type PoolSpec,
  SYSTEM_FILE_ROOTS,
  type VolumeSpec,
} from '../contract/specs.js';
import type { EngineName } from '../model/instance.js';
import type { ContainerModel, NetworkModel, NovaFileModel, VmModel } from './schema.js';
import {
  BUILTIN_ENGINE_NETWORKS,
  dhcpRangeOf,
  gatewayOf,
  parseCidr,
  profileOf,
  uplinkOf,
} from './semantics.js';

export const DEFAULT_DISK_DIRECTORY = '/var/lib/nova/disks';
export const DEFAULT_POOL_NAME = 'nova-disks';
const DEFAULT_DISK_SIZE = 20 * 1024 ** 3;

export interface ResolveContext {
  /** Folder of the NovaFile: relative paths are relative to it. */
  fileDir: string;
  /** Whether libvirt can run KVM domains here, and why not (for accelerator = "auto"). */
  kvm: { usable: boolean; reason: string };
  /** libvirt networks and host bridges that exist, for references the file does not declare. */
  libvirtNetworks: readonly string[];
  hostBridges: readonly string[];
  /** Existing storage pools by target folder, to reuse one for a disk folder. */
  poolsByPath: ReadonlyMap<string, string>;
  /** The engine containers go to when the file does not say. */
  defaultEngine: EngineName | undefined;
  /** Contents of the files the NovaFile names for cloud-init user data, by absolute path. */
  userDataFiles?: ReadonlyMap<string, string>;
}

/** Something of the file Nova cannot carry out here, at a path of the file (for FILE:LINE:COL). */
export interface ResolveIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export interface DesiredNetwork {
  spec: NetworkSpec;
  autostart: boolean;
}
export interface DesiredBridge {
  spec: HostBridgeSpec;
}
export interface DesiredPool {
  spec: PoolSpec;
  /** Nova made this pool up for a disk folder the file names without declaring a pool. */
  implicit: boolean;
}
export interface DesiredVolume {
  spec: VolumeSpec;
  /** Create it if missing; never delete an existing one. */
  createIfMissing: boolean;
  vm: string;
}
export interface DesiredVm {
  spec: DomainSpec;
  autostart: boolean;
  state: 'running' | 'stopped';
  /** Why the accelerator is what it is, when auto chose. */
  acceleratorNote?: string;
}
export interface DesiredContainer {
  spec: ContainerSpec;
  engine: EngineName | undefined;
  state: 'running' | 'stopped';
}
export interface DesiredEngineNetwork {
  spec: EngineNetworkSpec;
  engine: EngineName | undefined;
}

export interface DesiredState {
  project: string;
  bridges: DesiredBridge[];
  networks: DesiredNetwork[];
  pools: DesiredPool[];
  volumes: DesiredVolume[];
  vms: DesiredVm[];
  containers: DesiredContainer[];
  engineNetworks: DesiredEngineNetwork[];
  issues: ResolveIssue[];
  warnings: string[];
}

/** The project a file belongs to: its `project`, else its folder's name made safe. */
export function projectName(model: NovaFileModel, fileDir: string): string {
  if (model.project !== undefined) return model.project;
  const fromFolder = basename(fileDir)
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return fromFolder === '' ? 'default' : fromFolder.slice(0, 63);
}

function shortHash(text: string, length = 4): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A Linux bridge name (at most 15 characters) for a Nova network. */
export function bridgeNameFor(network: string): string {
  const name = `nv-${network}`;
  return name.length <= 15 ? name : `nv-${network.slice(0, 7)}-${shortHash(network)}`;
}

/** SHA-256 of a spec in canonical form (keys sorted), its own hash left out. */
export function specHash(spec: object): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key, v]) => v !== undefined && key !== 'specHash')
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, v]) => [key, canonical(v)]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(spec)))
    .digest('hex');
}

/** Fills in the ownership mark, hashing the spec with everything but the hash itself. */
function owned<T extends { ownership: Ownership }>(
  spec: Omit<T, 'ownership'> & { ownership: Omit<Ownership, 'specHash'> },
): T {
  const draft = { ...spec, ownership: { ...spec.ownership, specHash: '' } } as unknown as T;
  return { ...draft, ownership: { ...draft.ownership, specHash: specHash(draft) } };
}

function absolute(fileDir: string, path: string): string {
  return normalize(isAbsolute(path) ? path : resolvePath(fileDir, path));
}

const DISK_TARGETS = 'abcdefghijklmnopqrstuvwxyz';

/** The same VM under another accelerator, its hash recomputed as resolving would. */
export function withAccelerator(spec: DomainSpec, type: DomainSpec['type']): DomainSpec {
  const draft: DomainSpec = { ...spec, type, ownership: { ...spec.ownership, specHash: '' } };
  return { ...draft, ownership: { ...draft.ownership, specHash: specHash(draft) } };
}

/** The message start of the helper's error when QEMU could not run a VM under KVM here. */
export const KVM_FAILED = 'KVM cannot run VMs on this host';

export function resolveDesiredState(model: NovaFileModel, context: ResolveContext): DesiredState {
  const project = projectName(model, context.fileDir);
  const issues: ResolveIssue[] = [];
  const warnings: string[] = [];
  const mark = (name: string) => ({ project, name });

  // ── Networks ──
  const networks: DesiredNetwork[] = [];
  const bridges: DesiredBridge[] = [];
  const engineNetworks: DesiredEngineNetwork[] = [];
  const usedByContainers = new Set(
    Object.values(model.container).flatMap((c) => (c.network === undefined ? [] : [c.network])),
  );
  for (const [name, network] of Object.entries(model.network)) {
    const profile = profileOf(network);
    if (profile === 'nat' || profile === 'internal') {
      const gateway = gatewayOf(network);
      const dhcp = dhcpRangeOf(network);
      networks.push({
        spec: owned<NetworkSpec>({
          name,
          ownership: mark(name),
          mode: profile === 'nat' ? 'nat' : 'isolated',
          bridge: bridgeNameFor(name),
          ...(network.subnet === undefined || gateway === undefined
            ? {}
            : {
                ipv4: {
                  address: gateway,
                  prefix: parseCidr(network.subnet).prefix,
                  ...(dhcp === undefined ? {} : { dhcp }),
                },
              }),
          dns: network.dns,
        }),
        autostart: network.autostart,
      });
    } else if (profile === 'external') {
      // A Linux bridge Nova makes, with the uplink in it, and a libvirt network on top for the VMs.
      const bridge = bridgeNameFor(name);
      const uplink = uplinkOf(network);
      bridges.push({
        spec: owned<HostBridgeSpec>({
          name: bridge,
          ownership: mark(name),
          ...(uplink === undefined ? {} : { uplink }),
          stp: false,
        }),
      });
      networks.push({
        spec: owned<NetworkSpec>({ name, ownership: mark(name), mode: 'bridge', bridge, dns: false }),
        autostart: network.autostart,
      });
    }
    if (usedByContainers.has(name) && network.type !== 'host' && network.type !== 'none') {
      engineNetworks.push(resolveEngineNetwork(project, name, network, context));
    }
  }

  // ── Storage ──
  const pools: DesiredPool[] = [];
  const poolForDirectory = new Map<string, string>(context.poolsByPath);
  for (const [name, pool] of Object.entries(model.storage)) {
    if (pool.pool_type !== 'directory') {
      issues.push({
        path: ['storage', name, 'pool_type'],
        message: `storage pool "${name}": only directory pools can be applied`,
        hint: 'use pool_type = "directory"',
      });
      continue;
    }
    const path = absolute(context.fileDir, pool.directory);
    pools.push({
      spec: owned<PoolSpec>({
        name,
        ownership: mark(name),
        path,
        shared: false,
        createFolder: pool.auto_create,
      }),
      implicit: false,
    });
    poolForDirectory.set(path, name);
  }
  const poolFor = (directory: string, createFolder = true): string => {
    const existing = poolForDirectory.get(directory);
    if (existing !== undefined) return existing;
    const name =
      directory === DEFAULT_DISK_DIRECTORY
        ? DEFAULT_POOL_NAME
        : `nova-${basename(directory).slice(0, 40) || 'root'}-${shortHash(directory)}`;
    pools.push({
      spec: owned<PoolSpec>({ name, ownership: mark(name), path: directory, shared: true, createFolder }),
      implicit: true,
    });
    poolForDirectory.set(directory, name);
    return name;
  };
  /** A file a VM uses must sit in a storage pool's folder (or a system folder of firmware and kernels). */
  const fileInPool = (path: string): void => {
    if (!SYSTEM_FILE_ROOTS.some((root) => isUnder(path, root))) poolFor(dirname(path), false);
  };

  // ── VMs ──
  const volumes: DesiredVolume[] = [];
  const vms: DesiredVm[] = [];
  for (const [name, vm] of Object.entries(model.vm)) {
    const resolved = resolveVm(name, vm, model, context, poolFor, issues);
    volumes.push(...resolved.volumes);
    const type =
      vm.accelerator === 'kvm'
        ? 'kvm'
        : vm.accelerator === 'tcg'
          ? 'qemu'
          : context.kvm.usable
            ? 'kvm'
            : 'qemu';
    const acceleratorNote =
      vm.accelerator === 'auto'
        ? type === 'kvm'
          ? 'kvm'
          : `tcg, because KVM is not usable here: ${context.kvm.reason}`
        : undefined;
    const spec = owned<DomainSpec>({
      name,
      ownership: mark(name),
      type,
      vcpus: vm.cpu,
      memoryBytes: vm.memory,
      firmware: {
        type: vm.firmware.boot_type === 'uefi' ? 'uefi' : 'bios',
        secureBoot: vm.firmware.secure_boot,
        ...(vm.firmware.ovmf_code === undefined
          ? {}
          : { loader: absolute(context.fileDir, vm.firmware.ovmf_code) }),
        ...(vm.firmware.ovmf_vars === undefined
          ? {}
          : { nvramTemplate: absolute(context.fileDir, vm.firmware.ovmf_vars) }),
      },
      ...(vm.boot === undefined
        ? {}
        : {
            kernel: {
              path: absolute(context.fileDir, vm.boot.kernel),
              ...(vm.boot.initrd === undefined ? {} : { initrd: absolute(context.fileDir, vm.boot.initrd) }),
              ...(vm.boot.cmdline === undefined ? {} : { cmdline: vm.boot.cmdline }),
            },
          }),
      disks: resolved.disks,
      nics: resolved.nics,
      ...(vm.tpm.enabled
        ? {
            tpm: {
              version: vm.tpm.version === 'v2-0' ? '2.0' : '1.2',
              backend: vm.tpm.backend === 'emulated' ? 'emulator' : 'passthrough',
            },
          }
        : {}),
      hostdevs: resolved.hostdevs,
      ...(vm.looking_glass?.enabled === true ? { lookingGlassMiB: vm.looking_glass.framebuffer_size } : {}),
      graphics: true,
      ...(resolved.cloudInit === undefined ? {} : { cloudInit: resolved.cloudInit }),
    });
    if (vm.memory < 16 * 1024 * 1024)
      issues.push({ path: ['vm', name, 'memory'], message: `VM "${name}" needs at least 16Mi of memory` });
    for (const disk of spec.disks) {
      if (disk.source.type === 'file' && !isUnder(disk.source.path, CLOUD_INIT_DIR))
        fileInPool(disk.source.path);
    }
    for (const file of [
      spec.kernel?.path,
      spec.kernel?.initrd,
      spec.firmware.loader,
      spec.firmware.nvramTemplate,
      ...spec.hostdevs.map((h) => h.romFile),
    ]) {
      if (file !== undefined) fileInPool(file);
    }
    vms.push({
      spec,
      autostart: vm.autostart,
      state: vm.state,
      ...(acceleratorNote === undefined ? {} : { acceleratorNote }),
    });
  }

  // ── Containers ──
  const containers: DesiredContainer[] = [];
  for (const [name, container] of Object.entries(model.container)) {
    containers.push(resolveContainer(project, name, container, model, context));
  }
  if (
    containers.length > 0 &&
    context.defaultEngine === undefined &&
    containers.some((c) => c.engine === undefined)
  ) {
    issues.push({
      path: ['container'],
      message: 'no container engine answers here (Bolt, Docker or Podman)',
      hint: 'start Docker or Podman, then plan again',
    });
  }

  return { project, bridges, networks, pools, volumes, vms, containers, engineNetworks, issues, warnings };
}

function resolveVm(
  name: string,
  vm: VmModel,
  model: NovaFileModel,
  context: ResolveContext,
  poolFor: (directory: string) => string,
  issues: ResolveIssue[],
): {
  disks: DomainDiskSpec[];
  nics: DomainNicSpec[];
  volumes: DesiredVolume[];
  hostdevs: DomainSpec['hostdevs'];
  cloudInit: DomainSpec['cloudInit'];
} {
  const disks: DomainDiskSpec[] = [];
  const volumes: DesiredVolume[] = [];
  let virtio = 0;
  let scsi = 0;
  const target = (bus: 'virtio' | 'sata' | 'scsi') =>
    bus === 'virtio' ? `vd${DISK_TARGETS[virtio++] ?? 'z'}` : `sd${DISK_TARGETS[scsi++] ?? 'z'}`;

  // The system disk, as the original Nova made it: an existing image, else a volume Nova creates.
  const storage = vm.storage;
  if (vm.image !== undefined) {
    disks.push({
      source: { type: 'file', path: absolute(context.fileDir, vm.image) },
      format: storage?.format ?? 'qcow2',
      bus: 'virtio',
      target: target('virtio'),
      readonly: false,
      device: 'disk',
    });
  } else if (storage !== undefined || vm.boot === undefined) {
    const format = storage?.format ?? 'qcow2';
    const directory = absolute(context.fileDir, storage?.directory ?? DEFAULT_DISK_DIRECTORY);
    const pool = poolFor(directory);
    const volume = storage?.filename ?? `${name}.${format === 'raw' ? 'img' : 'qcow2'}`;
    volumes.push({
      spec: { pool, name: volume, format, capacityBytes: storage?.size ?? DEFAULT_DISK_SIZE },
      createIfMissing: storage?.create_if_missing ?? true,
      vm: name,
    });
    disks.push({
      source: { type: 'volume', pool, volume },
      format,
      bus: 'virtio',
      target: target('virtio'),
      readonly: false,
      device: 'disk',
    });
  }
  // An installer ISO: read-only on SATA (a CD-ROM cannot sit on virtio); the builder boots it first.
  if (vm.cdrom !== undefined) {
    disks.push({
      source: { type: 'file', path: absolute(context.fileDir, vm.cdrom) },
      format: 'raw',
      bus: 'sata',
      target: target('sata'),
      readonly: true,
      device: 'cdrom',
    });
  }
  vm.disk.forEach((disk, index) => {
    if (disk.path !== undefined) {
      disks.push({
        source: { type: 'file', path: absolute(context.fileDir, disk.path) },
        format: disk.format,
        bus: disk.bus,
        target: target(disk.bus),
        readonly: disk.readonly,
        device: 'disk',
      });
      return;
    }
    const pool = disk.pool ?? poolFor(DEFAULT_DISK_DIRECTORY);
    const volume = `${name}-${disk.name}.${disk.format === 'raw' ? 'img' : 'qcow2'}`;
    if (disk.size === undefined) {
      issues.push({ path: ['vm', name, 'disk', index], message: `disk "${disk.name}" needs a size` });
      return;
    }
    volumes.push({
      spec: { pool, name: volume, format: disk.format, capacityBytes: disk.size },
      createIfMissing: true,
      vm: name,
    });
    disks.push({
      source: { type: 'volume', pool, volume },
      format: disk.format,
      bus: disk.bus,
      target: target(disk.bus),
      readonly: disk.readonly,
      device: 'disk',
    });
  });

  const nics: DomainNicSpec[] = [];
  const attach = (
    network: string,
    model_: DomainNicSpec['model'],
    mac: string | undefined,
    path: (string | number)[],
  ) => {
    const declared = model.network[network];
    let source: DomainNicSpec['source'] | undefined;
    if (declared !== undefined) {
      const profile = profileOf(declared);
      if (profile === undefined) {
        issues.push({
          path,
          message: `VM "${name}" cannot join ${declared.type} network "${network}": it is for containers`,
          hint: 'use a bridge network (profile nat, internal or external)',
        });
        return;
      }
      source = { type: 'network', network };
    } else if (context.libvirtNetworks.includes(network)) {
      source = { type: 'network', network };
    } else if (context.hostBridges.includes(network)) {
      source = { type: 'bridge', bridge: network };
    } else {
      issues.push({
        path,
        message: `network "${network}" of VM "${name}" does not exist on this host`,
        hint: `declare it as [network.${network}]`,
      });
      return;
    }
    nics.push({ source, model: model_, ...(mac === undefined ? {} : { mac: mac.toLowerCase() }) });
  };
  if (vm.network !== undefined) attach(vm.network, 'virtio', undefined, ['vm', name, 'network']);
  vm.nic.forEach((nic, index) => {
    attach(nic.network, nic.model, nic.mac, ['vm', name, 'nic', index, 'network']);
  });

  const hostdevs: DomainSpec['hostdevs'] = [];
  if (vm.gpu_passthrough) {
    if (vm.gpu === undefined) {
      issues.push({
        path: ['vm', name, 'gpu_passthrough'],
        message: `VM "${name}" asks for GPU passthrough but names no GPU`,
        hint: `add [vm.${name}.gpu] with device_address = "0000:01:00.0" (see lspci -D)`,
      });
    } else {
      hostdevs.push({
        address: vm.gpu.device_address.toLowerCase(),
        ...(vm.gpu.romfile === undefined ? {} : { romFile: absolute(context.fileDir, vm.gpu.romfile) }),
      });
      if (vm.gpu.audio_device !== undefined) hostdevs.push({ address: vm.gpu.audio_device.toLowerCase() });
    }
  }
  // cloud-init: a NoCloud seed the helper writes, attached as a CD-ROM the guest finds by its label.
  let cloudInit: DomainSpec['cloudInit'];
  if (vm.cloud_init !== undefined) {
    const config = vm.cloud_init;
    let userData = config.user_data ?? '#cloud-config\n{}\n';
    if (config.user_data_file !== undefined) {
      const file = absolute(context.fileDir, config.user_data_file);
      const content = context.userDataFiles?.get(file);
      if (content === undefined) {
        issues.push({
          path: ['vm', name, 'cloud_init', 'user_data_file'],
          message: `cannot read ${file}`,
          hint: 'check the path; it is relative to the NovaFile',
        });
      } else {
        userData = content;
      }
    }
    const hostname = config.hostname ?? (/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/.test(name) ? name : undefined);
    const identity = `${userData}\n${config.ssh_authorized_keys.join('\n')}\n${hostname ?? ''}`;
    cloudInit = {
      instanceId: `${name}-${shortHash(identity, 8)}`,
      ...(hostname === undefined ? {} : { hostname }),
      userData,
      publicKeys: config.ssh_authorized_keys,
    };
    disks.push({
      source: { type: 'file', path: cloudInitSeedPath(name) },
      format: 'raw',
      bus: 'sata',
      target: target('sata'),
      readonly: true,
      device: 'cdrom',
    });
  }

  return { disks, nics, volumes, hostdevs, cloudInit };
}

function resolveEngineNetwork(
  project: string,
  name: string,
  network: NetworkModel,
  context: ResolveContext,
): DesiredEngineNetwork {
  // A container-only network keeps its addressing; one shared with VMs leaves the subnet to the engine,
  // which would otherwise clash with the libvirt network on the same range.
  const containerOnly = network.type === 'overlay';
  return {
    spec: owned<EngineNetworkSpec>({
      name: `${project}_${name}`,
      ownership: { project, name },
      internal: profileOf(network) === 'internal',
      ...(containerOnly && network.subnet !== undefined ? { subnet: network.subnet } : {}),
      ...(containerOnly && network.gateway !== undefined ? { gateway: network.gateway } : {}),
    }),
    engine: context.defaultEngine,
  };
}

function parsePort(port: string): ContainerSpec['ports'][number] {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(port);
  const [, hostIp, hostPort, containerPort = '0', protocol = 'tcp'] = match ?? [];
  return {
    ...(hostIp === undefined ? {} : { hostIp }),
    ...(hostPort === undefined ? {} : { hostPort: Number(hostPort) }),
    containerPort: Number(containerPort),
    protocol: protocol === 'udp' ? 'udp' : 'tcp',
  };
}

function resolveContainer(
  project: string,
  name: string,
  container: ContainerModel,
  model: NovaFileModel,
  context: ResolveContext,
): DesiredContainer {
  const restartText = container.restart ?? (container.autostart ? 'unless-stopped' : 'no');
  const [restartName = 'no', retries] = restartText.split(':');
  const cpus =
    container.cpus ??
    (container.bolt?.cpu_limit === undefined ? undefined : Number(container.bolt.cpu_limit));
  const memory = container.memory ?? container.bolt?.memory_limit;
  const network = container.network;
  const declared = network === undefined ? undefined : model.network[network];
  // A declared network becomes the engine network <project>_<name>, except host and none, which are the engine's own.
  const engineNetwork =
    network === undefined ||
    declared === undefined ||
    (BUILTIN_ENGINE_NETWORKS as readonly string[]).includes(network)
      ? network
      : declared.type === 'host' || declared.type === 'none'
        ? declared.type
        : `${project}_${network}`;
  const spec = owned<ContainerSpec>({
    name,
    ownership: { project, name },
    image: container.capsule,
    ...(container.command === undefined ? {} : { command: container.command }),
    env: container.env,
    ports: container.ports.map(parsePort),
    mounts: container.volumes.map((volume) => {
      const parts = volume.split(':');
      const [source = '', target = '/', mode] = parts;
      const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
      return {
        type: bind ? 'bind' : 'volume',
        source: bind ? absolute(context.fileDir, source) : source,
        target: normalize(target),
        readOnly: mode === 'ro',
      } as const;
    }),
    ...(engineNetwork === undefined ? {} : { network: engineNetwork }),
    restart: {
      name: restartName as ContainerSpec['restart']['name'],
      ...(retries === undefined ? {} : { maxRetries: Number(retries) }),
    },
    ...(cpus === undefined || !Number.isFinite(cpus) ? {} : { nanoCpus: Math.round(cpus * 1e9) }),
    ...(memory === undefined ? {} : { memoryBytes: memory }),
    readOnly: container.bolt?.read_only ?? false,
    noNewPrivileges: container.bolt?.no_new_privileges ?? false,
    gpus: container.bolt?.gpu_access ?? false,
  });
  const engine =
    container.runtime === undefined || container.runtime === 'auto'
      ? context.defaultEngine
      : container.runtime;
  return { spec, engine, state: container.state };
}
