// Libvirt network XML from a validated spec (https://libvirt.org/formatnetwork.html). Pure: no I/O.
import { NovaError } from '../contract/errors.js';
import type { NetworkSpec } from '../contract/specs.js';
import { toLibvirtXml, type XmlElement } from './domain-builder.js';
import { novaMetadata } from './nova-metadata.js';

function ipElement(ipv4: NonNullable<NetworkSpec['ipv4']>): XmlElement {
  return {
    '@address': ipv4.address,
    '@prefix': String(ipv4.prefix),
    dhcp:
      ipv4.dhcp === undefined ? undefined : { range: { '@start': ipv4.dhcp.start, '@end': ipv4.dhcp.end } },
  };
}

/** The libvirt network XML for a spec, with Nova's ownership mark in its <metadata>. */
export function buildNetworkXml(spec: NetworkSpec): string {
  const metadata = novaMetadata('network', spec.ownership);
  if (spec.mode === 'bridge') {
    // The host bridge's own network gives the addresses; libvirt runs no dnsmasq here, so no <ip> and no <dns>.
    if (spec.ipv4 !== undefined) {
      throw new NovaError(
        'invalid-input',
        `network "${spec.name}" joins the host bridge ${spec.bridge} and cannot have its own IPv4 subnet`,
        'Leave out the subnet and DHCP range of a bridged network.',
      );
    }
    return toLibvirtXml({
      network: {
        name: spec.name,
        metadata,
        forward: { '@mode': 'bridge' },
        bridge: { '@name': spec.bridge },
      },
    });
  }
  return toLibvirtXml({
    network: {
      name: spec.name,
      metadata,
      forward: spec.mode === 'nat' || spec.mode === 'route' ? { '@mode': spec.mode } : undefined,
      bridge: { '@name': spec.bridge, '@stp': 'on', '@delay': '0' },
      dns: spec.dns ? undefined : { '@enable': 'no' },
      ip: spec.ipv4 === undefined ? undefined : ipElement(spec.ipv4),
    },
  });
}
