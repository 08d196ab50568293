import type { Ownership } from '../contract/specs.js';
import { NOVA_LIBVIRT_XMLNS } from './domain-xml.js';

/** The prefix Nova writes its namespace with; readers match the namespace, whatever the prefix. */
const NOVA_XML_PREFIX = 'nova';

/** What Nova marks: a domain (`<nova:instance>`) or a network (`<nova:network>`). */
export type NovaMarkedKind = 'instance' | 'network';

/**
 * The content of a `<metadata>` element that marks a resource as Nova's, in fast-xml-builder's
 * shape ('@' for attributes). The one place that writes the mark that `novaMark()` reads back.
 */
export function novaMetadata(
  kind: NovaMarkedKind,
  ownership: Ownership,
): Record<string, Record<string, string>> {
  return {
    [`${NOVA_XML_PREFIX}:${kind}`]: {
      [`@xmlns:${NOVA_XML_PREFIX}`]: NOVA_LIBVIRT_XMLNS,
      '@project': ownership.project,
      '@name': ownership.name,
      '@spec-hash': ownership.specHash,
    },
  };
}
