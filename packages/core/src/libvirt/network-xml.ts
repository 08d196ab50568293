import { XMLParser } from 'fast-xml-parser';

import { NOVA_LIBVIRT_XMLNS } from './domain-xml.js';

/** What Nova reads of a libvirt network's XML description (`virsh net-dumpxml`). */
export interface NetworkXmlFacts {
  name: string;
  uuid: string;
  /** nat, route, bridge, open…; undefined for an isolated network. */
  forwardMode: string | undefined;
  bridge: string | undefined;
  /** IPv4 address of the host on the network, with its prefix length. */
  address: string | undefined;
  prefix: number | undefined;
  dhcpStart: string | undefined;
  dhcpEnd: string | undefined;
  /** Nova's ownership mark, if Nova created it. */
  nova: NovaMark | undefined;
}

/** What Nova writes into the <metadata> of what it creates: who owns it and what it applied. */
export interface NovaMark {
  project: string | undefined;
  name: string | undefined;
  /** Hash of the spec Nova last applied: tells a change of the file from drift. */
  specHash: string | undefined;
}

export function novaMark(metadata: unknown): NovaMark | undefined {
  const element = novaMetadataElement(metadata);
  if (element === undefined) return undefined;
  return {
    project: attr(element, 'project'),
    name: attr(element, 'name'),
    specHash: attr(element, 'spec-hash'),
  };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'ip' || name === 'range',
});

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const attr = (node: unknown, name: string): string | undefined =>
  isNode(node) && typeof node[`@${name}`] === 'string' ? (node[`@${name}`] as string) : undefined;
const text = (node: unknown): string | undefined =>
  typeof node === 'string'
    ? node.trim()
    : isNode(node) && typeof node['#text'] === 'string'
      ? node['#text'].trim()
      : undefined;

export function netmaskToPrefix(netmask: string): number {
  return netmask
    .split('.')
    .reduce((bits, octet) => bits + (Number(octet) >>> 0).toString(2).replaceAll('0', '').length, 0);
}

/** Nova's element in a libvirt <metadata>, whatever prefix it was written with. */
export function novaMetadataElement(metadata: unknown): Node | undefined {
  if (!isNode(metadata)) return undefined;
  for (const [key, value] of Object.entries(metadata)) {
    const colon = key.indexOf(':');
    const xmlns = colon === -1 ? '@xmlns' : `@xmlns:${key.slice(0, colon)}`;
    const candidates = Array.isArray(value) ? value : [value];
    for (const candidate of candidates)
      if (isNode(candidate) && candidate[xmlns] === NOVA_LIBVIRT_XMLNS) return candidate;
  }
  return undefined;
}

export function parseNetworkXml(xml: string): NetworkXmlFacts {
  const document: unknown = parser.parse(xml);
  const network = isNode(document) ? document['network'] : undefined;
  if (!isNode(network)) throw new Error('not a libvirt network description: no <network> element');
  const name = text(network['name']);
  const uuid = text(network['uuid']);
  if (name === undefined || uuid === undefined) throw new Error('network description lacks <name> or <uuid>');
  const ips = Array.isArray(network['ip']) ? (network['ip'] as unknown[]) : [];
  const ipv4 = ips.find((ip) => attr(ip, 'family') === undefined || attr(ip, 'family') === 'ipv4');
  const netmask = attr(ipv4, 'netmask');
  const prefixAttr = attr(ipv4, 'prefix');
  const dhcp = isNode(ipv4) ? ipv4['dhcp'] : undefined;
  const range = isNode(dhcp) && Array.isArray(dhcp['range']) ? (dhcp['range'] as unknown[])[0] : undefined;
  return {
    name,
    uuid,
    forwardMode:
      attr(network['forward'], 'mode') ??
      (isNode(network['forward']) || network['forward'] === '' ? 'nat' : undefined),
    bridge: attr(network['bridge'], 'name'),
    address: attr(ipv4, 'address'),
    prefix:
      prefixAttr !== undefined
        ? Number(prefixAttr)
        : netmask !== undefined
          ? netmaskToPrefix(netmask)
          : undefined,
    dhcpStart: attr(range, 'start'),
    dhcpEnd: attr(range, 'end'),
    nova: novaMark(network['metadata']),
  };
}
