import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import { type DomainDiskSpec, DomainSpec, NetworkSpec, PoolSpec, VolumeSpec } from '../src/contract/specs.js';
import { buildDomainXml } from '../src/libvirt/domain-builder.js';
import { domainDifferences, parseDomainConfig } from '../src/libvirt/domain-config.js';
import { NOVA_LIBVIRT_XMLNS, parseDomainXml } from '../src/libvirt/domain-xml.js';
import { buildNetworkXml } from '../src/libvirt/network-builder.js';
import { novaMark } from '../src/libvirt/network-xml.js';
import { buildPoolXml, buildVolumeXml } from '../src/libvirt/storage-builder.js';
import { parsePoolXml, parseVolumeFormat } from '../src/libvirt/storage-xml.js';

type Node = Record<string, unknown>;
/** Fields to replace in a fixture; undefined removes an optional one. */
type Overrides<T> = { [K in keyof T]?: T[K] | undefined };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['disk', 'interface', 'hostdev', 'boot', 'feature'].includes(name),
});

/** The element at a path of names and indexes, failing the test if it is missing. */
function at(xml: string, ...path: (string | number)[]): Node {
  let node: unknown = parser.parse(xml);
  for (const step of path) {
    if (typeof node !== 'object' || node === null) throw new Error(`no ${path.join('.')} in:\n${xml}`);
    node = (node as Record<string | number, unknown>)[step];
  }
  if (typeof node !== 'object' || node === null) throw new Error(`no element ${path.join('.')} in:\n${xml}`);
  return node as Node;
}

/** The element's text, whether it has attributes or not. */
function textOf(xml: string, ...path: (string | number)[]): string | undefined {
  const parent = at(xml, ...path.slice(0, -1));
  const node = parent[path[path.length - 1] as string];
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null && typeof (node as Node)['#text'] === 'string') {
    return (node as Node)['#text'] as string;
  }
  return undefined;
}

const ownership = { project: 'lab', name: 'web', specHash: 'ab'.repeat(32) };
const UUID = '2c0e2d45-943e-4060-bb80-1d8605f9deaf';

const volumeDisk: DomainDiskSpec = {
  source: { type: 'volume', pool: 'nova', volume: 'web.qcow2' },
  format: 'qcow2',
  bus: 'virtio',
  target: 'vda',
  readonly: false,
  device: 'disk',
};

/** A BIOS guest with one pool volume and one NIC on a libvirt network; overrides checked by the schema. */
function domainSpec(overrides: Overrides<DomainSpec> = {}): DomainSpec {
  return DomainSpec.parse({
    name: 'web',
    ownership,
    type: 'qemu',
    vcpus: 2,
    // One byte over 64 MiB: libvirt counts in KiB, so this must round up to 65537 KiB.
    memoryBytes: 64 * 1024 * 1024 + 1,
    firmware: { type: 'bios', secureBoot: false },
    disks: [volumeDisk],
    nics: [{ source: { type: 'network', network: 'default' }, model: 'virtio' }],
    hostdevs: [],
    graphics: false,
    ...overrides,
  });
}

const networkSpec = (overrides: Overrides<NetworkSpec> = {}): NetworkSpec =>
  NetworkSpec.parse({
    name: 'lan',
    ownership: { ...ownership, name: 'lan' },
    mode: 'nat',
    bridge: 'nova-lan',
    ipv4: { address: '10.77.0.1', prefix: 24, dhcp: { start: '10.77.0.100', end: '10.77.0.199' } },
    dns: true,
    ...overrides,
  });

function invalidInput(build: () => unknown): NovaError {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).code).toBe('invalid-input');
    return err as NovaError;
  }
  throw new Error('expected the builder to refuse the spec');
}

describe('buildDomainXml', () => {
  it('writes a minimal BIOS guest with its identity, memory in KiB rounded up, and Nova’s mark', () => {
    const xml = buildDomainXml(domainSpec());
    const domain = at(xml, 'domain');
    expect(domain['@type']).toBe('qemu');
    expect(domain['name']).toBe('web');
    expect(domain['uuid']).toBeUndefined();
    expect(at(xml, 'domain', 'metadata', 'nova:instance')).toEqual({
      '@xmlns:nova': NOVA_LIBVIRT_XMLNS,
      '@project': 'lab',
      '@name': 'web',
      '@spec-hash': 'ab'.repeat(32),
    });
    expect(at(xml, 'domain', 'memory')).toEqual({ '@unit': 'KiB', '#text': '65537' });
    expect(at(xml, 'domain', 'currentMemory')).toEqual({ '@unit': 'KiB', '#text': '65537' });
    expect(at(xml, 'domain', 'vcpu')).toEqual({ '@placement': 'static', '#text': '2' });
    expect(at(xml, 'domain', 'os', 'type')).toEqual({ '@arch': 'x86_64', '@machine': 'pc', '#text': 'hvm' });
    expect(at(xml, 'domain', 'os')['@firmware']).toBeUndefined();
    expect(at(xml, 'domain', 'os')['loader']).toBeUndefined();
    expect(at(xml, 'domain', 'os', 'boot')).toEqual([{ '@dev': 'hd' }]);
    expect(at(xml, 'domain', 'features')).toEqual({ acpi: '', apic: '' });
    expect(at(xml, 'domain', 'clock')).toEqual({ '@offset': 'utc' });
    expect([domain['on_poweroff'], domain['on_reboot'], domain['on_crash']]).toEqual([
      'destroy',
      'restart',
      'destroy',
    ]);
  });

  it('writes a pool volume as a disk and a libvirt network as a NIC', () => {
    const xml = buildDomainXml(domainSpec());
    expect(at(xml, 'domain', 'devices', 'disk')).toEqual([
      {
        '@type': 'volume',
        '@device': 'disk',
        driver: { '@name': 'qemu', '@type': 'qcow2' },
        source: { '@pool': 'nova', '@volume': 'web.qcow2' },
        target: { '@dev': 'vda', '@bus': 'virtio' },
      },
    ]);
    expect(at(xml, 'domain', 'devices', 'interface')).toEqual([
      { '@type': 'network', source: { '@network': 'default' }, model: { '@type': 'virtio' } },
    ]);
  });

  it('always gives a serial console, a balloon and a virtio RNG, and nothing that was not asked for', () => {
    const devices = at(buildDomainXml(domainSpec()), 'domain', 'devices');
    expect(devices['serial']).toEqual({ '@type': 'pty', target: { '@port': '0' } });
    expect(devices['console']).toEqual({ '@type': 'pty', target: { '@type': 'serial', '@port': '0' } });
    expect(devices['memballoon']).toEqual({ '@model': 'virtio' });
    expect(devices['rng']).toEqual({
      '@model': 'virtio',
      backend: { '@model': 'random', '#text': '/dev/urandom' },
    });
    for (const absent of ['graphics', 'video', 'tpm', 'hostdev', 'shmem'])
      expect(devices[absent]).toBeUndefined();
  });

  it('round-trips through parseDomainXml', () => {
    expect(parseDomainXml(buildDomainXml(domainSpec({ uuid: UUID })))).toEqual({
      name: 'web',
      uuid: UUID,
      memoryBytes: 65537 * 1024,
      vcpus: 2,
      ownedByNova: true,
      networks: ['default'],
    });
  });

  it('keeps the UUID of a domain being redefined', () => {
    expect(at(buildDomainXml(domainSpec({ uuid: UUID })), 'domain')['uuid']).toBe(UUID);
  });

  it('writes file disks, read-only CD-ROMs and boots from disk before CD-ROM', () => {
    const xml = buildDomainXml(
      domainSpec({
        disks: [
          volumeDisk,
          {
            source: { type: 'file', path: '/var/lib/nova/iso/debian.iso' },
            format: 'raw',
            bus: 'sata',
            target: 'sda',
            readonly: true,
            device: 'cdrom',
          },
        ],
      }),
    );
    expect(at(xml, 'domain', 'devices', 'disk', 1)).toEqual({
      '@type': 'file',
      '@device': 'cdrom',
      driver: { '@name': 'qemu', '@type': 'raw' },
      source: { '@file': '/var/lib/nova/iso/debian.iso' },
      target: { '@dev': 'sda', '@bus': 'sata' },
      readonly: '',
    });
    expect(at(xml, 'domain', 'os', 'boot')).toEqual([{ '@dev': 'hd' }, { '@dev': 'cdrom' }]);
  });

  it('writes a host bridge NIC with its model and MAC address', () => {
    const xml = buildDomainXml(
      domainSpec({
        nics: [{ source: { type: 'bridge', bridge: 'br0' }, model: 'e1000e', mac: '52:54:00:12:34:56' }],
      }),
    );
    expect(at(xml, 'domain', 'devices', 'interface', 0)).toEqual({
      '@type': 'bridge',
      mac: { '@address': '52:54:00:12:34:56' },
      source: { '@bridge': 'br0' },
      model: { '@type': 'e1000e' },
    });
  });

  it('boots a kernel directly, with initrd and command line, and no boot device', () => {
    const xml = buildDomainXml(
      domainSpec({
        kernel: { path: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'console=ttyS0 quiet' },
      }),
    );
    const os = at(xml, 'domain', 'os');
    expect([os['kernel'], os['initrd'], os['cmdline']]).toEqual([
      '/boot/vmlinuz',
      '/boot/initrd.img',
      'console=ttyS0 quiet',
    ]);
    expect(os['boot']).toBeUndefined();
  });

  it('writes an explicit OVMF loader with secure boot, its NVRAM template and SMM', () => {
    const xml = buildDomainXml(
      domainSpec({
        firmware: {
          type: 'uefi',
          secureBoot: true,
          loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
          nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd',
        },
      }),
    );
    const os = at(xml, 'domain', 'os');
    expect(os['@firmware']).toBeUndefined();
    expect(os['firmware']).toBeUndefined();
    expect(at(xml, 'domain', 'os', 'type')['@machine']).toBe('q35');
    expect(os['loader']).toEqual({
      '@readonly': 'yes',
      '@type': 'pflash',
      '@secure': 'yes',
      '#text': '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
    });
    expect(os['nvram']).toEqual({ '@template': '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' });
    expect(at(xml, 'domain', 'features', 'smm')).toEqual({ '@state': 'on' });
  });

  it('marks an explicit loader without secure boot as not secure and leaves SMM out', () => {
    const xml = buildDomainXml(
      domainSpec({ firmware: { type: 'uefi', secureBoot: false, loader: '/usr/share/OVMF/OVMF_CODE.fd' } }),
    );
    expect(at(xml, 'domain', 'os', 'loader')['@secure']).toBe('no');
    expect(at(xml, 'domain', 'os')['nvram']).toBeUndefined();
    expect(at(xml, 'domain', 'features')['smm']).toBeUndefined();
  });

  it('lets libvirt pick UEFI firmware with the secure boot features asked for', () => {
    const secure = buildDomainXml(domainSpec({ firmware: { type: 'uefi', secureBoot: true } }));
    expect(at(secure, 'domain', 'os')['@firmware']).toBe('efi');
    expect(at(secure, 'domain', 'os')['loader']).toBeUndefined();
    expect(at(secure, 'domain', 'os', 'type')['@machine']).toBe('q35');
    expect(at(secure, 'domain', 'os', 'firmware', 'feature')).toEqual([
      { '@enabled': 'yes', '@name': 'secure-boot' },
      { '@enabled': 'yes', '@name': 'enrolled-keys' },
    ]);
    expect(at(secure, 'domain', 'features', 'smm')).toEqual({ '@state': 'on' });

    const plain = buildDomainXml(domainSpec({ firmware: { type: 'uefi', secureBoot: false } }));
    expect(at(plain, 'domain', 'os', 'firmware', 'feature')).toEqual([
      { '@enabled': 'no', '@name': 'secure-boot' },
      { '@enabled': 'no', '@name': 'enrolled-keys' },
    ]);
    expect(at(plain, 'domain', 'features')['smm']).toBeUndefined();
  });

  it('writes an emulated TPM 2.0 as CRB and 1.2 as TIS, and a passed-through one from /dev/tpm0', () => {
    const tpm = (version: '1.2' | '2.0', backend: 'emulator' | 'passthrough') =>
      at(buildDomainXml(domainSpec({ tpm: { version, backend } })), 'domain', 'devices', 'tpm');
    expect(tpm('2.0', 'emulator')).toEqual({
      '@model': 'tpm-crb',
      backend: { '@type': 'emulator', '@version': '2.0' },
    });
    expect(tpm('1.2', 'emulator')).toEqual({
      '@model': 'tpm-tis',
      backend: { '@type': 'emulator', '@version': '1.2' },
    });
    expect(tpm('2.0', 'passthrough')).toEqual({
      '@model': 'tpm-crb',
      backend: { '@type': 'passthrough', device: { '@path': '/dev/tpm0' } },
    });
  });

  it('passes PCI devices through by address, with a ROM file when given', () => {
    const xml = buildDomainXml(
      domainSpec({
        hostdevs: [
          { address: '0000:0a:1f.3', romFile: '/var/lib/nova/vbios.rom' },
          { address: '0000:01:00.1' },
        ],
      }),
    );
    expect(at(xml, 'domain', 'devices', 'hostdev')).toEqual([
      {
        '@mode': 'subsystem',
        '@type': 'pci',
        '@managed': 'yes',
        source: { address: { '@domain': '0x0000', '@bus': '0x0a', '@slot': '0x1f', '@function': '0x3' } },
        rom: { '@file': '/var/lib/nova/vbios.rom' },
      },
      {
        '@mode': 'subsystem',
        '@type': 'pci',
        '@managed': 'yes',
        source: { address: { '@domain': '0x0000', '@bus': '0x01', '@slot': '0x00', '@function': '0x1' } },
      },
    ]);
  });

  it('gives Looking Glass its shared memory in MiB', () => {
    expect(at(buildDomainXml(domainSpec({ lookingGlassMiB: 128 })), 'domain', 'devices', 'shmem')).toEqual({
      '@name': 'looking-glass',
      model: { '@type': 'ivshmem-plain' },
      size: { '@unit': 'M', '#text': '128' },
    });
  });

  it('passes the host CPU through under KVM only', () => {
    expect(at(buildDomainXml(domainSpec({ type: 'kvm' })), 'domain', 'cpu')).toEqual({
      '@mode': 'host-passthrough',
    });
    expect(at(buildDomainXml(domainSpec({ type: 'kvm' })), 'domain')['@type']).toBe('kvm');
    expect(at(buildDomainXml(domainSpec({ type: 'qemu' })), 'domain')['cpu']).toBeUndefined();
  });

  it('offers a VNC console on 127.0.0.1 only, with a virtio display', () => {
    const devices = at(buildDomainXml(domainSpec({ graphics: true })), 'domain', 'devices');
    expect(devices['graphics']).toEqual({
      '@type': 'vnc',
      '@port': '-1',
      '@autoport': 'yes',
      '@listen': '127.0.0.1',
      listen: { '@type': 'address', '@address': '127.0.0.1' },
    });
    expect(devices['video']).toEqual({ model: { '@type': 'virtio' } });
  });

  it('escapes markup in text and attribute values so they read back unchanged', () => {
    const cmdline = `console=ttyS0 a<b && c>d x="1" y='2' ]]> &amp; &#38; <!-- ü`;
    const path = `/srv/a&b/"q"/'s'/<x>.iso`;
    const xml = buildDomainXml(
      domainSpec({
        kernel: { path: '/boot/vmlinuz', cmdline },
        disks: [
          {
            source: { type: 'file', path },
            format: 'raw',
            bus: 'sata',
            target: 'sda',
            readonly: true,
            device: 'cdrom',
          },
        ],
      }),
    );
    expect(textOf(xml, 'domain', 'os', 'cmdline')).toBe(cmdline);
    expect(at(xml, 'domain', 'devices', 'disk', 0, 'source')['@file']).toBe(path);
    const config = parseDomainConfig(xml);
    expect(config.kernel?.cmdline).toBe(cmdline);
    expect(config.disks[0]?.source).toEqual({ type: 'file', path });
  });

  it('refuses values XML cannot carry intact instead of changing them', () => {
    // The contract refuses these already; the builder refuses them on its own too (specs not parsed here).
    const withCmdline = (cmdline: string) =>
      buildDomainXml({ ...domainSpec(), kernel: { path: '/boot/vmlinuz', cmdline } });
    expect(invalidInput(() => withCmdline('a\u0001b')).message).toMatch(/control character/);
    // A parser reads CR in text back as LF.
    invalidInput(() => withCmdline('a\rb'));
    // A lone surrogate cannot be encoded as UTF-8.
    invalidInput(() => withCmdline('a\uD800b'));
    // A tab survives in text, but in an attribute it would come back as a space.
    invalidInput(() =>
      buildDomainXml({
        ...domainSpec(),
        disks: [{ ...volumeDisk, source: { type: 'file', path: '/srv/a\tb.img' } }],
      }),
    );
    expect(textOf(withCmdline('a\tb\nc 😀'), 'domain', 'os', 'cmdline')).toBe('a\tb\nc 😀');
  });

  it('refuses firmware settings that libvirt would reject', () => {
    invalidInput(() => buildDomainXml(domainSpec({ firmware: { type: 'bios', secureBoot: true } })));
    invalidInput(() =>
      buildDomainXml(
        domainSpec({ firmware: { type: 'bios', secureBoot: false, loader: '/usr/share/OVMF/OVMF_CODE.fd' } }),
      ),
    );
    // libvirt: "nvram attribute 'template' cannot be specified when firmware autoselection is enabled".
    invalidInput(() =>
      buildDomainXml(
        domainSpec({
          firmware: { type: 'uefi', secureBoot: false, nvramTemplate: '/usr/share/OVMF/OVMF_VARS.fd' },
        }),
      ),
    );
  });

  it('refuses a CD-ROM on the virtio bus, which cannot hold removable media', () => {
    const cdrom = { ...volumeDisk, device: 'cdrom' as const };
    expect(invalidInput(() => buildDomainXml(domainSpec({ disks: [cdrom] }))).message).toMatch(/CD-ROM vda/);
  });

  it('reads back as the spec it was built from', () => {
    const spec = domainSpec({
      uuid: UUID,
      type: 'kvm',
      firmware: { type: 'uefi', secureBoot: true },
      kernel: { path: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'console=ttyS0' },
      nics: [
        { source: { type: 'network', network: 'default' }, model: 'virtio', mac: '52:54:00:aa:bb:cc' },
        { source: { type: 'bridge', bridge: 'br0' }, model: 'rtl8139' },
      ],
      tpm: { version: '2.0', backend: 'emulator' },
      hostdevs: [{ address: '0000:01:00.0' }],
      lookingGlassMiB: 64,
      graphics: true,
    });
    const config = parseDomainConfig(buildDomainXml(spec));
    expect(config.nova).toEqual(ownership);
    expect(domainDifferences(spec, config)).toEqual([]);
  });
});

describe('buildNetworkXml', () => {
  it('writes a NAT network with its bridge, address, DHCP range and Nova’s mark', () => {
    const xml = buildNetworkXml(networkSpec());
    const network = at(xml, 'network');
    expect(network['name']).toBe('lan');
    expect(network['forward']).toEqual({ '@mode': 'nat' });
    expect(network['bridge']).toEqual({ '@name': 'nova-lan', '@stp': 'on', '@delay': '0' });
    expect(network['ip']).toEqual({
      '@address': '10.77.0.1',
      '@prefix': '24',
      dhcp: { range: { '@start': '10.77.0.100', '@end': '10.77.0.199' } },
    });
    expect(network['dns']).toBeUndefined();
    expect(at(xml, 'network', 'metadata', 'nova:network')['@xmlns:nova']).toBe(NOVA_LIBVIRT_XMLNS);
    expect(novaMark(network['metadata'])).toEqual({ project: 'lab', name: 'lan', specHash: 'ab'.repeat(32) });
  });

  it('turns libvirt’s DNS off when the spec says so', () => {
    expect(at(buildNetworkXml(networkSpec({ dns: false })), 'network', 'dns')).toEqual({ '@enable': 'no' });
  });

  it('writes an isolated network without forwarding, and without DHCP when none is asked for', () => {
    const xml = buildNetworkXml(
      networkSpec({ mode: 'isolated', ipv4: { address: '10.78.0.1', prefix: 16 } }),
    );
    const network = at(xml, 'network');
    expect(network['forward']).toBeUndefined();
    expect(network['bridge']).toEqual({ '@name': 'nova-lan', '@stp': 'on', '@delay': '0' });
    expect(network['ip']).toEqual({ '@address': '10.78.0.1', '@prefix': '16' });
  });

  it('joins an existing host bridge without an address or DNS of its own', () => {
    const xml = buildNetworkXml(networkSpec({ mode: 'bridge', bridge: 'br0', ipv4: undefined, dns: false }));
    const network = at(xml, 'network');
    expect(network['forward']).toEqual({ '@mode': 'bridge' });
    expect(network['bridge']).toEqual({ '@name': 'br0' });
    expect(network['ip']).toBeUndefined();
    expect(network['dns']).toBeUndefined();
    expect(novaMark(network['metadata'])?.project).toBe('lab');
  });

  it('refuses an IPv4 subnet on a bridged network', () => {
    // libvirt: "Unsupported <ip> element in network … with forward mode='bridge'".
    expect(
      invalidInput(() => buildNetworkXml(networkSpec({ mode: 'bridge', bridge: 'br0' }))).message,
    ).toMatch(/br0/);
  });
});

describe('buildPoolXml and buildVolumeXml', () => {
  it('writes a directory pool on the spec’s path', () => {
    const xml = buildPoolXml(
      PoolSpec.parse({ name: 'nova', ownership, path: '/var/lib/nova/images', shared: false }),
    );
    expect(at(xml, 'pool')).toEqual({
      '@type': 'dir',
      name: 'nova',
      target: { path: '/var/lib/nova/images' },
    });
    expect(parsePoolXml(xml)).toEqual({ type: 'dir', path: '/var/lib/nova/images' });
  });

  it('writes a volume with its capacity in bytes and its format', () => {
    const spec = VolumeSpec.parse({
      pool: 'nova',
      name: 'web.qcow2',
      format: 'qcow2',
      capacityBytes: 20 * 1024 ** 3,
    });
    const xml = buildVolumeXml(spec);
    expect(at(xml, 'volume')).toEqual({
      name: 'web.qcow2',
      capacity: { '@unit': 'bytes', '#text': String(20 * 1024 ** 3) },
      target: { format: { '@type': 'qcow2' } },
    });
    expect(parseVolumeFormat(buildVolumeXml({ ...spec, format: 'raw' }))).toBe('raw');
  });
});
