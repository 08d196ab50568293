// Libvirt XML from validated specs (https://libvirt.org/formatdomain.html). Pure: no I/O. Every value
// goes through fast-xml-builder, which escapes it; nothing is concatenated into markup by hand.
import XMLBuilder from 'fast-xml-builder';

import { NovaError } from '../contract/errors.js';
import type { DomainDiskSpec, DomainNicSpec, DomainSpec } from '../contract/specs.js';
import { novaMetadata } from './nova-metadata.js';

/** An element in fast-xml-builder's shape: '@name' keys are attributes, '#text' is text, undefined is left out. */
export interface XmlElement {
  readonly [key: string]: string | XmlElement | readonly XmlElement[] | undefined;
}

// XML 1.0 cannot carry these at all; a lone surrogate (matched alone under /u) would be written as U+FFFD.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/u;
// A parser turns CR into LF in text, and tab, CR and LF into spaces in attributes: they would not come back.
const CHANGED_IN_TEXT = /\r/;
const CHANGED_IN_ATTRIBUTE = /[\t\n\r]/;

function intact(kind: 'text' | 'attribute', name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (NOT_XML.test(value) || (kind === 'text' ? CHANGED_IN_TEXT : CHANGED_IN_ATTRIBUTE).test(value)) {
    throw new NovaError(
      'invalid-input',
      `${JSON.stringify(value)} cannot be written to libvirt XML (${name}): it contains a control character that XML does not keep`,
      'Remove control characters (and line breaks or tabs in names and paths) from the value.',
    );
  }
  return value;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  // Otherwise an attribute whose value is "true" would be written without a value.
  suppressBooleanAttributes: false,
  processEntities: true,
  tagValueProcessor: (name, value) => intact('text', name, value),
  attributeValueProcessor: (name, value) => intact('attribute', name, value),
});

/** Serializes one document element ({ domain: … }) with the settings every Nova builder shares. */
export function toLibvirtXml(document: XmlElement): string {
  return builder.build(document);
}

const diskElement = (disk: DomainDiskSpec): XmlElement => ({
  '@type': disk.source.type,
  '@device': disk.device,
  driver: { '@name': 'qemu', '@type': disk.format },
  source:
    disk.source.type === 'volume'
      ? { '@pool': disk.source.pool, '@volume': disk.source.volume }
      : { '@file': disk.source.path },
  target: { '@dev': disk.target, '@bus': disk.bus },
  readonly: disk.readonly ? {} : undefined,
});

const nicElement = (nic: DomainNicSpec): XmlElement => ({
  '@type': nic.source.type,
  mac: nic.mac === undefined ? undefined : { '@address': nic.mac },
  source:
    nic.source.type === 'network' ? { '@network': nic.source.network } : { '@bridge': nic.source.bridge },
  model: { '@type': nic.model },
});

/** 0000:01:00.0 → the attributes of libvirt's PCI <address>. */
function pciAddress(address: string): XmlElement {
  const match = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(address);
  if (match === null)
    throw new NovaError('invalid-input', `"${address}" is not a PCI address like 0000:01:00.0`);
  const [, domain = '', bus = '', slot = '', fn = ''] = match;
  return { '@domain': `0x${domain}`, '@bus': `0x${bus}`, '@slot': `0x${slot}`, '@function': `0x${fn}` };
}

function osElement(spec: DomainSpec): XmlElement {
  const { firmware, kernel } = spec;
  const uefi = firmware.type === 'uefi';
  const autoFirmware = uefi && firmware.loader === undefined;
  const yesNo = (on: boolean) => (on ? 'yes' : 'no');
  return {
    '@firmware': autoFirmware ? 'efi' : undefined,
    type: { '@arch': 'x86_64', '@machine': uefi ? 'q35' : 'pc', '#text': 'hvm' },
    firmware: autoFirmware
      ? {
          feature: [
            { '@enabled': yesNo(firmware.secureBoot), '@name': 'secure-boot' },
            // Secure boot without Microsoft's keys enrolled would refuse every signed OS.
            { '@enabled': yesNo(firmware.secureBoot), '@name': 'enrolled-keys' },
          ],
        }
      : undefined,
    loader:
      uefi && firmware.loader !== undefined
        ? {
            '@readonly': 'yes',
            '@type': 'pflash',
            '@secure': yesNo(firmware.secureBoot),
            '#text': firmware.loader,
          }
        : undefined,
    nvram: firmware.nvramTemplate === undefined ? undefined : { '@template': firmware.nvramTemplate },
    kernel: kernel?.path,
    initrd: kernel?.initrd,
    cmdline: kernel?.cmdline,
    boot:
      kernel === undefined
        ? [
            { '@dev': 'hd' },
            ...(spec.disks.some((disk) => disk.device === 'cdrom') ? [{ '@dev': 'cdrom' }] : []),
          ]
        : undefined,
  };
}

/** Combinations the spec's schema lets through but that no libvirt domain can be. */
function checkDomainSpec(spec: DomainSpec): void {
  const { firmware } = spec;
  if (
    firmware.type === 'bios' &&
    (firmware.secureBoot || firmware.loader !== undefined || firmware.nvramTemplate !== undefined)
  ) {
    throw new NovaError(
      'invalid-input',
      `VM "${spec.name}" asks for secure boot or an OVMF loader with BIOS firmware`,
      'Secure boot, ovmf_code and ovmf_vars need boot_type = "uefi".',
    );
  }
  if (firmware.nvramTemplate !== undefined && firmware.loader === undefined) {
    throw new NovaError(
      'invalid-input',
      `VM "${spec.name}" has an NVRAM template but no UEFI loader`,
      'Give ovmf_code together with ovmf_vars, or neither to let libvirt pick the firmware.',
    );
  }
  for (const disk of spec.disks) {
    if (disk.device === 'cdrom' && disk.bus === 'virtio') {
      throw new NovaError(
        'invalid-input',
        `VM "${spec.name}": CD-ROM ${disk.target} cannot be on the virtio bus`,
        'Use bus sata or scsi for a CD-ROM.',
      );
    }
  }
}

/** The libvirt domain XML for a spec, with Nova's ownership mark in its <metadata>. */
export function buildDomainXml(spec: DomainSpec): string {
  checkDomainSpec(spec);
  // libvirt keeps memory in KiB; rounding up never gives a guest less than asked.
  const memoryKiB = String(Math.ceil(spec.memoryBytes / 1024));
  const tpm = spec.tpm;
  return toLibvirtXml({
    domain: {
      '@type': spec.type,
      name: spec.name,
      uuid: spec.uuid,
      metadata: novaMetadata('instance', spec.ownership),
      memory: { '@unit': 'KiB', '#text': memoryKiB },
      currentMemory: { '@unit': 'KiB', '#text': memoryKiB },
      vcpu: { '@placement': 'static', '#text': String(spec.vcpus) },
      os: osElement(spec),
      features: { acpi: {}, apic: {}, smm: spec.firmware.secureBoot ? { '@state': 'on' } : undefined },
      cpu: spec.type === 'kvm' ? { '@mode': 'host-passthrough' } : undefined,
      clock: { '@offset': 'utc' },
      on_poweroff: 'destroy',
      on_reboot: 'restart',
      on_crash: 'destroy',
      devices: {
        disk: spec.disks.map(diskElement),
        interface: spec.nics.map(nicElement),
        serial: { '@type': 'pty', target: { '@port': '0' } },
        console: { '@type': 'pty', target: { '@type': 'serial', '@port': '0' } },
        tpm:
          tpm === undefined
            ? undefined
            : {
                '@model': tpm.version === '2.0' ? 'tpm-crb' : 'tpm-tis',
                backend:
                  tpm.backend === 'emulator'
                    ? { '@type': 'emulator', '@version': tpm.version }
                    : { '@type': 'passthrough', device: { '@path': '/dev/tpm0' } },
              },
        hostdev: spec.hostdevs.map((hostdev) => ({
          '@mode': 'subsystem',
          '@type': 'pci',
          '@managed': 'yes',
          source: { address: pciAddress(hostdev.address) },
          rom: hostdev.romFile === undefined ? undefined : { '@file': hostdev.romFile },
        })),
        shmem:
          spec.lookingGlassMiB === undefined
            ? undefined
            : {
                '@name': 'looking-glass',
                model: { '@type': 'ivshmem-plain' },
                size: { '@unit': 'M', '#text': String(spec.lookingGlassMiB) },
              },
        graphics: spec.graphics
          ? {
              '@type': 'vnc',
              '@port': '-1',
              '@autoport': 'yes',
              '@listen': '127.0.0.1',
              listen: { '@type': 'address', '@address': '127.0.0.1' },
            }
          : undefined,
        video: spec.graphics ? { model: { '@type': 'virtio' } } : undefined,
        memballoon: { '@model': 'virtio' },
        rng: { '@model': 'virtio', backend: { '@model': 'random', '#text': '/dev/urandom' } },
      },
    },
  });
}

/** A network interface on its own, for attaching to a running domain. */
export function buildNicXml(nic: DomainNicSpec): string {
  return toLibvirtXml({ interface: nicElement(nic) });
}

/** A snapshot request: libvirt takes the disks (and the memory of a running domain) itself. */
export function buildSnapshotXml(snapshot: { name: string; description?: string | undefined }): string {
  return toLibvirtXml({ domainsnapshot: { name: snapshot.name, description: snapshot.description } });
}
