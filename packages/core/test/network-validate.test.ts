import { describe, expect, it } from 'vitest';

import {
  type NetworkValidationContext,
  parseSubnet,
  validateNewNetwork,
} from '../src/networks/network-validate.js';

const context: NetworkValidationContext = {
  existing: [
    { kind: 'libvirt', name: 'default' },
    { kind: 'docker', name: 'bridge' },
  ],
  occupied: [
    { subnet: '192.168.122.0/24', what: 'libvirt network "default"' },
    { subnet: '10.0.2.15/24', what: 'interface eth0' },
  ],
  uplinks: ['eth0', 'enp6s0'],
};

const issuesOf = (input: Parameters<typeof validateNewNetwork>[0], ctx = context) => {
  const result = validateNewNetwork(input, ctx);
  return result.ok ? [] : result.issues;
};

describe('validateNewNetwork', () => {
  it('accepts a NAT network and fills in the gateway and the upper half as DHCP range', () => {
    expect(validateNewNetwork({ type: 'nat', name: 'lab', subnet: '10.9.0.0/24' }, context)).toEqual({
      ok: true,
      network: {
        type: 'nat',
        backend: 'libvirt',
        name: 'lab',
        subnet: '10.9.0.0/24',
        prefix: 24,
        gateway: '10.9.0.1',
        dhcp: { start: '10.9.0.128', end: '10.9.0.254' },
        autostart: true,
        project: 'cli',
      },
    });
  });

  it('refuses a DHCP range outside the subnet and says which addresses to use', () => {
    expect(
      issuesOf({
        type: 'nat',
        name: 'lab',
        subnet: '10.9.0.0/24',
        dhcpStart: '10.9.0.10',
        dhcpEnd: '10.9.1.20',
      }),
    ).toEqual([
      {
        field: 'dhcpEnd',
        message: 'DHCP range 10.9.0.10–10.9.1.20 is outside the subnet 10.9.0.0/24',
        hint: 'Use addresses between 10.9.0.2 and 10.9.0.254.',
      },
    ]);
  });

  it('refuses a range that ends before it starts, holds the gateway, or touches the network or broadcast address', () => {
    const base = { type: 'nat' as const, name: 'lab', subnet: '10.9.0.0/24' };
    expect(issuesOf({ ...base, dhcpStart: '10.9.0.50', dhcpEnd: '10.9.0.10' })[0]?.message).toBe(
      'DHCP range 10.9.0.50–10.9.0.10 ends before it starts',
    );
    expect(issuesOf({ ...base, dhcpStart: '10.9.0.1', dhcpEnd: '10.9.0.10' })[0]).toMatchObject({
      field: 'dhcpStart',
      message: 'DHCP range 10.9.0.1–10.9.0.10 includes the gateway 10.9.0.1',
      hint: 'Start the range after the gateway, at 10.9.0.2 or later.',
    });
    expect(issuesOf({ ...base, dhcpStart: '10.9.0.0', dhcpEnd: '10.9.0.10' })[0]?.field).toBe('dhcpStart');
    expect(issuesOf({ ...base, dhcpStart: '10.9.0.200', dhcpEnd: '10.9.0.255' })[0]?.field).toBe('dhcpEnd');
    expect(issuesOf({ ...base, dhcpStart: '10.9.0.20' })[0]).toMatchObject({ field: 'dhcpEnd' });
    expect(issuesOf({ ...base, dhcpStart: '10.9.0.300', dhcpEnd: '10.9.0.20' })[0]).toMatchObject({
      field: 'dhcpStart',
      message: '"10.9.0.300" is not an IPv4 address',
    });
  });

  it('checks the subnet: CIDR form, first address, size, and no overlap with what is in use', () => {
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '10.9.0/24' })[0]?.message).toBe(
      '"10.9.0/24" is not an IPv4 subnet',
    );
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '10.9.0.5/24' })[0]?.hint).toContain('10.9.0.0/24');
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '10.9.0.0/31' })[0]?.message).toContain('too small');
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '192.168.0.0/16' })[0]).toEqual({
      field: 'subnet',
      message: 'subnet 192.168.0.0/16 overlaps 192.168.122.0/24 of libvirt network "default"',
      hint: 'Choose a free range, such as 10.100.0.0/16.',
    });
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '10.0.2.0/24' })[0]?.message).toContain(
      'interface eth0',
    );
    expect(issuesOf({ type: 'nat', name: 'lab' })[0]).toMatchObject({
      field: 'subnet',
      message: 'a NAT network needs a subnet',
    });
  });

  it('keeps the gateway inside the subnet', () => {
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '10.9.0.0/24', gateway: '10.9.1.1' })[0]).toEqual({
      field: 'gateway',
      message: 'gateway 10.9.1.1 is not a host address of the subnet 10.9.0.0/24',
      hint: 'Use addresses between 10.9.0.1 and 10.9.0.254.',
    });
    const ok = validateNewNetwork(
      { type: 'isolated', name: 'lab', subnet: '10.9.0.0/24', gateway: '10.9.0.254' },
      context,
    );
    expect(ok.ok && ok.network.gateway).toBe('10.9.0.254');
  });

  it('checks names, and a name the same backend has already', () => {
    expect(issuesOf({ type: 'nat', name: '-bad', subnet: '10.9.0.0/24' })[0]?.field).toBe('name');
    expect(issuesOf({ type: 'nat', name: 'default', subnet: '10.9.0.0/24' })[0]?.message).toBe(
      'there is a libvirt network named "default" already',
    );
    // A Docker network "default" is another network than libvirt's.
    expect(issuesOf({ type: 'nat', name: 'default', backend: 'docker' })).toEqual([]);
    expect(issuesOf({ type: 'nat', name: 'bridge', backend: 'docker' })[0]?.field).toBe('name');
  });

  it('needs an uplink that exists for a bridged network, and no addressing of its own', () => {
    expect(issuesOf({ type: 'bridged', name: 'lan' })[0]).toMatchObject({ field: 'uplink' });
    expect(issuesOf({ type: 'bridged', name: 'lan', uplink: 'wlan9' })[0]).toEqual({
      field: 'uplink',
      message: 'this host has no interface "wlan9" that can be an uplink',
      hint: 'Choose one of: eth0, enp6s0.',
    });
    expect(issuesOf({ type: 'bridged', name: 'lan', uplink: 'eth0', subnet: '10.9.0.0/24' })[0]?.field).toBe(
      'subnet',
    );
    expect(validateNewNetwork({ type: 'bridged', name: 'lan', uplink: 'eth0' }, context)).toMatchObject({
      ok: true,
      network: { type: 'bridged', uplink: 'eth0' },
    });
    expect(issuesOf({ type: 'nat', name: 'lab', subnet: '10.9.0.0/24', uplink: 'eth0' })[0]?.field).toBe(
      'uplink',
    );
    expect(issuesOf({ type: 'bridged', name: 'lan', uplink: 'eth0', backend: 'docker' })[0]?.field).toBe(
      'backend',
    );
  });

  it('gives engine networks no DHCP range and lets the engine pick a subnet', () => {
    expect(validateNewNetwork({ type: 'isolated', name: 'apps', backend: 'podman' }, context)).toMatchObject({
      ok: true,
      network: { backend: 'podman', type: 'isolated' },
    });
    expect(
      issuesOf({
        type: 'nat',
        name: 'apps',
        backend: 'docker',
        subnet: '10.9.0.0/24',
        dhcpStart: '10.9.0.10',
        dhcpEnd: '10.9.0.20',
      })[0]?.message,
    ).toContain('take no DHCP range');
  });

  it('reports every issue at once, each at its field', () => {
    const fields = issuesOf({ type: 'nat', name: '', subnet: 'x', gateway: 'y' }).map((issue) => issue.field);
    expect(fields).toEqual(['name', 'subnet', 'gateway']);
  });
});

describe('parseSubnet', () => {
  it('reads a CIDR into its block and notices host bits', () => {
    expect(parseSubnet('10.9.0.0/24')).toEqual({
      ok: true,
      block: { first: 0x0a090000, last: 0x0a0900ff, prefix: 24 },
      hostBits: false,
    });
    expect(parseSubnet('10.9.0.1/24')).toMatchObject({ ok: true, hostBits: true });
    for (const bad of ['10.9.0.0', '10.9.0.0/33', '10.9.0.256/24', '010.9.0.0/24', '10.9.0.0/24/1'])
      expect(parseSubnet(bad)).toEqual({ ok: false });
  });
});
