import { describe, expect, it } from 'vitest';

import {
  domainStateFromLibvirt,
  memoryToBytes,
  NOVA_LIBVIRT_XMLNS,
  parseDomainXml,
} from '../src/libvirt/domain-xml.js';

const UUID = '2c0e2d45-943e-4060-bb80-1d8605f9deaf';

function domainXml(metadata = '', name = 'web'): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${UUID}</uuid>
  <metadata>${metadata}</metadata>
  <memory unit='KiB'>65536</memory>
  <vcpu placement='static'>2</vcpu>
</domain>`;
}

describe('parseDomainXml', () => {
  it('reads name, UUID, memory in bytes and vCPUs', () => {
    expect(parseDomainXml(domainXml())).toEqual({
      name: 'web',
      uuid: UUID,
      memoryBytes: 64 * 1024 * 1024,
      vcpus: 2,
      ownedByNova: false,
      networks: [],
    });
  });

  it('names what each interface is plugged into (a network or a bridge), once each', () => {
    const xml = domainXml().replace(
      '</domain>',
      `<devices>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
    <interface type='bridge'><source bridge='br0'/></interface>
    <interface type='network'><source network='default'/></interface>
    <interface type='user'/>
  </devices>
</domain>`,
    );
    expect(parseDomainXml(xml).networks).toEqual(['default', 'br0']);
    const one = domainXml().replace(
      '</domain>',
      "<devices><interface type='network'><source network='lab'/></interface></devices></domain>",
    );
    expect(parseDomainXml(one).networks).toEqual(['lab']);
  });

  it('marks a domain with Nova’s metadata element as Nova’s, whatever its prefix', () => {
    expect(parseDomainXml(domainXml(`<nova:instance xmlns:nova="${NOVA_LIBVIRT_XMLNS}"/>`)).ownedByNova).toBe(
      true,
    );
    expect(
      parseDomainXml(domainXml(`<n:instance xmlns:n="${NOVA_LIBVIRT_XMLNS}" project="lab"/>`)).ownedByNova,
    ).toBe(true);
  });

  it('does not take another tool’s metadata for Nova’s', () => {
    const other = '<libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"/>';
    expect(parseDomainXml(domainXml(other)).ownedByNova).toBe(false);
    expect(
      parseDomainXml(domainXml('<nova:instance xmlns:nova="https://example.com/not-nova"/>')).ownedByNova,
    ).toBe(false);
  });

  it('decodes escaped characters in names', () => {
    expect(parseDomainXml(domainXml('', 'a&amp;b&lt;c')).name).toBe('a&b<c');
  });

  it('refuses XML that is not a domain', () => {
    expect(() => parseDomainXml('<network><name>x</name></network>')).toThrow(/no <domain> element/);
    expect(() => parseDomainXml('<domain><name>x</name></domain>')).toThrow(/lacks <name> or <uuid>/);
  });
});

describe('memoryToBytes', () => {
  it('follows libvirt’s units, KiB by default', () => {
    expect(memoryToBytes('1', undefined)).toBe(1024);
    expect(memoryToBytes('2', 'GiB')).toBe(2 * 1024 ** 3);
    expect(memoryToBytes('1', 'G')).toBe(1024 ** 3);
    expect(memoryToBytes('1', 'GB')).toBe(1e9);
    expect(memoryToBytes('512', 'bytes')).toBe(512);
  });

  it('refuses unknown units and negative amounts', () => {
    expect(() => memoryToBytes('1', 'parsecs')).toThrow(/invalid memory/);
    expect(() => memoryToBytes('-1', 'KiB')).toThrow(/invalid memory/);
  });
});

it('maps every virDomainState to an instance state', () => {
  expect([0, 1, 2, 3, 4, 5, 6, 7, 99].map(domainStateFromLibvirt)).toEqual([
    'unknown',
    'running',
    'running',
    'paused',
    'stopping',
    'stopped',
    'crashed',
    'suspended',
    'unknown',
  ]);
});
