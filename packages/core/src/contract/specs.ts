// What Nova asks the helper to create: validated specs, never XML. The helper builds the XML itself
// (libvirt/*-builder.ts) from these, so a client can only ask for what these schemas allow.
import { z } from 'zod';

/** Names as the NovaFile allows them: safe in XML, paths, argv and interface names. */
export const ResourceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'not a valid name');
/** An absolute, normalized path without NUL or line breaks. */
export const AbsolutePath = z
  .string()
  .max(4096)
  .regex(/^\/[^\0\n\r]*$/, 'not an absolute path')
  .refine(
    (path) => !path.split('/').some((part) => part === '..' || part === '.'),
    'a path may not contain . or .. segments',
  );
export const Ipv4Address = z.ipv4();
export const InterfaceName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/, 'not an interface name');
export const MacAddress = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'not a lower-case MAC address');
export const Uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a UUID');
export const SpecHash = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 hash');

/** Who owns what Nova creates, written into the resource (libvirt <metadata>, container labels). */
export const Ownership = z.strictObject({
  project: ResourceName,
  /** The resource's name in the NovaFile. */
  name: ResourceName,
  /** SHA-256 of the spec as applied: tells a change of the file from drift. */
  specHash: SpecHash,
});
export type Ownership = z.infer<typeof Ownership>;

export const DomainDiskSpec = z.strictObject({
  /** A volume of a storage pool, or an existing image file. */
  source: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('volume'),
      pool: ResourceName,
      volume: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
    }),
    z.strictObject({ type: z.literal('file'), path: AbsolutePath }),
  ]),
  format: z.enum(['qcow2', 'raw']),
  bus: z.enum(['virtio', 'sata', 'scsi']),
  /** vda, vdb… for virtio; sda… for sata and scsi. */
  target: z.string().regex(/^(vd|sd)[a-z]$/),
  readonly: z.boolean(),
  device: z.enum(['disk', 'cdrom']),
});
export type DomainDiskSpec = z.infer<typeof DomainDiskSpec>;

export const DomainNicSpec = z.strictObject({
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('network'), network: ResourceName }),
    z.strictObject({ type: z.literal('bridge'), bridge: InterfaceName }),
  ]),
  model: z.enum(['virtio', 'e1000e', 'rtl8139']),
  mac: MacAddress.optional(),
});
export type DomainNicSpec = z.infer<typeof DomainNicSpec>;

export const DomainSpec = z.strictObject({
  name: ResourceName,
  /** Keep the UUID of the domain being redefined; a new domain gets one from libvirt. */
  uuid: Uuid.optional(),
  ownership: Ownership,
  /** kvm: hardware virtualization; qemu: TCG emulation. */
  type: z.enum(['kvm', 'qemu']),
  vcpus: z.number().int().min(1).max(512),
  memoryBytes: z
    .number()
    .int()
    .min(16 * 1024 * 1024)
    .max(16 * 1024 ** 4),
  firmware: z.strictObject({
    type: z.enum(['bios', 'uefi']),
    secureBoot: z.boolean(),
    /** OVMF code and variables template; default: libvirt's firmware auto-selection. */
    loader: AbsolutePath.optional(),
    nvramTemplate: AbsolutePath.optional(),
  }),
  /** Direct kernel boot. */
  kernel: z
    .strictObject({
      path: AbsolutePath,
      initrd: AbsolutePath.optional(),
      cmdline: z.string().max(4096).optional(),
    })
    .optional(),
  disks: z.array(DomainDiskSpec).max(26),
  nics: z.array(DomainNicSpec).max(16),
  tpm: z
    .strictObject({ version: z.enum(['1.2', '2.0']), backend: z.enum(['emulator', 'passthrough']) })
    .optional(),
  /** PCI devices passed through (GPU and its functions), as 0000:01:00.0. */
  hostdevs: z
    .array(
      z.strictObject({
        address: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/),
        romFile: AbsolutePath.optional(),
      }),
    )
    .max(8),
  /** Looking Glass shared memory, in MiB. */
  lookingGlassMiB: z.number().int().min(32).max(512).optional(),
  /** A local VNC console (127.0.0.1 only). */
  graphics: z.boolean(),
  /** A cloud-init NoCloud seed the helper writes to CLOUD_INIT_DIR/<name>.iso, attached as a CD-ROM. */
  cloudInit: z
    .strictObject({
      instanceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
      hostname: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/)
        .optional(),
      userData: z.string().max(64 * 1024),
      publicKeys: z
        .array(
          z
            .string()
            .max(16 * 1024)
            .regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/),
        )
        .max(32),
    })
    .optional(),
});
export type DomainSpec = z.infer<typeof DomainSpec>;

/**
 * System folders whose files a VM may use without a storage pool: firmware and the host's kernels.
 * Every other file a VM uses must be inside a storage pool's folder.
 */
export const SYSTEM_FILE_ROOTS = [
  '/usr/share/OVMF',
  '/usr/share/AAVMF',
  '/usr/share/edk2',
  '/usr/share/qemu',
  '/usr/share/seabios',
  '/usr/share/misc',
  '/boot',
] as const;

export function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/** Where the helper writes cloud-init seeds: one ISO per VM, named after it. */
export const CLOUD_INIT_DIR = '/var/lib/nova/cloud-init';
export const cloudInitSeedPath = (vm: string) => `${CLOUD_INIT_DIR}/${vm}.iso`;

export const NetworkSpec = z.strictObject({
  name: ResourceName,
  ownership: Ownership,
  /** nat: masquerading to the host's uplink; route: forwarded without NAT; isolated: no forwarding; bridge: an existing host bridge. */
  mode: z.enum(['nat', 'route', 'isolated', 'bridge']),
  /** The Linux bridge: chosen by Nova for nat and isolated, the existing one for bridge. */
  bridge: InterfaceName,
  ipv4: z
    .strictObject({
      address: Ipv4Address,
      prefix: z.number().int().min(8).max(30),
      dhcp: z.strictObject({ start: Ipv4Address, end: Ipv4Address }).optional(),
    })
    .optional(),
  dns: z.boolean(),
});
export type NetworkSpec = z.infer<typeof NetworkSpec>;

export const PoolSpec = z.strictObject({
  name: ResourceName,
  ownership: Ownership,
  path: AbsolutePath,
  /** A pool Nova made for a disk folder the file names without declaring a pool: every project may use it, none prunes it. */
  shared: z.boolean(),
  /** Create the folder if it is missing; false for a folder that must hold files already (images, kernels). */
  createFolder: z.boolean().default(true),
});
export type PoolSpec = z.infer<typeof PoolSpec>;

export const VolumeSpec = z.strictObject({
  pool: ResourceName,
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
  format: z.enum(['qcow2', 'raw']),
  capacityBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .max(64 * 1024 ** 4),
});
export type VolumeSpec = z.infer<typeof VolumeSpec>;

export const ContainerSpec = z.strictObject({
  name: ResourceName,
  ownership: Ownership,
  image: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[^\s]+$/, 'an image reference has no spaces'),
  command: z.array(z.string().max(4096)).max(256).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(65536)),
  ports: z
    .array(
      z.strictObject({
        hostIp: Ipv4Address.optional(),
        hostPort: z.number().int().min(1).max(65535).optional(),
        containerPort: z.number().int().min(1).max(65535),
        protocol: z.enum(['tcp', 'udp']),
      }),
    )
    .max(256),
  mounts: z
    .array(
      z.strictObject({
        type: z.enum(['bind', 'volume']),
        /** An absolute host path (bind) or a volume name. */
        source: z.string().min(1).max(4096),
        target: AbsolutePath,
        readOnly: z.boolean(),
      }),
    )
    .max(256),
  /** The engine network to join (bridge, host, none, or one Nova creates for the project). */
  network: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/)
    .optional(),
  restart: z.strictObject({
    name: z.enum(['no', 'always', 'unless-stopped', 'on-failure']),
    maxRetries: z.number().int().min(0).optional(),
  }),
  nanoCpus: z.number().int().positive().optional(),
  memoryBytes: z
    .number()
    .int()
    .min(6 * 1024 * 1024)
    .optional(),
  readOnly: z.boolean(),
  noNewPrivileges: z.boolean(),
  gpus: z.boolean(),
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;

export const EngineNetworkSpec = z.strictObject({
  /** The engine's name for it: <project>_<name>, as Compose does. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
  ownership: Ownership,
  internal: z.boolean(),
  subnet: z.string().optional(),
  gateway: Ipv4Address.optional(),
});
export type EngineNetworkSpec = z.infer<typeof EngineNetworkSpec>;

export const HostBridgeSpec = z.strictObject({
  /** The Linux bridge's name (at most 15 characters). */
  name: InterfaceName,
  ownership: Ownership,
  /** A host interface to enslave: the host's connection over it moves to the bridge. */
  uplink: InterfaceName.optional(),
  stp: z.boolean(),
  /** A NAT bridge: the host's address on it, masquerading of its subnet (nftables) and DHCP (dnsmasq). */
  nat: z
    .strictObject({
      address: Ipv4Address,
      prefix: z.number().int().min(8).max(30),
      dhcp: z.strictObject({ start: Ipv4Address, end: Ipv4Address }).optional(),
    })
    .optional(),
});
export type HostBridgeSpec = z.infer<typeof HostBridgeSpec>;
