import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HostInterface, NovaError } from '@nova/core';
import { afterAll, describe, expect, it } from 'vitest';

import type { BridgeRecord } from '../src/host/bridges.js';
import { hostMethods } from '../src/host/index.js';
import {
  bridgeOrigin,
  describeInterfaces,
  diffLinks,
  interfaceKind,
  type Link,
  parseAddresses,
  parseLeases,
  parseLinks,
  snapshotLinks,
  summarizeBridges,
} from '../src/host/links.js';
import {
  assertInterfaceName,
  dnsmasqArgs,
  natRuleset,
  nftTableName,
  planNat,
  subnetsOverlap,
} from '../src/host/nat.js';
import { forwardingToRestore } from '../src/host/nat-bridge.js';
import { OriginRegistry } from '../src/origins.js';

// Recorded on the Debian 12 lab host (iproute2 6.1.0) with a test bridge smpbr0, a veth pair
// smpv0/smpv1 (smpv0 in the bridge) and a tap smptap0, trimmed to fewer keys per link; one entry
// (smpv0 below) is kept whole so that parsing is shown to ignore what it does not read.
const IP_LINK = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"operstate":"UNKNOWN","link_type":"loopback","address":"00:00:00:00:00:00"},
{"ifindex":2,"ifname":"ifb0","flags":["BROADCAST","NOARP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"a2:fa:a7:6f:8d:09","linkinfo":{"info_kind":"ifb"}},
{"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"operstate":"UP","link_type":"ether","address":"02:fc:00:00:00:01"},
{"ifindex":5,"ifname":"virbr0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"52:54:00:06:8d:0a","linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":200,"hello_time":200,"max_age":2000,"stp_state":1,"priority":32768,"vlan_filtering":0,"bridge_id":"8000.52:54:0:6:8d:a"}}},
{"ifindex":6,"ifname":"docker0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"02:42:ed:1b:6b:a2","linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":1500,"hello_time":200,"max_age":2000,"stp_state":0,"priority":32768,"vlan_filtering":0,"bridge_id":"8000.2:42:ed:1b:6b:a2"}}},
{"ifindex":11,"ifname":"cni-podman0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"aa:e5:88:a0:13:bb","linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":1500,"hello_time":200,"max_age":2000,"stp_state":0,"priority":32768,"vlan_filtering":0,"bridge_id":"8000.aa:e5:88:a0:13:bb"}}},
{"ifindex":126,"ifname":"smpbr0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"62:47:2c:45:3d:48","linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":1500,"hello_time":200,"max_age":2000,"stp_state":0,"priority":32768,"vlan_filtering":0,"bridge_id":"8000.62:47:2c:45:3d:48"}}},
{"ifindex":127,"link":"smpv0","ifname":"smpv1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"aa:9c:db:ce:c2:f0","linkinfo":{"info_kind":"veth"}},
{"ifindex":128,"link":"smpv1","ifname":"smpv0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"smpbr0","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"62:47:2c:45:3d:48","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":1,"allmulti":1,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"veth","info_slave_kind":"bridge","info_slave_data":{"state":"forwarding","priority":32,"cost":2,"hairpin":false,"guard":false,"root_block":false,"fastleave":false,"learning":true,"flood":true,"id":"0x8001","no":"0x1","designated_port":32769,"designated_cost":0,"bridge_id":"8000.62:47:2c:45:3d:48","root_id":"8000.62:47:2c:45:3d:48","hold_timer":0.0,"message_age_timer":0.0,"forward_delay_timer":14.99,"topology_change_ack":0,"config_pending":0,"proxy_arp":false,"proxy_arp_wifi":false,"multicast_router":1,"mcast_flood":true,"bcast_flood":true,"mcast_to_unicast":false,"neigh_suppress":false,"group_fwd_mask":"0","group_fwd_mask_str":"0x0","vlan_tunnel":false,"isolated":false,"locked":false}},"inet6_addr_gen_mode":"eui64","num_tx_queues":2,"num_rx_queues":2,"gso_max_size":65536,"gso_max_segs":65535,"tso_max_size":524280,"tso_max_segs":65535,"gro_max_size":65536},
{"ifindex":129,"ifname":"smptap0","flags":["BROADCAST","MULTICAST"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"b6:ea:59:0f:c0:eb","linkinfo":{"info_kind":"tun","info_data":{"type":"tap","pi":false,"vnet_hdr":false,"multi_queue":false,"persist":true}}}]`;

// `ip -j addr show` on the same host at the same moment (lifetimes dropped).
const IP_ADDR = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"operstate":"UNKNOWN","link_type":"loopback","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo"},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host"}]},
{"ifindex":2,"ifname":"ifb0","flags":["BROADCAST","NOARP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"a2:fa:a7:6f:8d:09","addr_info":[]},
{"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"operstate":"UP","link_type":"ether","address":"02:fc:00:00:00:01","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24,"broadcast":"192.0.2.255","scope":"global","label":"eth0"},{"family":"inet6","local":"fd00::2","prefixlen":64,"scope":"global"},{"family":"inet6","local":"fe80::fc:ff:fe00:1","prefixlen":64,"scope":"link"}]},
{"ifindex":5,"ifname":"virbr0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"52:54:00:06:8d:0a","addr_info":[{"family":"inet","local":"192.168.122.1","prefixlen":24,"broadcast":"192.168.122.255","scope":"global","label":"virbr0"}]},
{"ifindex":6,"ifname":"docker0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"02:42:ed:1b:6b:a2","addr_info":[{"family":"inet","local":"172.17.0.1","prefixlen":16,"broadcast":"172.17.255.255","scope":"global","label":"docker0"},{"family":"inet6","local":"fe80::42:edff:fe1b:6ba2","prefixlen":64,"scope":"link"}]},
{"ifindex":11,"ifname":"cni-podman0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"aa:e5:88:a0:13:bb","addr_info":[{"family":"inet","local":"10.88.0.1","prefixlen":16,"broadcast":"10.88.255.255","scope":"global","label":"cni-podman0"},{"family":"inet6","local":"fe80::a8e5:88ff:fea0:13bb","prefixlen":64,"scope":"link"}]},
{"ifindex":126,"ifname":"smpbr0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"62:47:2c:45:3d:48","addr_info":[{"family":"inet","local":"10.77.0.1","prefixlen":24,"scope":"global","label":"smpbr0"},{"family":"inet6","local":"fe80::6047:2cff:fe45:3d48","prefixlen":64,"scope":"link"}]},
{"ifindex":127,"ifname":"smpv1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"aa:9c:db:ce:c2:f0","addr_info":[{"family":"inet6","local":"fe80::a89c:dbff:fece:c2f0","prefixlen":64,"scope":"link"}]},
{"ifindex":128,"ifname":"smpv0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"62:47:2c:45:3d:48","addr_info":[{"family":"inet6","local":"fe80::6047:2cff:fe45:3d48","prefixlen":64,"scope":"link"}],"master":"smpbr0"},
{"ifindex":129,"ifname":"smptap0","flags":["BROADCAST","MULTICAST"],"mtu":1500,"operstate":"DOWN","link_type":"ether","address":"b6:ea:59:0f:c0:eb","addr_info":[]}]`;

// A dnsmasq 2.90 lease file: the first line was written for a busybox udhcpc client on the lab host.
const LEASES = `1795687127 02:63:91:cd:a2:e6 10.88.0.10 * 01:02:63:91:cd:a2:e6
1795690000 52:54:00:AB:cd:01 10.88.0.11 guest-one *
0 52:54:00:ab:cd:02 10.88.0.12 forever 01:52:54:00:ab:cd:02
duid 00:01:00:01:2c:8b:2f:1a:52:54:00:ab:cd:01
1795690000 1234 fd00::10 guest-six 00:01:00:01:2c
garbage line
`;

const natRecord: BridgeRecord = {
  project: 'lab',
  addresses: [],
  gateways: [],
  nat: {
    address: '10.77.0.1',
    prefix: 24,
    dhcp: { start: '10.77.0.100', end: '10.77.0.199' },
    forwardingBefore: true,
  },
};

/** Expects the call to fail with this NovaError code and a message that matches. */
async function expectFailure(call: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(NovaError);
  expect((error as NovaError).code).toBe(code);
  expect((error as NovaError).message).toMatch(message);
}

const byName = (links: Link[], name: string) => links.find((link) => link.name === name);

describe('reading ip -j link and addr', () => {
  const links = parseLinks(IP_LINK);

  it('reads every link with its kind, state, MAC, MTU, flags and bridge', () => {
    expect(links.map((link) => [link.name, interfaceKind(link)])).toEqual([
      ['lo', 'loopback'],
      ['ifb0', 'ifb'],
      ['eth0', 'device'],
      ['virbr0', 'bridge'],
      ['docker0', 'bridge'],
      ['cni-podman0', 'bridge'],
      ['smpbr0', 'bridge'],
      ['smpv1', 'veth'],
      ['smpv0', 'veth'],
      ['smptap0', 'tun'],
    ]);
    expect(byName(links, 'smpv0')).toEqual({
      index: 128,
      name: 'smpv0',
      infoKind: 'veth',
      linkType: 'ether',
      state: 'UP',
      up: true,
      mac: '62:47:2c:45:3d:48',
      mtu: 1500,
      master: 'smpbr0',
      stp: undefined,
    });
    expect(byName(links, 'virbr0')).toMatchObject({ up: true, state: 'DOWN', stp: true });
    expect(byName(links, 'docker0')?.stp).toBe(false);
    expect(byName(links, 'ifb0')?.up).toBe(false);
  });

  it('reads addresses by interface, with family, prefix and scope', () => {
    const addresses = parseAddresses(IP_ADDR);
    expect(addresses.get('eth0')).toEqual([
      { family: 'inet', local: '192.0.2.2', prefix: 24, scope: 'global' },
      { family: 'inet6', local: 'fd00::2', prefix: 64, scope: 'global' },
      { family: 'inet6', local: 'fe80::fc:ff:fe00:1', prefix: 64, scope: 'link' },
    ]);
    expect(addresses.get('ifb0')).toEqual([]);
  });

  it('refuses output that is not a JSON list and skips entries without a name', () => {
    expect(() => parseLinks('{"ifname":"x"}')).toThrow(/JSON list/);
    expect(parseLinks('[{"mtu":1500},"x",{"ifname":"a"}]').map((link) => link.name)).toEqual(['a']);
    expect(parseLinks('')).toEqual([]);
  });

  it('describes interfaces as the contract says, with origin, members, STP and NAT for bridges', () => {
    const described = describeInterfaces(links, parseAddresses(IP_ADDR), { smpbr0: natRecord }, []);
    for (const entry of described) expect(() => HostInterface.parse(entry)).not.toThrow();
    const get = (name: string) => described.find((entry) => entry.name === name);
    expect(get('smpbr0')).toEqual({
      name: 'smpbr0',
      kind: 'bridge',
      state: 'UP',
      mac: '62:47:2c:45:3d:48',
      mtu: 1500,
      addresses: ['10.77.0.1/24', 'fe80::6047:2cff:fe45:3d48/64'],
      members: ['smpv0'],
      origin: 'nova',
      project: 'lab',
      stp: false,
      nat: { address: '10.77.0.1', prefix: 24, dhcpStart: '10.77.0.100', dhcpEnd: '10.77.0.199' },
    });
    expect(get('virbr0')).toMatchObject({ origin: 'libvirt', stp: true, members: [] });
    expect(get('docker0')).toMatchObject({
      origin: 'docker',
      addresses: ['172.17.0.1/16', 'fe80::42:edff:fe1b:6ba2/64'],
    });
    expect(get('cni-podman0')?.origin).toBe('docker');
    expect(get('smpv0')).toMatchObject({ kind: 'veth', master: 'smpbr0' });
    expect(get('smpv0')).not.toHaveProperty('origin');
    expect(get('eth0')).toMatchObject({
      kind: 'device',
      addresses: ['192.0.2.2/24', 'fd00::2/64', 'fe80::fc:ff:fe00:1/64'],
    });
    expect(get('lo')?.kind).toBe('loopback');
  });

  it('summarizes bridges with members and who made them', () => {
    const uplinkRecord: BridgeRecord = { project: 'p', uplink: 'smpv0', addresses: [], gateways: [] };
    expect(summarizeBridges(links, { smpbr0: uplinkRecord }, [])).toEqual([
      { name: 'virbr0', state: 'DOWN', members: [], origin: 'libvirt' },
      { name: 'docker0', state: 'DOWN', members: [], origin: 'docker' },
      { name: 'cni-podman0', state: 'DOWN', members: [], origin: 'docker' },
      { name: 'smpbr0', state: 'UP', members: ['smpv0'], origin: 'nova', project: 'p', uplink: 'smpv0' },
    ]);
    expect(summarizeBridges(links, {}, []).find((b) => b.name === 'smpbr0')?.origin).toBe('system');
  });
});

describe('who made a bridge', () => {
  const own: BridgeRecord = { project: 'p', addresses: [], gateways: [] };
  const foreign: BridgeRecord = { foreign: true, addresses: [], gateways: [], attached: {} };
  it.each([
    ['br0', undefined, [], 'system'],
    ['br0', own, [], 'nova'],
    ['br0', foreign, [], 'system'],
    ['virbr0', undefined, [], 'libvirt'],
    ['virbr12', undefined, [], 'libvirt'],
    ['labnet', undefined, ['labnet'], 'libvirt'],
    ['nv-lan', undefined, [], 'libvirt'],
    ['docker0', undefined, [], 'docker'],
    ['br-0123456789ab', undefined, [], 'docker'],
    ['br-0123456789', undefined, [], 'system'],
    ['br-0123456789AB', undefined, [], 'system'],
    ['podman0', undefined, [], 'docker'],
    ['cni-podman3', undefined, [], 'docker'],
    ['docker0', own, [], 'nova'],
  ] as const)('%s (record %o, libvirt %o) is %s', (name, record, libvirt, origin) => {
    expect(bridgeOrigin(name, record, libvirt)).toBe(origin);
  });
});

describe('dnsmasq lease file', () => {
  it('reads IPv4 leases: expiry (0 is never), MAC in lower case, hostname "*" as none', () => {
    expect(parseLeases(LEASES, 24)).toEqual([
      { mac: '02:63:91:cd:a2:e6', address: '10.88.0.10', prefix: 24, expires: 1795687127 },
      {
        mac: '52:54:00:ab:cd:01',
        address: '10.88.0.11',
        prefix: 24,
        hostname: 'guest-one',
        expires: 1795690000,
      },
      { mac: '52:54:00:ab:cd:02', address: '10.88.0.12', prefix: 24, hostname: 'forever' },
    ]);
    expect(parseLeases('')).toEqual([]);
  });
});

describe('link changes', () => {
  it('reports added, removed, re-created, and state or bridge changes', () => {
    const before = snapshotLinks(parseLinks(IP_LINK));
    const after = new Map(before);
    after.delete('smptap0');
    after.set('smpv0', { index: 128, state: 'UP', master: undefined });
    after.set('smpv1', { index: 127, state: 'DOWN', master: undefined });
    after.set('ifb0', { index: 200, state: 'DOWN', master: undefined });
    after.set('new0', { index: 300, state: 'UNKNOWN', master: 'smpbr0' });
    expect(diffLinks(before, after)).toEqual([
      { name: 'ifb0', event: 'removed' },
      { name: 'smptap0', event: 'removed' },
      { name: 'ifb0', event: 'added', state: 'DOWN' },
      { name: 'smpv1', event: 'changed', state: 'DOWN' },
      { name: 'smpv0', event: 'changed', state: 'UP' },
      { name: 'new0', event: 'added', state: 'UNKNOWN', master: 'smpbr0' },
    ]);
    expect(diffLinks(before, before)).toEqual([]);
  });
});

describe('NAT addressing', () => {
  const nat = { address: '10.77.0.1', prefix: 24, dhcp: { start: '10.77.0.100', end: '10.77.0.199' } };

  it('plans the subnet, netmask and range', () => {
    expect(planNat('nvnat0', nat)).toEqual({
      bridge: 'nvnat0',
      address: '10.77.0.1',
      prefix: 24,
      subnet: '10.77.0.0/24',
      netmask: '255.255.255.0',
      dhcp: { start: '10.77.0.100', end: '10.77.0.199' },
    });
    expect(planNat('b', { address: '172.20.5.9', prefix: 12 })).toMatchObject({
      subnet: '172.16.0.0/12',
      netmask: '255.240.0.0',
    });
  });

  it.each([
    [{ ...nat, address: '10.77.0.0' }, /network address/],
    [{ ...nat, address: '10.77.0.255' }, /broadcast address/],
    [{ ...nat, dhcp: { start: '10.77.1.2', end: '10.77.1.9' } }, /inside 10.77.0.0\/24/],
    [{ ...nat, dhcp: { start: '10.77.0.9', end: '10.77.0.2' } }, /ascending/],
    [{ ...nat, dhcp: { start: '10.77.0.2', end: '10.77.0.255' } }, /inside/],
    [{ ...nat, dhcp: { start: '10.77.0.1', end: '10.77.0.9' } }, /own address/],
    [{ ...nat, address: '224.0.0.1' }, /unicast/],
    [{ ...nat, address: '127.0.0.1' }, /unicast/],
    [{ ...nat, prefix: 31 }, /prefix/],
    [{ ...nat, address: '10.77.0.1; flush ruleset' }, /not an IPv4 address/],
  ])('refuses %o', (bad, message) => {
    const attempt = () => planNat('nvnat0', bad);
    expect(attempt).toThrow(NovaError);
    expect(attempt).toThrow(message);
  });

  it('refuses interface names the kernel, nft or a path could misread', () => {
    for (const name of ['a:b', '.', '..', 'a b', 'a"b', 'a/b', '', 'abcdefghijklmnop', 'a}'])
      expect(() => assertInterfaceName(name), name).toThrow(NovaError);
    expect(assertInterfaceName('nv-lab.1_x')).toBe('nv-lab.1_x');
  });

  it('tells overlapping subnets', () => {
    expect(subnetsOverlap({ address: '10.88.0.1', prefix: 16 }, { address: '10.88.7.1', prefix: 24 })).toBe(
      true,
    );
    expect(subnetsOverlap({ address: '10.77.0.1', prefix: 24 }, { address: '10.77.1.1', prefix: 24 })).toBe(
      false,
    );
  });
});

describe('the NAT bridge ruleset and dnsmasq argv', () => {
  const plan = planNat('nv-nat.1', {
    address: '10.77.0.1',
    prefix: 24,
    dhcp: { start: '10.77.0.100', end: '10.77.0.199' },
  });

  it('builds one table per bridge that masquerades the subnet and guards forwarding', () => {
    expect(nftTableName('nv-nat.1')).toBe('nova-nv-nat.1');
    expect(natRuleset(plan)).toBe(
      [
        'table ip nova-nv-nat.1 {',
        '}',
        'delete table ip nova-nv-nat.1',
        'table ip nova-nv-nat.1 {',
        '\tchain postrouting {',
        '\t\ttype nat hook postrouting priority srcnat; policy accept;',
        '\t\tip saddr 10.77.0.0/24 ip daddr != { 10.77.0.0/24, 224.0.0.0/24, 255.255.255.255 } oifname != "nv-nat.1" masquerade',
        '\t}',
        '\tchain forward {',
        '\t\ttype filter hook forward priority filter; policy accept;',
        '\t\tiifname "nv-nat.1" oifname "nv-nat.1" accept',
        '\t\tiifname "nv-nat.1" ip saddr 10.77.0.0/24 accept',
        '\t\toifname "nv-nat.1" ip daddr 10.77.0.0/24 ct state established,related accept',
        '\t\tiifname "nv-nat.1" drop',
        '\t\toifname "nv-nat.1" drop',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('refuses to build text from a plan that was not checked', () => {
    expect(() => natRuleset({ ...plan, bridge: 'x" accept; #' })).toThrow(NovaError);
    expect(() => natRuleset({ ...plan, address: '10.77.0.1 }' })).toThrow(NovaError);
    expect(() => natRuleset({ ...plan, subnet: '0.0.0.0/0' })).toThrow(NovaError);
    expect(() => dnsmasqArgs({ ...plan, dhcp: { start: '10.77.0.2,x', end: '10.77.0.3' } })).toThrow(
      NovaError,
    );
  });

  it('runs dnsmasq on the bridge only, with DHCP on the range and DNS on the bridge address', () => {
    expect(dnsmasqArgs(plan)).toEqual([
      '--conf-file=/dev/null',
      '--bind-interfaces',
      '--interface=nv-nat.1',
      '--except-interface=lo',
      '--pid-file=/run/nova/dnsmasq-nv-nat.1.pid',
      '--dhcp-leasefile=/var/lib/nova/dnsmasq/nv-nat.1.leases',
      '--no-hosts',
      '--domain-needed',
      '--bogus-priv',
      '--dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,12h',
      '--dhcp-authoritative',
    ]);
    const withoutDhcp = planNat('nv-nat.1', { address: '10.77.0.1', prefix: 24 });
    expect(dnsmasqArgs(withoutDhcp).some((arg) => arg.startsWith('--dhcp-range'))).toBe(false);
  });
});

describe('IPv4 forwarding when a NAT bridge goes', () => {
  it('turns it off only after the last NAT bridge, if it was off before, and libvirt or Docker do not need it', () => {
    expect(
      forwardingToRestore({ forwardingBefore: false, otherNatBridges: 0, foreignBridges: ['system'] }),
    ).toBe('off');
    expect(forwardingToRestore({ forwardingBefore: true, otherNatBridges: 0, foreignBridges: [] })).toBe(
      'keep',
    );
    expect(forwardingToRestore({ forwardingBefore: false, otherNatBridges: 1, foreignBridges: [] })).toBe(
      'keep',
    );
    expect(
      forwardingToRestore({ forwardingBefore: false, otherNatBridges: 0, foreignBridges: ['libvirt'] }),
    ).toBe('keep');
    expect(
      forwardingToRestore({ forwardingBefore: false, otherNatBridges: 0, foreignBridges: ['docker'] }),
    ).toBe('keep');
  });
});

describe('hostMethods over a recorded iproute2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nova-host-parsing-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const calls: string[][] = [];
  const run = (args: string[]) => {
    calls.push(args);
    if (args.join(' ') === '-j -d link show') return Promise.resolve(IP_LINK);
    if (args.join(' ') === '-j addr show') return Promise.resolve(IP_ADDR);
    return Promise.reject(new Error(`unexpected ip ${args.join(' ')}`));
  };
  const origins = new OriginRegistry(join(dir, 'origins.json'));
  const host = hostMethods({ origins, libvirtBridges: () => Promise.resolve(['virbr0']), run });

  it('lists interfaces and bridges from ip -j', async () => {
    await origins.update((o) => {
      o.bridges['smpbr0'] = natRecord;
    });
    const { interfaces } = await host.ListHostInterfaces({});
    expect(interfaces.map((entry) => entry.name)).toHaveLength(10);
    expect(interfaces.find((entry) => entry.name === 'smpbr0')?.nat?.dhcpEnd).toBe('10.77.0.199');
    const { bridges } = await host.ListHostBridges({});
    expect(bridges.map((bridge) => `${bridge.name}:${bridge.origin}`)).toEqual([
      'virbr0:libvirt',
      'docker0:docker',
      'cni-podman0:docker',
      'smpbr0:nova',
    ]);
  });

  it('checks input again before running anything', async () => {
    calls.length = 0;
    const ownership = { project: 'p', name: 'n', specHash: 'a'.repeat(64) };
    await expect(
      host.CreateHostBridge({
        spec: { name: 'br:0', ownership, stp: false },
        takeUplink: false,
      }),
    ).rejects.toMatchObject({ code: 'invalid-input' });
    await expectFailure(
      host.CreateHostBridge({
        spec: {
          name: 'nvx',
          ownership,
          stp: false,
          uplink: 'eth0',
          nat: { address: '10.9.0.1', prefix: 24 },
        },
        takeUplink: true,
      }),
      'invalid-input',
      /both do NAT and have an uplink/,
    );
    await expect(host.SetBridgeStp({ bridge: 'x; reboot', enabled: true })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    expect(calls).toEqual([]);
  });

  it('refuses to change a bridge Nova did not make unless forced', async () => {
    await expectFailure(
      host.SetBridgeStp({ bridge: 'docker0', enabled: true }),
      'conflict',
      /not created by Nova \(it belongs to Docker or Podman\)/,
    );
    await expect(host.GetBridgeLeases({ bridge: 'virbr0' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
