import { XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
});

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (node: unknown): string | undefined =>
  typeof node === 'string'
    ? node.trim()
    : isNode(node) && typeof node['#text'] === 'string'
      ? node['#text'].trim()
      : undefined;

/** A storage pool's type and target folder (`virsh pool-dumpxml`). */
export function parsePoolXml(xml: string): { type: string; path: string | undefined } {
  const document: unknown = parser.parse(xml);
  const pool = isNode(document) ? document['pool'] : undefined;
  if (!isNode(pool)) throw new Error('not a libvirt storage pool description');
  const target = pool['target'];
  return {
    type: typeof pool['@type'] === 'string' ? pool['@type'] : '',
    path: isNode(target) ? text(target['path']) : undefined,
  };
}

/** A volume's format (`virsh vol-dumpxml`). */
export function parseVolumeFormat(xml: string): string {
  const document: unknown = parser.parse(xml);
  const volume = isNode(document) ? document['volume'] : undefined;
  const target = isNode(volume) ? volume['target'] : undefined;
  const format = isNode(target) ? target['format'] : undefined;
  return isNode(format) && typeof format['@type'] === 'string' ? format['@type'] : 'raw';
}
