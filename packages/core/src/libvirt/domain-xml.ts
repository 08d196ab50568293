import { XMLParser } from 'fast-xml-parser';

import type { InstanceState } from '../model/instance.js';

/** The XML namespace of Nova's element in a domain's <metadata>; its presence marks a domain Nova owns. */
export const NOVA_LIBVIRT_XMLNS = 'https://nova.dev/xmlns/libvirt/1';

export interface DomainXmlFacts {
  name: string;
  uuid: string;
  memoryBytes: number;
  vcpus: number;
  ownedByNova: boolean;
  /** What each network interface is plugged into: a libvirt network's name, or a host bridge's. */
  networks: string[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
});

/** Multipliers of libvirt's memory units (https://libvirt.org/formatdomain.html#memory-allocation). */
const MEMORY_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  bytes: 1,
  KB: 1000,
  k: 1024,
  KiB: 1024,
  MB: 1000 ** 2,
  M: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1000 ** 3,
  G: 1024 ** 3,
  GiB: 1024 ** 3,
  TB: 1000 ** 4,
  T: 1024 ** 4,
  TiB: 1024 ** 4,
};

type XmlNode = Record<string, unknown>;

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'].trim();
  return undefined;
}

export function memoryToBytes(amount: string, unit: string | undefined): number {
  const multiplier = MEMORY_UNITS[unit ?? 'KiB'];
  const value = Number(amount);
  if (multiplier === undefined || !Number.isFinite(value) || value < 0) {
    throw new Error(`invalid memory amount "${amount}" with unit "${unit ?? 'KiB'}"`);
  }
  return Math.round(value * multiplier);
}

/** Whether an element (given with its attributes) declares Nova's namespace for its own prefix. */
function isNovaElement(name: string, element: unknown): boolean {
  if (!isNode(element)) return false;
  const colon = name.indexOf(':');
  const xmlnsAttribute = colon === -1 ? '@xmlns' : `@xmlns:${name.slice(0, colon)}`;
  return element[xmlnsAttribute] === NOVA_LIBVIRT_XMLNS;
}

/** Reads what Nova needs from a domain's XML description (`virsh dumpxml`). */
export function parseDomainXml(xml: string): DomainXmlFacts {
  const document: unknown = parser.parse(xml);
  const domain = isNode(document) ? document['domain'] : undefined;
  if (!isNode(domain)) throw new Error('not a libvirt domain description: no <domain> element');
  const name = text(domain['name']);
  const uuid = text(domain['uuid']);
  if (name === undefined || uuid === undefined) throw new Error('domain description lacks <name> or <uuid>');

  const memory = domain['memory'];
  const memoryText = text(memory);
  const memoryUnit = isNode(memory) && typeof memory['@unit'] === 'string' ? memory['@unit'] : undefined;
  const memoryBytes = memoryText === undefined ? 0 : memoryToBytes(memoryText, memoryUnit);

  const vcpuText = text(domain['vcpu']);
  const vcpus = vcpuText === undefined ? 0 : Number.parseInt(vcpuText, 10);

  const metadata = domain['metadata'];
  const ownedByNova =
    isNode(metadata) &&
    Object.entries(metadata).some(([key, value]) =>
      Array.isArray(value) ? value.some((item) => isNovaElement(key, item)) : isNovaElement(key, value),
    );

  const devices = domain['devices'];
  const interfaces = isNode(devices) ? devices['interface'] : undefined;
  const networks = new Set<string>();
  for (const nic of Array.isArray(interfaces) ? interfaces : [interfaces]) {
    const source = isNode(nic) ? nic['source'] : undefined;
    const plugged = isNode(source) ? (source['@network'] ?? source['@bridge']) : undefined;
    if (typeof plugged === 'string' && plugged !== '') networks.add(plugged);
  }

  return {
    name,
    uuid,
    memoryBytes,
    vcpus: Number.isFinite(vcpus) ? vcpus : 0,
    ownedByNova,
    networks: [...networks],
  };
}

/** virDomainState (libvirt-domain.h) to Nova's instance state. */
export function domainStateFromLibvirt(state: number): InstanceState {
  switch (state) {
    case 1: // VIR_DOMAIN_RUNNING
    case 2: // VIR_DOMAIN_BLOCKED: running, waiting on a resource
      return 'running';
    case 3:
      return 'paused';
    case 4: // VIR_DOMAIN_SHUTDOWN: being shut down
      return 'stopping';
    case 5:
      return 'stopped';
    case 6:
      return 'crashed';
    case 7: // VIR_DOMAIN_PMSUSPENDED
      return 'suspended';
    default:
      return 'unknown';
  }
}
