// What a defined domain is, read back from its XML in the terms of a DomainSpec, and how it differs
// from what a NovaFile asks for. Pure: the plan uses it to tell updates and drift from no change.
import { XMLParser } from 'fast-xml-parser';

import type { DomainDiskSpec, DomainNicSpec, DomainSpec } from '../contract/specs.js';
import { memoryToBytes } from './domain-xml.js';
import { type NovaMark, novaMark } from './network-xml.js';

export interface DomainConfig {
  name: string;
  uuid: string;
  type: string;
  vcpus: number;
  memoryBytes: number;
  firmware: { type: 'bios' | 'uefi'; secureBoot: boolean };
  kernel: { path: string; initrd?: string | undefined; cmdline?: string | undefined } | undefined;
  disks: DomainDiskSpec[];
  nics: DomainNicSpec[];
  tpm: { version: string; backend: string } | undefined;
  hostdevs: string[];
  lookingGlassMiB: number | undefined;
  nova: NovaMark | undefined;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['disk', 'interface', 'hostdev', 'feature', 'shmem', 'tpm'].includes(name),
});

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const attr = (node: unknown, name: string): string | undefined => {
  if (!isNode(node)) return undefined;
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
};
const text = (node: unknown): string | undefined => {
  if (typeof node === 'string') return node.trim();
  if (isNode(node) && typeof node['#text'] === 'string') return node['#text'].trim();
  return undefined;
};
const list = (node: unknown): unknown[] => (Array.isArray(node) ? node : node === undefined ? [] : [node]);

function hex(value: string | undefined, width: number): string {
  return Number.parseInt(value ?? '0', 16)
    .toString(16)
    .padStart(width, '0');
}

export function parseDomainConfig(xml: string): DomainConfig {
  const document: unknown = parser.parse(xml);
  const domain = isNode(document) ? document['domain'] : undefined;
  if (!isNode(domain)) throw new Error('not a libvirt domain description: no <domain> element');
  const os = domain['os'];
  const loader = isNode(os) ? os['loader'] : undefined;
  const firmwareFeatures = isNode(os) && isNode(os['firmware']) ? list(os['firmware']['feature']) : [];
  const uefi = attr(os, 'firmware') === 'efi' || loader !== undefined;
  const secureBoot =
    attr(loader, 'secure') === 'yes' ||
    firmwareFeatures.some(
      (feature) => attr(feature, 'name') === 'secure-boot' && attr(feature, 'enabled') === 'yes',
    );
  const kernelPath = isNode(os) ? text(os['kernel']) : undefined;
  const initrd = isNode(os) ? text(os['initrd']) : undefined;
  const cmdline = isNode(os) ? text(os['cmdline']) : undefined;
  const devices = isNode(domain['devices']) ? domain['devices'] : {};

  const disks = list(devices['disk']).flatMap((disk): DomainDiskSpec[] => {
    const source = isNode(disk) ? disk['source'] : undefined;
    const target = isNode(disk) ? disk['target'] : undefined;
    const driver = isNode(disk) ? disk['driver'] : undefined;
    const device = attr(disk, 'device') === 'cdrom' ? 'cdrom' : 'disk';
    const pool = attr(source, 'pool');
    const volume = attr(source, 'volume');
    const file = attr(source, 'file');
    const src =
      pool !== undefined && volume !== undefined
        ? ({ type: 'volume', pool, volume } as const)
        : file !== undefined
          ? ({ type: 'file', path: file } as const)
          : undefined;
    if (src === undefined) return [];
    const bus = attr(target, 'bus');
    return [
      {
        source: src,
        format: attr(driver, 'type') === 'raw' ? 'raw' : 'qcow2',
        bus: bus === 'sata' || bus === 'scsi' ? bus : 'virtio',
        target: attr(target, 'dev') ?? '',
        readonly: isNode(disk) && disk['readonly'] !== undefined,
        device,
      },
    ];
  });

  const nics = list(devices['interface']).flatMap((nic): DomainNicSpec[] => {
    const source = isNode(nic) ? nic['source'] : undefined;
    const network = attr(source, 'network');
    const bridge = attr(source, 'bridge');
    const src =
      attr(nic, 'type') === 'network' && network !== undefined
        ? ({ type: 'network', network } as const)
        : bridge !== undefined
          ? ({ type: 'bridge', bridge } as const)
          : undefined;
    if (src === undefined) return [];
    const model = attr(isNode(nic) ? nic['model'] : undefined, 'type');
    const mac = attr(isNode(nic) ? nic['mac'] : undefined, 'address');
    return [
      {
        source: src,
        model: model === 'e1000e' || model === 'rtl8139' ? model : 'virtio',
        ...(mac === undefined ? {} : { mac: mac.toLowerCase() }),
      },
    ];
  });

  const tpmNode = list(devices['tpm'])[0];
  const backend = isNode(tpmNode) ? tpmNode['backend'] : undefined;
  const hostdevs = list(devices['hostdev']).flatMap((hostdev) => {
    const address = isNode(hostdev) && isNode(hostdev['source']) ? hostdev['source']['address'] : undefined;
    if (address === undefined) return [];
    return [
      `${hex(attr(address, 'domain'), 4)}:${hex(attr(address, 'bus'), 2)}:${hex(attr(address, 'slot'), 2)}.${hex(attr(address, 'function'), 1)}`,
    ];
  });
  const shmem = list(devices['shmem']).find((node) => attr(node, 'name') === 'looking-glass');
  const shmemSize = isNode(shmem) ? shmem['size'] : undefined;
  const memory = domain['memory'];

  return {
    name: text(domain['name']) ?? '',
    uuid: text(domain['uuid']) ?? '',
    type: attr(domain, 'type') ?? 'qemu',
    vcpus: Number.parseInt(text(domain['vcpu']) ?? '0', 10),
    memoryBytes: memoryToBytes(text(memory) ?? '0', attr(memory, 'unit')),
    firmware: { type: uefi ? 'uefi' : 'bios', secureBoot },
    kernel:
      kernelPath === undefined
        ? undefined
        : {
            path: kernelPath,
            ...(initrd === undefined ? {} : { initrd }),
            ...(cmdline === undefined ? {} : { cmdline }),
          },
    disks,
    nics,
    // libvirt drops the version of a passthrough TPM; the model says which it is.
    tpm: isNode(tpmNode)
      ? {
          version: attr(backend, 'version') ?? (attr(tpmNode, 'model') === 'tpm-tis' ? '1.2' : '2.0'),
          backend: attr(backend, 'type') ?? '',
        }
      : undefined,
    hostdevs,
    lookingGlassMiB:
      shmemSize === undefined
        ? undefined
        : Math.round(memoryToBytes(text(shmemSize) ?? '0', attr(shmemSize, 'unit') ?? 'M') / 1024 ** 2),
    nova: novaMark(domain['metadata']),
  };
}

export interface Difference {
  field: string;
  want: string;
  have: string;
}

const describeDisk = (disk: DomainDiskSpec) =>
  `${disk.target}=${disk.source.type === 'volume' ? `${disk.source.pool}/${disk.source.volume}` : disk.source.path} (${disk.format}, ${disk.bus}${disk.readonly ? ', ro' : ''})`;
const describeNic = (nic: DomainNicSpec) =>
  `${nic.source.type === 'network' ? nic.source.network : `bridge ${nic.source.bridge}`} (${nic.model})`;
const formatBytes = (bytes: number) =>
  bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3}Gi` : `${Math.round(bytes / 1024 ** 2)}Mi`;

/** What a domain would have to change to match its spec, in the user's words. */
export function domainDifferences(
  spec: DomainSpec,
  actual: Omit<DomainConfig, 'name' | 'uuid' | 'nova'>,
): Difference[] {
  const differences: Difference[] = [];
  const compare = (field: string, want: string, have: string) => {
    if (want !== have) differences.push({ field, want, have });
  };
  compare('accelerator', spec.type === 'kvm' ? 'kvm' : 'tcg', actual.type === 'kvm' ? 'kvm' : 'tcg');
  compare('cpu', String(spec.vcpus), String(actual.vcpus));
  // libvirt keeps memory in KiB.
  compare('memory', formatBytes(Math.ceil(spec.memoryBytes / 1024) * 1024), formatBytes(actual.memoryBytes));
  compare('firmware', spec.firmware.type, actual.firmware.type);
  compare('secure_boot', String(spec.firmware.secureBoot), String(actual.firmware.secureBoot));
  compare('boot.kernel', spec.kernel?.path ?? '(none)', actual.kernel?.path ?? '(none)');
  compare('boot.initrd', spec.kernel?.initrd ?? '(none)', actual.kernel?.initrd ?? '(none)');
  compare('boot.cmdline', spec.kernel?.cmdline ?? '', actual.kernel?.cmdline ?? '');
  compare(
    'disks',
    spec.disks.map(describeDisk).join(', ') || '(none)',
    actual.disks.map(describeDisk).join(', ') || '(none)',
  );
  compare(
    'networks',
    spec.nics.map(describeNic).join(', ') || '(none)',
    actual.nics.map(describeNic).join(', ') || '(none)',
  );
  spec.nics.forEach((nic, index) => {
    if (nic.mac !== undefined) compare(`nic ${index + 1} mac`, nic.mac, actual.nics[index]?.mac ?? '(none)');
  });
  compare(
    'tpm',
    spec.tpm === undefined ? 'off' : `${spec.tpm.version} ${spec.tpm.backend}`,
    actual.tpm === undefined ? 'off' : `${actual.tpm.version} ${actual.tpm.backend}`,
  );
  compare(
    'gpu',
    spec.hostdevs.map((h) => h.address).join(', ') || '(none)',
    actual.hostdevs.join(', ') || '(none)',
  );
  compare('looking_glass', String(spec.lookingGlassMiB ?? 'off'), String(actual.lookingGlassMiB ?? 'off'));
  return differences;
}
