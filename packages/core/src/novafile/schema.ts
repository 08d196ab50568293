// The NovaFile's schema: the single source for reading (validation and defaults), the published JSON
// Schema and the generated reference page. It reads files written for the original Nova (keys, types
// and spellings as that project's parser takes them) and adds what a real lab needs. Unlike the
// original, it refuses what it does not know instead of ignoring it.
import { z } from 'zod';

import { parseSize } from './units.js';

/** A hint for the person reading an error, carried in a custom issue's params. */
export interface IssueHint {
  hint?: string;
}

/** Names of VMs, containers, networks and pools: safe in XML, paths, argv and bridge names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const NAME_RULE = 'letters, digits, "-", "_" and "." (at most 63), starting with a letter or digit';

const describe = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ description });

/** A size: "2Gi", "512Mi" (powers of 1024), "2G", "500M" (powers of 1000), or bytes. */
export const Size = describe(
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const parsed = parseSize(value);
    if (parsed.ok) return parsed.bytes;
    ctx.addIssue({
      code: 'custom',
      message: parsed.message,
      params: { hint: parsed.hint } satisfies IssueHint,
    });
    return z.NEVER;
  }),
  'A size: "2Gi", "512Mi" (powers of 1024), "2G", "500M" (powers of 1000), or a number of bytes.',
);

/** A path: absolute, or relative to the NovaFile's folder. No NUL or line breaks. */
export const FilePath = describe(
  z
    .string()
    .min(1, 'a path cannot be empty')
    .refine((path) => !/[\0\n\r]/.test(path), 'a path cannot contain NUL or line breaks'),
  'A file path: absolute, or relative to the folder of the NovaFile.',
);

const Ipv4 = z.ipv4({ message: 'not an IPv4 address' });
const Cidr4 = z.cidrv4({ message: 'not an IPv4 network in CIDR form, such as "192.168.50.0/24"' });

// ── VMs ──────────────────────────────────────────────────────────────────────────────────────────

const VmStorage = describe(
  z.strictObject({
    directory: FilePath.optional().describe('Folder of the disk image (default /var/lib/nova/disks).'),
    filename: z
      .string()
      .optional()
      .describe('File name of the disk image (default <vm>.qcow2, or <vm>.img for raw).'),
    format: z.enum(['qcow2', 'raw']).default('qcow2').describe('Disk image format.'),
    size: Size.prefault('20Gi').describe('Size of the disk when Nova creates it.'),
    create_if_missing: z.boolean().default(true).describe('Create the disk image if it does not exist.'),
  }),
  'The VM’s system disk (as in the original Nova). For more disks, use [[vm.<name>.disk]].',
);

const VmDisk = describe(
  z.strictObject({
    name: z
      .string()
      .regex(NAME_PATTERN, `a disk name is ${NAME_RULE}`)
      .describe('Name of the disk, unique in its VM.'),
    size: Size.optional().describe('Size of the disk when Nova creates it.'),
    format: z.enum(['qcow2', 'raw']).default('qcow2').describe('Disk image format.'),
    pool: z.string().optional().describe('Storage pool ([storage.<name>]) that holds the image.'),
    path: FilePath.optional().describe('An existing image to attach instead of creating one.'),
    bus: z.enum(['virtio', 'sata', 'scsi']).default('virtio').describe('How the guest sees the disk.'),
    readonly: z.boolean().default(false).describe('Attach read-only.'),
  }),
  'An additional disk of a VM.',
);

const VmNic = describe(
  z.strictObject({
    network: z.string().describe('A network of this NovaFile, a libvirt network or a host bridge.'),
    model: z.enum(['virtio', 'e1000e', 'rtl8139']).default('virtio').describe('NIC model the guest sees.'),
    mac: z
      .string()
      .regex(
        /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/,
        'a MAC address is six hex pairs, such as "52:54:00:12:34:56"',
      )
      .optional()
      .describe('Fixed MAC address (default: chosen by libvirt).'),
  }),
  'A network interface of a VM.',
);

const Firmware = describe(
  z.strictObject({
    boot_type: z.enum(['legacy', 'uefi']).default('legacy').describe('BIOS (legacy) or UEFI (OVMF).'),
    secure_boot: z.boolean().default(false).describe('UEFI Secure Boot (needs boot_type = "uefi").'),
    ovmf_code: FilePath.optional().describe('OVMF code file (default from the ovmf package).'),
    ovmf_vars: FilePath.optional().describe('OVMF variables template (default from the ovmf package).'),
  }),
  'Firmware of a VM.',
);

const Tpm = describe(
  z.strictObject({
    enabled: z.boolean().default(false).describe('Give the VM a TPM.'),
    version: z.enum(['v1-2', 'v2-0']).default('v2-0').describe('TPM version.'),
    backend: z
      .enum(['emulated', 'hardware'])
      .default('emulated')
      .describe('swtpm emulation or the host’s TPM.'),
  }),
  'Trusted Platform Module of a VM.',
);

const Gpu = describe(
  z.strictObject({
    device_address: z
      .string()
      .regex(
        /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/,
        'a PCI address looks like "0000:01:00.0"',
      )
      .describe('PCI address of the GPU to pass through.'),
    mode: z.enum(['Full', 'SrIov', 'Vgpu', 'ManagedVfio']).describe('How the GPU is given to the VM.'),
    multifunction: z.boolean().describe('Pass the whole multifunction device (GPU and its audio).'),
    x_vga: z.boolean().describe('Make it the VM’s primary VGA device.'),
    display: z.enum(['None', 'Spice', 'LookingGlass', 'VirtioGpu']).describe('Display for the VM.'),
    romfile: FilePath.optional().describe('VBIOS ROM file.'),
    audio_device: z.string().optional().describe('PCI address of the GPU’s audio function.'),
    usb_controller: z.string().optional().describe('PCI address of a USB controller to pass through.'),
  }),
  'GPU passthrough settings (all keys but the optional ones are required, as in the original Nova).',
);

const LookingGlass = describe(
  z.strictObject({
    enabled: z.boolean().describe('Share the guest’s framebuffer with Looking Glass.'),
    resolution: z
      .strictObject({
        width: z.number().int().min(640).max(7680),
        height: z.number().int().min(480).max(4320),
      })
      .describe('Guest resolution.'),
    framebuffer_size: z.number().int().min(32).max(512).describe('Shared memory size in MB.'),
    shmem_path: FilePath.describe('Shared memory file, such as /dev/shm/looking-glass.'),
    audio_enabled: z.boolean(),
    audio_buffer_latency: z.number().int().min(0).describe('Audio latency in ms.'),
    vsync_enabled: z.boolean(),
    mouse_input: z.enum(['Relative', 'Absolute']),
    socket_path: FilePath.optional(),
  }),
  'Looking Glass (all keys but socket_path are required, as in the original Nova).',
);

const Boot = describe(
  z.strictObject({
    kernel: FilePath.describe('Kernel to boot directly.'),
    initrd: FilePath.optional().describe('Initial ramdisk.'),
    cmdline: z.string().optional().describe('Kernel command line.'),
  }),
  'Direct kernel boot, without a boot loader.',
);

const CloudInit = describe(
  z.strictObject({
    hostname: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/, 'not a valid host name')
      .optional(),
    user_data: z.string().optional().describe('cloud-config user data, inline.'),
    user_data_file: FilePath.optional().describe('cloud-config user data, from a file.'),
    ssh_authorized_keys: z
      .array(z.string().regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, 'not an SSH public key line'))
      .default([])
      .describe('Public keys allowed to log in.'),
  }),
  'cloud-init seed (NoCloud) attached to the VM as a small ISO.',
);

export const Vm = describe(
  z.strictObject({
    image: FilePath.optional().describe('An existing disk image to boot (the system disk).'),
    cdrom: FilePath.optional().describe(
      'An ISO image (an installer) attached as a CD-ROM; the VM boots from it while its disk is empty.',
    ),
    cpu: z
      .number()
      .int()
      .min(1, 'a VM needs at least one vCPU')
      .max(512)
      .default(2)
      .describe('Number of vCPUs.'),
    memory: Size.prefault('1Gi').describe('Memory, such as "4Gi".'),
    accelerator: z
      .enum(['auto', 'kvm', 'tcg'])
      .default('auto')
      .describe('kvm (hardware), tcg (emulation, slow) or auto (kvm where it works, else tcg).'),
    state: z.enum(['running', 'stopped']).default('running').describe('What apply leaves the VM in.'),
    network: z
      .string()
      .optional()
      .describe('The VM’s first network (a network of this file, a libvirt network or a host bridge).'),
    nic: z.array(VmNic).default([]).describe('More network interfaces.'),
    autostart: z.boolean().default(false).describe('Start the VM when the host (libvirtd) starts.'),
    gpu_passthrough: z.boolean().default(false).describe('Pass a GPU through (see [vm.<name>.gpu]).'),
    compliance_profile: z
      .enum(['windows11'])
      .optional()
      .describe('A set of requirements, such as windows11 (UEFI, Secure Boot, TPM 2.0).'),
    storage: VmStorage.optional(),
    disk: z.array(VmDisk).default([]).describe('More disks.'),
    firmware: Firmware.prefault({}),
    tpm: Tpm.prefault({}),
    gpu: Gpu.optional(),
    looking_glass: LookingGlass.optional(),
    boot: Boot.optional(),
    cloud_init: CloudInit.optional(),
  }),
  'A virtual machine.',
);

// ── Containers ───────────────────────────────────────────────────────────────────────────────────

const Bolt = describe(
  z.strictObject({
    isolation: z.string().default('standard'),
    gpu_access: z.boolean().default(false).describe('Give the container all GPUs.'),
    gpu_devices: z.array(z.string()).default([]),
    memory_limit: Size.optional().describe('Memory limit (used when the container has no memory key).'),
    cpu_limit: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'a CPU limit is a number in a string, such as "0.5"')
      .optional()
      .describe('CPU limit (used when the container has no cpus key).'),
    security_profile: z.string().default('default'),
    network_mode: z.string().default('bridge'),
    read_only: z.boolean().default(false).describe('Read-only root file system.'),
    no_new_privileges: z.boolean().default(false),
    quic_streams: z.number().int().optional(),
  }),
  'Bolt settings of the original Nova; Nova applies gpu_access, the limits, read_only and no_new_privileges to any engine.',
);

const PORT_PATTERN = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/;

export const Container = describe(
  z.strictObject({
    capsule: z.string().min(1).default('ubuntu:latest').describe('The image, such as "postgres:15".'),
    command: z.array(z.string()).optional().describe('Command and arguments (default: the image’s).'),
    volumes: z
      .array(
        z.string().regex(/^[^:]+:[^:]+(:(ro|rw))?$/, 'a volume is "host-path-or-name:container-path[:ro]"'),
      )
      .default([])
      .describe('Mounts, "host:container[:ro]"; a relative host path is relative to the NovaFile.'),
    network: z
      .string()
      .optional()
      .describe('A network of this file, or an engine network (bridge, host, none, …).'),
    ports: z
      .array(z.string().regex(PORT_PATTERN, 'a port is "[ip:]host:container[/tcp|udp]"'))
      .default([])
      .describe('Published ports.'),
    env: z.record(z.string(), z.string()).default({}).describe('Environment variables (strings).'),
    autostart: z.boolean().default(false).describe('Start with the engine (restart policy unless-stopped).'),
    state: z.enum(['running', 'stopped']).default('running').describe('What apply leaves the container in.'),
    restart: z
      .string()
      .regex(
        /^(no|always|unless-stopped|on-failure(:\d+)?)$/,
        'restart is no, always, unless-stopped or on-failure[:N]',
      )
      .optional()
      .describe('Restart policy.'),
    cpus: z.number().positive().max(1024).optional().describe('CPU limit, such as 1.5.'),
    memory: Size.optional().describe('Memory limit, such as "512Mi".'),
    runtime: z
      .enum(['bolt', 'docker', 'podman', 'auto'])
      .optional()
      .describe('Engine (default: the first reachable).'),
    bolt: Bolt.optional(),
  }),
  'A container ("capsule" in the original Nova).',
);

// ── Networks and storage ─────────────────────────────────────────────────────────────────────────

export const Network = describe(
  z.strictObject({
    type: z
      .enum(['bridge', 'overlay', 'host', 'none'])
      .default('bridge')
      .describe('Kind of network (original Nova).'),
    profile: z
      .enum(['nat', 'internal', 'external'])
      .optional()
      .describe(
        'nat: private subnet with DHCP and masquerading; internal: isolated; external: bridged to an uplink.',
      ),
    interfaces: z
      .array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/, 'not an interface name'))
      .default([])
      .describe('Host interfaces (the uplink of an external network).'),
    uplink: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/, 'not an interface name')
      .optional()
      .describe('The uplink of an external network.'),
    driver: z.string().optional().describe('Original Nova: network driver, such as "quic".'),
    subnet: Cidr4.optional().describe('IPv4 subnet, such as "192.168.50.0/24".'),
    gateway: Ipv4.optional().describe('The host’s address on it (default: the first address of the subnet).'),
    dhcp_range: z
      .string()
      .regex(
        /^\d{1,3}(\.\d{1,3}){3}\s*-\s*\d{1,3}(\.\d{1,3}){3}$/,
        'a DHCP range is "first-last", such as "192.168.50.100-192.168.50.200"',
      )
      .optional()
      .describe('Addresses handed out by DHCP, "first-last".'),
    dns: z.boolean().default(false).describe('Serve DNS for the network’s guests.'),
    autostart: z.boolean().default(true).describe('Start the network when the host starts.'),
  }),
  'A network.',
);

export const StoragePool = describe(
  z.strictObject({
    directory: FilePath.describe('Folder of the pool.'),
    pool_type: z.enum(['directory', 'btrfs', 'nfs']).default('directory').describe('Kind of pool.'),
    description: z.string().optional(),
    capacity: Size.optional().describe('Expected capacity (informative).'),
    default_format: z.enum(['qcow2', 'raw']).default('qcow2').describe('Format of new images.'),
    auto_create: z.boolean().default(true).describe('Create the folder if it does not exist.'),
    labels: z.array(z.string()).default([]),
  }),
  'A storage pool: a folder that holds disk images.',
);

// ── Settings of the original Nova ───────────────────────────────────────────────────────────────

const Ui = describe(
  z.strictObject({
    theme: z
      .enum([
        'tokyo-night-night',
        'tokyo-night-storm',
        'tokyo-night-moon',
        'catppuccin-mocha',
        'dracula',
        'ocean',
      ])
      .default('tokyo-night-storm'),
    font_family: z.enum(['fira-code-nerd', 'system-default']).default('fira-code-nerd'),
    font_size: z.number().min(12).max(20).default(15),
    compact_layout: z.boolean().default(false),
    auto_refresh: z.boolean().default(true),
    refresh_interval_seconds: z.number().int().min(0).max(60).default(5),
    network_refresh_interval_seconds: z.number().int().min(0).max(180).default(15),
    show_event_log: z.boolean().default(false),
    show_insights: z.boolean().default(true),
    confirm_instance_actions: z.boolean().default(true),
    container_logs_auto_refresh: z.boolean().default(false),
    container_logs_refresh_interval_seconds: z.number().int().min(0).max(120).default(15),
  }),
  'Desktop app settings.',
);

const Iso = describe(
  z.strictObject({
    paths: z
      .array(FilePath)
      .default(['/data/iso', '/var/lib/libvirt/images'])
      .describe('Folders searched for ISO images.'),
    known: z
      .record(
        z.string(),
        z.strictObject({
          path: FilePath,
          name: z.string(),
          os_type: z.string(),
          version: z.string().optional(),
        }),
      )
      .default({}),
  }),
  'ISO images.',
);

const Templates = describe(
  z.strictObject({
    enable_builtin: z.boolean().default(true).describe('Offer Nova’s built-in templates.'),
    custom: z
      .record(
        z.string(),
        z.strictObject({
          name: z.string(),
          description: z.string(),
          os_type: z.string(),
          cpu: z.number().int().min(1),
          memory: Size,
          disk_size: Size,
          gpu_passthrough: z.boolean().default(false),
          uefi: z.boolean().default(false),
          secure_boot: z.boolean().default(false),
          tpm: z.boolean().default(false),
          tags: z.array(z.string()).default([]),
          iso_pattern: z.string().optional(),
          network: z.string().optional(),
        }),
      )
      .default({}),
  }),
  'VM templates.',
);

export const NovaFileSchema = describe(
  z.strictObject({
    project: z
      .string()
      .regex(NAME_PATTERN, `a project name is ${NAME_RULE}`)
      .optional()
      .describe('Name of the lab; Nova tags what it creates with it.'),
    vm: z.record(z.string(), Vm).default({}).describe('Virtual machines, by name.'),
    container: z.record(z.string(), Container).default({}).describe('Containers, by name.'),
    network: z.record(z.string(), Network).default({}).describe('Networks, by name.'),
    storage: z.record(z.string(), StoragePool).default({}).describe('Storage pools, by name.'),
    ui: Ui.optional(),
    iso: Iso.optional(),
    templates: Templates.optional(),
  }),
  'A NovaFile: a lab of VMs, containers, networks and storage, in TOML.',
);

export type NovaFileModel = z.output<typeof NovaFileSchema>;
export type VmModel = z.output<typeof Vm>;
export type ContainerModel = z.output<typeof Container>;
export type NetworkModel = z.output<typeof Network>;
export type StoragePoolModel = z.output<typeof StoragePool>;

/** Tables whose keys are names the user chose (checked against NAME_PATTERN). */
export const NAMED_TABLES = ['vm', 'container', 'network', 'storage'] as const;
