// What Nova asks the helper to create: validated specs, never XML. The helper builds the XML itself
// (libvirt/*-builder.ts) from these, so a client can only ask for what these schemas allow.
import { z } from 'zod';

/** Names as the NovaFile allows them: safe in XML, paths, argv and interface names. */
export const ResourceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'not a valid name');
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B-\u001F\u007F]/;
// A lone surrogate (matched alone under /u) or a noncharacter: not text, and XML 1.0 cannot carry it.
const NOT_UNICODE = /[\uD800-\uDFFF\uFFFE\uFFFF]/u;

/**
 * Free text a person writes (a description, a kernel command line, a command's argument): any
 * characters, shell and XML ones included (they are escaped or passed as argv, never interpreted),
 * but no NUL, no broken Unicode, and control characters only where `controls` allows them.
 */
export function freeText(max: number, controls: 'none' | 'lines' | 'all-but-nul' = 'none') {
  return z
    .string()
    .max(max)
    .refine((text) => !text.includes('\0'), 'a NUL character is not allowed')
    .refine(
      (text) => controls === 'all-but-nul' || !(controls === 'none' ? CONTROL : CONTROL_BUT_LINES).test(text),
      controls === 'lines'
        ? 'control characters other than tab and line feed are not allowed'
        : 'control characters (line breaks included) are not allowed',
    )
    .refine((text) => !NOT_UNICODE.test(text), 'not valid Unicode text (a lone surrogate or U+FFFE/U+FFFF)');
}

/** An absolute, normalized path without control characters. */
export const AbsolutePath = z
  .string()
  .max(4096)
  .regex(/^\//, 'not an absolute path')
  .refine(
    (path) => !CONTROL.test(path) && !NOT_UNICODE.test(path),
    'a path may not contain control characters or broken Unicode',
  )
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
      cmdline: freeText(4096, 'lines').optional(),
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
      userData: freeText(64 * 1024, 'all-but-nul'),
      publicKeys: z
        .array(
          z
            .string()
            .max(16 * 1024)
            // One key on one line: type, base64 and an optional comment; a line break would add another key.
            .regex(
              /^(ssh-|ecdsa-|sk-)[A-Za-z0-9@._-]+ [A-Za-z0-9+/]+={0,3}( \P{Cc}*)?$/u,
              'not an SSH public key (type, key and an optional comment, on one line)',
            ),
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

const ipv4Number = (text: string) => text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

/**
 * A subnet as Nova sets it up: the host's own address is a host address of it (not the network or
 * broadcast address), and a DHCP range is an ascending range of its host addresses without that one.
 */
function checkAddressing(
  ipv4: { address: string; prefix: number; dhcp?: { start: string; end: string } | undefined },
  ctx: z.RefinementCtx,
): void {
  const size = 2 ** (32 - ipv4.prefix);
  const address = ipv4Number(ipv4.address);
  const first = Math.floor(address / size) * size;
  const last = first + size - 1;
  const subnet = `${ipv4.address}/${String(ipv4.prefix)}`;
  if (address === first || address === last)
    ctx.addIssue({
      code: 'custom',
      path: ['address'],
      message: `the ${address === first ? 'network' : 'broadcast'} address of ${subnet}, not a host address`,
    });
  if (ipv4.dhcp === undefined) return;
  const start = ipv4Number(ipv4.dhcp.start);
  const end = ipv4Number(ipv4.dhcp.end);
  for (const [key, value] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (value <= first || value >= last)
      ctx.addIssue({ code: 'custom', path: ['dhcp', key], message: `not a host address inside ${subnet}` });
  }
  if (start > end)
    ctx.addIssue({ code: 'custom', path: ['dhcp', 'end'], message: 'the DHCP range ends before it starts' });
  else if (address >= start && address <= end)
    ctx.addIssue({
      code: 'custom',
      path: ['dhcp'],
      message: `the DHCP range contains ${ipv4.address}, the host's own address`,
    });
}

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
    .superRefine(checkAddressing)
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

/** An image reference: [registry/]repository[:tag][@digest], or an image id. */
export const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._/:@-]*$/i;
/** What Docker and Podman accept as a volume's name: never a path, which would make it a bind mount. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** An IPv4 subnet in CIDR form, such as 10.90.0.0/24. */
export const Ipv4Cidr = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/,
    'not an IPv4 subnet in CIDR form, such as 10.90.0.0/24',
  );

export const ContainerSpec = z.strictObject({
  name: ResourceName,
  ownership: Ownership,
  image: z
    .string()
    .min(1)
    .max(512)
    .regex(
      IMAGE_REFERENCE,
      'not an image reference (letters, digits and . _ / : @ - only, e.g. docker.io/library/alpine:3.20)',
    ),
  /** argv, never a shell line: each element reaches the program as it is. */
  command: z.array(freeText(4096, 'all-but-nul')).max(256).optional(),
  env: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,255}$/, 'not an environment variable name'),
    freeText(65536, 'all-but-nul'),
  ),
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
      z
        .strictObject({
          type: z.enum(['bind', 'volume']),
          /** An absolute host path (bind) or a volume name. */
          source: z.string().min(1).max(4096),
          target: AbsolutePath.refine(
            (path) => !/[:,]/.test(path),
            'a colon or comma is not allowed in a mount path',
          ),
          readOnly: z.boolean(),
        })
        .superRefine((mount, ctx) => {
          // Docker's bind syntax is source:target[:options]: a colon or comma would add options of its own.
          const problem =
            mount.type === 'volume'
              ? VOLUME_NAME.test(mount.source)
                ? undefined
                : 'not a volume name (a host folder is a bind mount)'
              : AbsolutePath.safeParse(mount.source).success
                ? /[:,]/.test(mount.source)
                  ? 'a colon or comma is not allowed in a mount path'
                  : undefined
                : 'a bind mount’s source must be an absolute path without . or .. parts or control characters';
          if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['source'], message: problem });
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
  subnet: Ipv4Cidr.optional(),
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
    .superRefine(checkAddressing)
    .optional(),
});
export type HostBridgeSpec = z.infer<typeof HostBridgeSpec>;
