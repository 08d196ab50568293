// Reading a libvirt snapshot's XML (virDomainSnapshotGetXMLDesc) into what Nova shows of it.
import { XMLParser } from 'fast-xml-parser';

import type { SnapshotSummary } from '../contract/helper-types.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
});

/** The snapshot described by `xml`; `current` says whether it is the domain's current snapshot. */
export function parseSnapshotXml(xml: string, current: boolean): SnapshotSummary {
  const doc = parser.parse(xml) as { domainsnapshot?: Record<string, unknown> };
  const snapshot = doc.domainsnapshot ?? {};
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const creation = Number(text(snapshot['creationTime']) ?? '0');
  const parent = snapshot['parent'] as { name?: unknown } | undefined;
  const description = text(snapshot['description']);
  const parentName = text(parent?.name);
  return {
    name: text(snapshot['name']) ?? '',
    ...(description === undefined ? {} : { description }),
    createdAt: new Date(creation * 1000).toISOString(),
    state: text(snapshot['state']) ?? 'unknown',
    current,
    ...(parentName === undefined ? {} : { parent: parentName }),
  };
}
