// A domain's XML made into its clone's: new name, no UUID, no MAC addresses (libvirt picks new ones),
// its volumes swapped for their copies. Parsed and rebuilt by an XML library, order kept. Pure.
import XMLBuilder from 'fast-xml-builder';
import { XMLParser } from 'fast-xml-parser';

import { NOVA_LIBVIRT_XMLNS } from './domain-xml.js';

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  preserveOrder: true,
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@');
}

function children(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node);
  const value = tag === undefined ? undefined : node[tag];
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
}

export interface CloneChanges {
  name: string;
  /** "pool/volume" of the original → volume name of its copy in the same pool. */
  volumes: ReadonlyMap<string, string>;
}

export function cloneDomainXml(xml: string, changes: CloneChanges): string {
  const document = parser.parse(xml) as OrderedNode[];
  const domain = document.find((node) => tagOf(node) === 'domain');
  if (domain === undefined) throw new Error('not a libvirt domain description');
  const kept = children(domain).filter((node) => !['uuid'].includes(tagOf(node) ?? ''));
  for (const node of kept) {
    const tag = tagOf(node);
    if (tag === 'name') node['name'] = [{ '#text': changes.name }];
    if (tag === 'metadata') {
      for (const element of children(node)) {
        const attributes = element[':@'];
        const prefix = tagOf(element)?.split(':')[0];
        if (
          attributes !== undefined &&
          prefix !== undefined &&
          attributes[`@xmlns:${prefix}`] === NOVA_LIBVIRT_XMLNS
        )
          attributes['@name'] = changes.name;
      }
    }
    if (tag === 'os') node['os'] = children(node).filter((child) => tagOf(child) !== 'nvram');
    if (tag === 'devices') {
      for (const device of children(node)) {
        const deviceTag = tagOf(device);
        if (deviceTag === 'interface')
          device['interface'] = children(device).filter((child) => tagOf(child) !== 'mac');
        if (deviceTag === 'disk') {
          for (const child of children(device)) {
            const attributes = child[':@'];
            if (tagOf(child) !== 'source' || attributes === undefined) continue;
            const pool = attributes['@pool'];
            const volume = attributes['@volume'];
            const copy =
              pool === undefined || volume === undefined
                ? undefined
                : changes.volumes.get(`${pool}/${volume}`);
            if (copy !== undefined) attributes['@volume'] = copy;
          }
        }
      }
    }
  }
  domain['domain'] = kept;
  return builder.build(document.filter((node) => tagOf(node) === 'domain'));
}
