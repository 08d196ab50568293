import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type DomainDiskSpec, DomainSpec, NetworkSpec, PoolSpec, VolumeSpec } from '@nova/core';
import {
  buildDomainXml,
  buildNetworkXml,
  buildPoolXml,
  buildVolumeXml,
  domainDifferences,
  parseDomainConfig,
  parseNetworkXml,
  parsePoolXml,
  parseVolumeFormat,
} from '@nova/core/node';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The reader the instance list uses; @nova/core exports it from no entry point yet.
import { parseDomainXml } from '../../packages/core/src/libvirt/domain-xml.js';
import { GUEST_DIR, requireLab, run, uniqueName, virsh } from '../support/lab.js';

// What the XML builders write must be what libvirt on this host accepts and keeps: checked against
// libvirt's own schemas (virt-xml-validate), then defined, read back and undefined. Nothing is started.

const scratch = mkdtempSync(join(tmpdir(), 'nova-xml-'));
const ownership = (name: string) => ({
  project: 'nova-test',
  name,
  specHash: randomUUID().replaceAll('-', '').repeat(2),
});

const hasSwtpm = (await run('which', ['swtpm'])).code === 0;
const hasFirmwareDescriptors = ['/usr/share/qemu/firmware', '/etc/qemu/firmware'].some((dir) =>
  existsSync(dir),
);
const hasKvm = existsSync('/dev/kvm');

function writeXml(fileName: string, xml: string): string {
  const file = join(scratch, fileName);
  writeFileSync(file, xml);
  return file;
}

async function expectValid(
  kind: 'domain' | 'network' | 'storagepool' | 'storagevol',
  xml: string,
): Promise<void> {
  const result = await run('virt-xml-validate', [writeXml(`${kind}-${randomUUID()}.xml`, xml), kind]);
  expect(result.code, `${result.stdout}${result.stderr}\n${xml}`).toBe(0);
}

interface DomainCase {
  title: string;
  spec: DomainSpec;
  /** Why libvirt on this host cannot define it (so it is only validated); undefined when it can. */
  cannotDefine?: string | undefined;
}

function domain(
  title: string,
  fields: Omit<DomainSpec, 'name' | 'ownership'>,
  cannotDefine?: string,
): DomainCase {
  const name = uniqueName('xml');
  return { title, spec: DomainSpec.parse({ name, ownership: ownership(name), ...fields }), cannotDefine };
}

const volumeDisk: DomainDiskSpec = {
  source: { type: 'volume', pool: 'nova-test-pool', volume: 'disk.qcow2' },
  format: 'qcow2',
  bus: 'virtio',
  target: 'vda',
  readonly: false,
  device: 'disk',
};
const base: Omit<DomainSpec, 'name' | 'ownership'> = {
  type: 'qemu',
  vcpus: 1,
  memoryBytes: 64 * 1024 * 1024 + 1,
  firmware: { type: 'bios', secureBoot: false },
  disks: [volumeDisk],
  nics: [{ source: { type: 'network', network: 'default' }, model: 'virtio' }],
  hostdevs: [],
  graphics: false,
};
// Markup and quotes in a path and on the command line, as libvirt must store them.
const oddPath = join(scratch, `a&b "c" 'd' <e>.iso`);
const oddCmdline = `console=ttyS0 nova.note="a<b && c>d" it's ]]> &amp;`;
const noKvm = hasKvm ? undefined : 'no /dev/kvm on this host';

const domainCases: DomainCase[] = [
  domain('a minimal BIOS guest with a pool volume and a libvirt network NIC', base),
  domain('a redefined guest that keeps its UUID', { ...base, uuid: randomUUID() }),
  domain('direct kernel boot with markup in the command line, several buses, a bridge NIC and VNC', {
    ...base,
    kernel: { path: join(GUEST_DIR, 'vmlinuz'), initrd: join(GUEST_DIR, 'initrd.img'), cmdline: oddCmdline },
    disks: [
      volumeDisk,
      {
        source: { type: 'file', path: '/var/lib/nova-test/data.img' },
        format: 'raw',
        bus: 'scsi',
        target: 'sda',
        readonly: true,
        device: 'disk',
      },
      {
        source: { type: 'file', path: oddPath },
        format: 'raw',
        bus: 'sata',
        target: 'sdb',
        readonly: true,
        device: 'cdrom',
      },
    ],
    nics: [
      { source: { type: 'network', network: 'default' }, model: 'e1000e', mac: '52:54:00:6e:6f:01' },
      { source: { type: 'bridge', bridge: 'nova-test-br0' }, model: 'rtl8139' },
    ],
    graphics: true,
  }),
  // libvirt checks the loader and NVRAM template files only when the domain starts.
  domain(
    'KVM with an explicit OVMF loader, secure boot and SMM',
    {
      ...base,
      type: 'kvm',
      firmware: {
        type: 'uefi',
        secureBoot: true,
        loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
        nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd',
      },
    },
    noKvm,
  ),
  // Since libvirt 9.2 the firmware is chosen from QEMU's firmware descriptors at define time; OVMF brings them.
  domain(
    'UEFI chosen by libvirt, with secure boot and enrolled keys',
    { ...base, firmware: { type: 'uefi', secureBoot: true } },
    hasFirmwareDescriptors ? undefined : 'no OVMF firmware descriptors (ovmf is not installed)',
  ),
  // libvirt asks swtpm which TPM versions it can emulate when the domain is defined.
  domain(
    'an emulated TPM 2.0',
    { ...base, tpm: { version: '2.0', backend: 'emulator' } },
    hasSwtpm ? undefined : 'swtpm is not installed',
  ),
  domain(
    'an emulated TPM 1.2',
    { ...base, tpm: { version: '1.2', backend: 'emulator' } },
    hasSwtpm ? undefined : 'swtpm is not installed',
  ),
  // The host's TPM and PCI device are opened only when the domain starts.
  domain(
    'GPU passthrough with a ROM file, Looking Glass and a passed-through TPM',
    {
      ...base,
      type: 'kvm',
      tpm: { version: '2.0', backend: 'passthrough' },
      hostdevs: [
        { address: '0000:01:00.0', romFile: '/var/lib/nova-test/vbios.rom' },
        { address: '0000:01:00.1' },
      ],
      lookingGlassMiB: 64,
      graphics: true,
    },
    noKvm,
  ),
];

const xmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

async function undefineDomain(name: string): Promise<void> {
  await run('virsh', ['-c', 'qemu:///system', 'undefine', name, '--nvram']);
}

beforeAll(() => {
  requireLab();
});

afterAll(async () => {
  for (const { spec } of domainCases) await undefineDomain(spec.name);
  rmSync(scratch, { recursive: true, force: true });
});

describe('domain XML', () => {
  for (const { title, spec, cannotDefine } of domainCases) {
    it(`passes libvirt's schema: ${title}`, async () => {
      await expectValid('domain', buildDomainXml(spec));
    });

    it.skipIf(cannotDefine !== undefined)(
      `is defined and kept by libvirt: ${title}${cannotDefine === undefined ? '' : ` (${cannotDefine})`}`,
      async () => {
        try {
          await virsh('define', writeXml(`${spec.name}.xml`, buildDomainXml(spec)));
          const stored = await virsh('dumpxml', '--inactive', spec.name);

          const facts = parseDomainXml(stored);
          expect(facts).toMatchObject({ name: spec.name, vcpus: spec.vcpus, ownedByNova: true });
          expect(facts.memoryBytes).toBe(Math.ceil(spec.memoryBytes / 1024) * 1024);
          if (spec.uuid !== undefined) expect(facts.uuid).toBe(spec.uuid);

          const config = parseDomainConfig(stored);
          expect(config.nova).toEqual(spec.ownership);
          // libvirt drops the version of a passed-through TPM; parseDomainConfig does not yet infer it from the model.
          const passthroughTpm = spec.tpm?.backend === 'passthrough';
          expect(
            domainDifferences(spec, config).filter((d) => !(passthroughTpm && d.field === 'tpm')),
          ).toEqual([]);
          if (passthroughTpm) {
            const tpm = (xmlParser.parse(stored) as { domain: { devices: { tpm: Record<string, unknown> } } })
              .domain.devices.tpm;
            expect(tpm).toMatchObject({
              '@model': 'tpm-crb',
              backend: { '@type': 'passthrough', device: { '@path': '/dev/tpm0' } },
            });
          }
        } finally {
          await undefineDomain(spec.name);
        }
        expect((await run('virsh', ['-c', 'qemu:///system', 'dominfo', spec.name])).code).not.toBe(0);
      },
    );
  }
});

interface NetworkCase {
  title: string;
  spec: NetworkSpec;
}

function network(
  title: string,
  fields: Omit<NetworkSpec, 'name' | 'ownership' | 'bridge'>,
  bridge?: string,
): NetworkCase {
  const name = uniqueName('xml');
  // A Linux interface name has at most 15 characters.
  return {
    title,
    spec: NetworkSpec.parse({
      name,
      ownership: ownership(name),
      bridge: bridge ?? `nova-${name.slice(-6)}`,
      ...fields,
    }),
  };
}

const networkCases: NetworkCase[] = [
  network('NAT with DHCP and without DNS', {
    mode: 'nat',
    ipv4: { address: '10.213.7.1', prefix: 24, dhcp: { start: '10.213.7.100', end: '10.213.7.199' } },
    dns: false,
  }),
  network('isolated, with DNS and no DHCP', {
    mode: 'isolated',
    ipv4: { address: '10.213.8.1', prefix: 24 },
    dns: true,
  }),
  network('isolated without an address', { mode: 'isolated', dns: false }),
  // libvirt only checks that the host bridge exists when the network starts.
  network('an existing host bridge', { mode: 'bridge', dns: false }, 'nova-test-br0'),
];

async function undefineNetwork(name: string): Promise<void> {
  await run('virsh', ['-c', 'qemu:///system', 'net-undefine', name]);
}

describe('network XML', () => {
  afterAll(async () => {
    for (const { spec } of networkCases) await undefineNetwork(spec.name);
  });

  for (const { title, spec } of networkCases) {
    it(`passes libvirt's schema, is defined and kept: ${title}`, async () => {
      const xml = buildNetworkXml(spec);
      await expectValid('network', xml);
      try {
        await virsh('net-define', writeXml(`${spec.name}.xml`, xml));
        const stored = parseNetworkXml(await virsh('net-dumpxml', '--inactive', spec.name));
        expect(stored).toMatchObject({
          name: spec.name,
          forwardMode: spec.mode === 'isolated' ? undefined : spec.mode,
          bridge: spec.bridge,
          address: spec.ipv4?.address,
          prefix: spec.ipv4?.prefix,
          dhcpStart: spec.ipv4?.dhcp?.start,
          dhcpEnd: spec.ipv4?.dhcp?.end,
          nova: spec.ownership,
        });
      } finally {
        await undefineNetwork(spec.name);
      }
      expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', spec.name])).code).not.toBe(0);
    });
  }
});

describe('storage pool and volume XML', () => {
  const poolName = uniqueName('xml');
  // pool-build creates the folder, so it must not exist yet.
  const poolPath = join(scratch, 'pool');
  const pool = PoolSpec.parse({
    name: poolName,
    ownership: ownership(poolName),
    path: poolPath,
    shared: false,
  });
  const volumes = [
    VolumeSpec.parse({ pool: poolName, name: 'disk.qcow2', format: 'qcow2', capacityBytes: 64 * 1024 ** 2 }),
    VolumeSpec.parse({ pool: poolName, name: 'disk.raw', format: 'raw', capacityBytes: 3 * 1024 ** 2 + 512 }),
  ];

  afterAll(async () => {
    const virshQuiet = (...args: string[]) => run('virsh', ['-c', 'qemu:///system', ...args]);
    for (const volume of volumes) await virshQuiet('vol-delete', volume.name, '--pool', poolName);
    await virshQuiet('pool-destroy', poolName);
    await virshQuiet('pool-undefine', poolName);
  });

  it("passes libvirt's schemas", async () => {
    await expectValid('storagepool', buildPoolXml(pool));
    for (const volume of volumes) await expectValid('storagevol', buildVolumeXml(volume));
  });

  it('defines, builds and starts a directory pool, and creates volumes of the asked size and format in it', async () => {
    await virsh('pool-define', writeXml(`${poolName}.xml`, buildPoolXml(pool)));
    await virsh('pool-build', poolName);
    await virsh('pool-start', poolName);
    expect(parsePoolXml(await virsh('pool-dumpxml', poolName))).toEqual({ type: 'dir', path: poolPath });
    expect(existsSync(poolPath)).toBe(true);

    for (const volume of volumes) {
      await virsh('vol-create', poolName, writeXml(`${volume.name}.xml`, buildVolumeXml(volume)));
      const info = await virsh('vol-info', '--bytes', volume.name, '--pool', poolName);
      expect(info).toMatch(new RegExp(`^Capacity:\\s+${volume.capacityBytes} bytes$`, 'm'));
      expect(parseVolumeFormat(await virsh('vol-dumpxml', volume.name, '--pool', poolName))).toBe(
        volume.format,
      );
      expect(existsSync(join(poolPath, volume.name))).toBe(true);
    }

    for (const volume of volumes) await virsh('vol-delete', volume.name, '--pool', poolName);
    await virsh('pool-destroy', poolName);
    await virsh('pool-undefine', poolName);
    expect((await run('virsh', ['-c', 'qemu:///system', 'pool-info', poolName])).code).not.toBe(0);
  });
});
