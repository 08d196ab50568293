import { describe, expect, it } from 'vitest';

import { buildSnapshotXml } from '../src/libvirt/domain-builder.js';
import { parseSnapshotXml } from '../src/libvirt/snapshot-xml.js';

// Trimmed from what libvirt 9 answers to virDomainSnapshotGetXMLDesc for an internal qcow2 snapshot.
const LIBVIRT_SNAPSHOT = `<domainsnapshot>
  <name>before-upgrade</name>
  <description>kernel 6.1 &amp; the old initramfs</description>
  <state>running</state>
  <parent>
    <name>fresh</name>
  </parent>
  <creationTime>1764918000</creationTime>
  <memory snapshot='internal'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
  </disks>
  <domain type='qemu'><name>web</name></domain>
</domainsnapshot>`;

describe('parseSnapshotXml', () => {
  it('reads name, description, state, time, parent and whether it is current', () => {
    expect(parseSnapshotXml(LIBVIRT_SNAPSHOT, true)).toEqual({
      name: 'before-upgrade',
      description: 'kernel 6.1 & the old initramfs',
      createdAt: '2025-12-05T07:00:00.000Z',
      state: 'running',
      current: true,
      parent: 'fresh',
    });
  });

  it('leaves out what a first snapshot without a description does not have', () => {
    const xml = `<domainsnapshot><name>fresh</name><state>shutoff</state><creationTime>0</creationTime></domainsnapshot>`;
    expect(parseSnapshotXml(xml, false)).toEqual({
      name: 'fresh',
      createdAt: '1970-01-01T00:00:00.000Z',
      state: 'shutoff',
      current: false,
    });
  });

  it('reads back the name and description Nova writes, whatever characters they hold', () => {
    const description = `<b>"quoted" & 'single'</b>`;
    const parsed = parseSnapshotXml(buildSnapshotXml({ name: 'a&b<c>', description }), false);
    expect(parsed.name).toBe('a&b<c>');
    expect(parsed.description).toBe(description);
  });
});
