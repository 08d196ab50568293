import type { ManagedNetwork, NetworkListing } from '@nova/core';
import { describe, expect, it } from 'vitest';

import {
  formatManagedNetworks,
  formatNetworkDetails,
  parseDhcpRangeOption,
} from '../src/commands/network.js';
import { nova } from './helper-double.js';

const network: ManagedNetwork = {
  id: 'libvirt/lab',
  kind: 'libvirt',
  name: 'lab',
  origin: 'nova',
  project: 'cli',
  mode: 'nat',
  active: true,
  state: 'active',
  autostart: true,
  bridge: 'nv-lab',
  addresses: ['10.9.0.1/24'],
  subnet: '10.9.0.0/24',
  gateway: '10.9.0.1',
  dhcp: { start: '10.9.0.100', end: '10.9.0.120' },
  leases: [
    {
      mac: '52:54:00:00:00:01',
      address: '10.9.0.101',
      prefix: 24,
      hostname: 'guest',
      expires: 1_740_823_200,
    },
  ],
  members: [{ kind: 'vm', name: 'web', mac: '52:54:00:00:00:01', state: 'running' }],
  health: {
    status: 'warning',
    checks: [
      { check: 'active', ok: true, detail: 'active' },
      { check: 'forwarding', ok: false, detail: 'IPv4 forwarding is off (net.ipv4.ip_forward = 0)' },
    ],
  },
};

describe('nova network list and inspect, as text', () => {
  it('prints one row per network with kind, origin, subnet, DHCP, leases, members and health', () => {
    const listing: NetworkListing = {
      networks: [network],
      uplinks: [],
      engines: [],
      occupied: [],
      problems: [{ source: 'podman', message: 'podman networks could not be read: no answer' }],
      builtAt: 0,
    };
    expect(formatManagedNetworks(listing).split('\n')).toEqual([
      'NAME  KIND     ORIGIN      STATE   MODE  SUBNET       DHCP                   LEASES  MEMBERS  HEALTH',
      'lab   libvirt  nova (cli)  active  nat   10.9.0.0/24  10.9.0.100-10.9.0.120  1       web      warning',
      'warning: podman networks could not be read: no answer',
    ]);
  });

  it('shows the details with the failed health check, members and leases', () => {
    const text = formatNetworkDetails(network);
    expect(text).toContain('Autostart: yes');
    expect(text).toContain('FAIL  forwarding: IPv4 forwarding is off');
    expect(text).toMatch(/vm\s+web\s+52:54:00:00:00:01\s+running/);
    expect(text).toMatch(/52:54:00:00:00:01\s+10\.9\.0\.101\/24\s+guest\s+2025-03-01T10:00:00Z/);
  });
});

describe('nova network create', () => {
  it('reads --dhcp-range with a hyphen or an en dash', () => {
    expect(parseDhcpRangeOption('10.9.0.10-10.9.0.20')).toEqual({
      dhcpStart: '10.9.0.10',
      dhcpEnd: '10.9.0.20',
    });
    expect(parseDhcpRangeOption('10.9.0.10 – 10.9.0.20')).toEqual({
      dhcpStart: '10.9.0.10',
      dhcpEnd: '10.9.0.20',
    });
  });

  it('refuses a range that is not FIRST-LAST with exit code 2, before asking anything', async () => {
    const run = await nova([
      'network',
      'create',
      'lab',
      '--subnet',
      '10.9.0.0/24',
      '--dhcp-range',
      '10.9.0.10',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--dhcp-range: "10.9.0.10" is not a range');
    expect(run.calls).toEqual([]);
  });

  it('offers only the kinds of network there are for --kind', async () => {
    const run = await nova(['network', 'inspect', 'lab', '--kind', 'vlan']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bridge, libvirt, bolt, docker, podman');
  });
});
