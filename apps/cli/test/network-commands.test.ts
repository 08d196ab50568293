import { type HelperOutput, NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { answering, nova } from './helper-double.js';

const NETWORKS: HelperOutput<'ListNetworks'> = {
  networks: [
    {
      name: 'default',
      uuid: '00000000-0000-4000-8000-00000000000a',
      active: true,
      autostart: true,
      forwardMode: 'nat',
      bridge: 'virbr0',
      address: '192.168.122.1',
      prefix: 24,
      dhcpStart: '192.168.122.2',
      dhcpEnd: '192.168.122.254',
      origin: 'external',
    },
    {
      name: 'lab',
      uuid: '00000000-0000-4000-8000-00000000000b',
      active: false,
      autostart: false,
      origin: 'nova',
      project: 'demo',
    },
  ],
};

const LEASES: HelperOutput<'GetNetworkLeases'> = {
  leases: [
    {
      mac: '52:54:00:12:34:56',
      address: '192.168.122.50',
      prefix: 24,
      hostname: 'web',
      expires: 1_740_823_200,
    },
  ],
};

describe('nova network libvirt', () => {
  it('list prints every network with its addressing and owner', async () => {
    const run = await nova(['network', 'libvirt', 'list'], { ListNetworks: NETWORKS });
    expect(run.calls).toEqual([{ method: 'ListNetworks', input: {} }]);
    expect(run.stdout.split('\n')).toEqual([
      'NAME     STATE     AUTOSTART  MODE      BRIDGE  ADDRESS           DHCP                           ORIGIN',
      'default  active    yes        nat       virbr0  192.168.122.1/24  192.168.122.2-192.168.122.254  external',
      'lab      inactive  no         isolated  -       -                 -                              nova (demo)',
    ]);
    const json = await nova(['network', 'libvirt', 'list', '--json'], { ListNetworks: NETWORKS });
    expect(JSON.parse(json.stdout)).toEqual(NETWORKS);
  });

  it('start, stop and autostart call their methods, with --foreign and --project passed on', async () => {
    const start = await nova(['network', 'libvirt', 'start', 'default', '--foreign'], { StartNetwork: {} });
    expect(start.calls).toEqual([{ method: 'StartNetwork', input: { name: 'default', foreign: true } }]);
    expect(start.stdout).toBe('Network "default" is active.');
    const stop = await nova(['network', 'libvirt', 'stop', 'lab', '--project', 'demo', '--json'], {
      StopNetwork: {},
    });
    expect(stop.calls).toEqual([
      { method: 'StopNetwork', input: { name: 'lab', foreign: false, project: 'demo' } },
    ]);
    expect(JSON.parse(stop.stdout)).toEqual({ ok: true });
    const autostart = await nova(['network', 'libvirt', 'autostart', 'lab', 'off'], {
      SetNetworkAutostart: {},
    });
    expect(autostart.calls).toEqual([
      { method: 'SetNetworkAutostart', input: { name: 'lab', foreign: false, autostart: false } },
    ]);
  });

  it('says to pass --foreign when the helper refuses a network Nova did not create', async () => {
    const run = await nova(['network', 'libvirt', 'stop', 'default'], {
      StopNetwork: new NovaError(
        'conflict',
        'network "default" was not created by Nova, and Nova changes only what it created',
      ),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--foreign');
  });

  it('dump-xml and leases read the network', async () => {
    const xml = await nova(['network', 'libvirt', 'dump-xml', 'default'], {
      GetNetworkXml: { xml: '<network/>' },
    });
    expect(xml.calls).toEqual([{ method: 'GetNetworkXml', input: { name: 'default' } }]);
    expect(xml.stdout).toBe('<network/>');
    const leases = await nova(['network', 'libvirt', 'leases', 'default'], { GetNetworkLeases: LEASES });
    expect(leases.calls).toEqual([{ method: 'GetNetworkLeases', input: { name: 'default' } }]);
    expect(leases.stdout.split('\n')).toEqual([
      'MAC                ADDRESS            HOSTNAME  EXPIRES',
      '52:54:00:12:34:56  192.168.122.50/24  web       2025-03-01T10:00:00Z',
    ]);
  });

  it('delete asks first, and refuses without --yes when there is no terminal', async () => {
    const refused = await nova(['network', 'libvirt', 'delete', 'lab']);
    expect(refused.code).toBe(2);
    expect(refused.calls).toEqual([]);
    const yes = answering(true);
    const asked = await nova(['network', 'libvirt', 'delete', 'lab'], { DeleteNetwork: {} }, yes);
    expect(yes.questions).toHaveLength(1);
    expect(asked.calls).toEqual([{ method: 'DeleteNetwork', input: { name: 'lab', foreign: false } }]);
    const forced = await nova(['network', 'libvirt', 'delete', 'lab', '--yes'], { DeleteNetwork: {} });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe('Deleted network "lab".');
  });

  it('refuses a bad network name before calling the helper (exit 2)', async () => {
    const run = await nova(['network', 'libvirt', 'start', 'my net']);
    expect(run.code).toBe(2);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('"my net" is not a valid network name');
  });

  it('exits 3 when polkit refuses and 4 when libvirt is unreachable', async () => {
    const denied = await nova(['network', 'libvirt', 'list'], {
      ListNetworks: new NovaError(
        'not-authorized',
        'not authorized: polkit refused action dev.nova.network.read',
      ),
    });
    expect(denied.code).toBe(3);
    const down = await nova(['network', 'libvirt', 'list'], {
      ListNetworks: new NovaError('backend-unavailable', 'libvirt is unreachable'),
    });
    expect(down.code).toBe(4);
    expect(down.stderr).toBe('nova: libvirt is unreachable');
  });
});

describe('nova network bridge and interfaces', () => {
  it('bridge list prints every bridge with its owner and members', async () => {
    const run = await nova(['network', 'bridge', 'list'], {
      ListHostBridges: {
        bridges: [
          { name: 'virbr0', state: 'up', members: ['vnet3'], origin: 'libvirt' },
          { name: 'br-lab', state: 'up', members: [], origin: 'nova', project: 'demo', uplink: 'eth1' },
        ],
      },
    });
    expect(run.calls).toEqual([{ method: 'ListHostBridges', input: {} }]);
    expect(run.stdout.split('\n')).toEqual([
      'NAME    STATE  ORIGIN       UPLINK  MEMBERS',
      'virbr0  up     libvirt      -       vnet3',
      'br-lab  up     nova (demo)  eth1    -',
    ]);
  });

  it('bridge leases asks GetBridgeLeases, checking the interface name first', async () => {
    const run = await nova(['network', 'bridge', 'leases', 'br-lab', '--json'], { GetBridgeLeases: LEASES });
    expect(run.calls).toEqual([{ method: 'GetBridgeLeases', input: { bridge: 'br-lab' } }]);
    expect(JSON.parse(run.stdout)).toEqual(LEASES);
    const bad = await nova(['network', 'bridge', 'leases', 'a-name-far-too-long']);
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
  });

  it('interfaces lists the host’s interfaces', async () => {
    const run = await nova(['network', 'interfaces'], {
      ListHostInterfaces: {
        interfaces: [
          { name: 'eth0', kind: 'device', state: 'up', mac: '02:00:00:00:00:01', addresses: ['10.0.0.2/24'] },
          { name: 'vnet3', kind: 'tun', state: 'up', addresses: [], master: 'virbr0' },
        ],
      },
    });
    expect(run.calls).toEqual([{ method: 'ListHostInterfaces', input: {} }]);
    expect(run.stdout.split('\n')).toEqual([
      'NAME   KIND    STATE  MAC                MASTER  ADDRESSES',
      'eth0   device  up     02:00:00:00:00:01  -       10.0.0.2/24',
      'vnet3  tun     up     -                  virbr0  -',
    ]);
  });
});
