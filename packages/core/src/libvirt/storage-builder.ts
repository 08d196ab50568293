// Libvirt storage pool and volume XML from validated specs (https://libvirt.org/formatstorage.html). Pure.
// Pools have no <metadata> in libvirt, so their owner is recorded by the helper, not written here.
import type { PoolSpec, VolumeSpec } from '../contract/specs.js';
import { toLibvirtXml } from './domain-builder.js';

/** A directory pool on spec.path. */
export function buildPoolXml(spec: PoolSpec): string {
  return toLibvirtXml({ pool: { '@type': 'dir', name: spec.name, target: { path: spec.path } } });
}

/** A volume of spec.capacityBytes in its pool's folder; qcow2 grows on demand. */
export function buildVolumeXml(spec: VolumeSpec): string {
  return toLibvirtXml({
    volume: {
      name: spec.name,
      capacity: { '@unit': 'bytes', '#text': String(spec.capacityBytes) },
      target: { format: { '@type': spec.format } },
    },
  });
}
