import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { type HostBridgeSpec, type HostLinkChanged, NovaError } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Exec, exec, ip } from '../../apps/helper/src/host/commands.js';
import { hostMethods, watchHostLinks } from '../../apps/helper/src/host/index.js';
import { OriginRegistry } from '../../apps/helper/src/origins.js';
import { mustRun, run } from '../support/lab.js';

// The helper's host networking, called in process as root against the real kernel, nft and dnsmasq
// (the D-Bus and polkit path is covered by helper-bus.test.ts). Names are unique per run, at most 15
// characters, and everything made here is removed in afterAll, whatever failed.
const id = randomBytes(2).toString('hex');
const byte = Number.parseInt(id.slice(0, 2), 16);
const project = `hosttest-${id}`;
const names = {
  nat: `nt${id}nat`,
  failNft: `nt${id}fn`,
  failDns: `nt${id}fd`,
  system: `nt${id}sys`,
  plain: `nt${id}br`,
  clientHost: `nt${id}ca`,
  clientNs: `nt${id}cb`,
  outsideHost: `nt${id}oa`,
  outsideNs: `nt${id}ob`,
  port: `nt${id}pa`,
  portPeer: `nt${id}pb`,
  watchA: `nt${id}wa`,
  watchB: `nt${id}wb`,
  watchC: `nt${id}wc`,
  watchD: `nt${id}wd`,
};
const clientNs = `nova-test-dhcp-${id}`;
const routeNs = `nova-test-route-${id}`;
const outsideNs = `nova-test-out-${id}`;
const outside = `10.218.${byte}`;
const natSubnet = `10.213.${byte}`;
const portAddress = `10.215.${byte}.2/24`;
const dir = mkdtempSync(join(tmpdir(), 'nova-host-'));
const origins = new OriginRegistry(join(dir, 'origins.json'));
const host = hostMethods({ origins, libvirtBridges: () => Promise.resolve([]) });

const ownership = { project, name: 'net', specHash: '0'.repeat(64) };
const natSpec = (name: string, third = natSubnet): HostBridgeSpec => ({
  name,
  ownership,
  stp: false,
  nat: { address: `${third}.1`, prefix: 24, dhcp: { start: `${third}.100`, end: `${third}.150` } },
});

interface IpAddr {
  ifname: string;
  address?: string;
  master?: string;
  addr_info: { family: string; local: string; prefixlen: number; scope: string }[];
}

async function linkOf(name: string, netns?: string): Promise<IpAddr | undefined> {
  const result = await run('ip', [
    ...(netns === undefined ? [] : ['-n', netns]),
    '-j',
    'addr',
    'show',
    'dev',
    name,
  ]);
  if (result.code !== 0) return undefined;
  return (JSON.parse(result.stdout) as IpAddr[])[0];
}

const ipv4Of = (entry: IpAddr | undefined) =>
  (entry?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);

async function stpState(name: string): Promise<number | undefined> {
  const [link] = JSON.parse(await mustRun('ip', ['-j', '-d', 'link', 'show', 'dev', name])) as {
    linkinfo?: { info_data?: { stp_state?: number } };
  }[];
  return link?.linkinfo?.info_data?.stp_state;
}

const tableExists = async (bridge: string) =>
  (await run('nft', ['list', 'table', 'ip', `nova-${bridge}`])).code === 0;

/** Live (not zombie) processes whose argv includes this string. */
function processesWith(arg: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Whether a process runs (a zombie does not count). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const dnsmasqOf = (bridge: string) => processesWith(`--pid-file=/run/nova/dnsmasq-${bridge}.pid`);

const ping = (netns: string, address: string) =>
  run('ip', ['netns', 'exec', netns, 'busybox', 'ping', '-c', '1', '-W', '2', address]);

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

async function registryRecord(bridge: string) {
  return (await origins.read()).bridges[bridge];
}

async function eventually<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

beforeAll(async () => {
  await mustRun('ip', ['link', 'add', names.system, 'type', 'bridge']);
  await mustRun('ip', ['link', 'add', names.port, 'type', 'veth', 'peer', 'name', names.portPeer]);
  await mustRun('ip', ['addr', 'add', portAddress, 'dev', names.port]);
  await mustRun('ip', ['link', 'set', names.port, 'up']);
});

afterAll(async () => {
  for (const bridge of Object.values(names)) {
    for (const pid of dnsmasqOf(bridge)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await run('nft', ['delete', 'table', 'ip', `nova-${bridge}`]);
    await run('ip', ['link', 'del', bridge]);
    rmSync(`/run/nova/dnsmasq-${bridge}.pid`, { force: true });
    rmSync(`/var/lib/nova/dnsmasq/${bridge}.leases`, { force: true, recursive: true });
  }
  await run('ip', ['netns', 'del', clientNs]);
  await run('ip', ['netns', 'del', routeNs]);
  await run('ip', ['netns', 'del', outsideNs]);
  rmSync(dir, { recursive: true, force: true });
});

describe('listing host interfaces and bridges', () => {
  it('shows each interface with its kind and addresses, and who made each bridge', async () => {
    const { interfaces } = await host.ListHostInterfaces({});
    const get = (name: string) => interfaces.find((entry) => entry.name === name);
    expect(get('lo')?.kind).toBe('loopback');
    expect(get('lo')?.addresses).toContain('127.0.0.1/8');
    expect(get(names.port)?.kind).toBe('veth');
    expect(get(names.port)?.addresses).toContain(portAddress);
    expect(get(names.system)).toMatchObject({ kind: 'bridge', origin: 'system', stp: false, members: [] });
    expect(get('virbr0'), 'libvirt default network bridge').toMatchObject({
      kind: 'bridge',
      origin: 'libvirt',
    });
    expect(get('docker0'), "dockerd's bridge").toMatchObject({ kind: 'bridge', origin: 'docker' });

    const { bridges } = await host.ListHostBridges({});
    const origin = (name: string) => bridges.find((bridge) => bridge.name === name)?.origin;
    expect(origin('virbr0')).toBe('libvirt');
    expect(origin('docker0')).toBe('docker');
    expect(origin(names.system)).toBe('system');
    expect(bridges.some((bridge) => bridge.name === names.port)).toBe(false);
  });
});

describe('a bridge Nova did not make', () => {
  it('is not changed without force', async () => {
    const refused = /not created by Nova \(it belongs to the system\); Nova does not change system bridges/;
    await expectFailure(host.SetBridgeStp({ bridge: names.system, enabled: true }), 'conflict', refused);
    await expectFailure(
      host.AttachHostInterface({ bridge: names.system, interface: names.portPeer, takeUplink: true }),
      'conflict',
      refused,
    );
    await expectFailure(host.DeleteHostBridge({ name: names.system }), 'conflict', refused);
    await expect(host.GetBridgeLeases({ bridge: names.system })).rejects.toMatchObject({ code: 'not-found' });
    expect(await stpState(names.system)).toBe(0);
    expect((await linkOf(names.portPeer))?.master).toBeUndefined();
  });

  it('is changed and deleted when forced', async () => {
    await host.SetBridgeStp({ bridge: names.system, enabled: true, force: true });
    expect(await stpState(names.system)).toBe(1);
    await host.DeleteHostBridge({ name: names.system, force: true });
    expect(await linkOf(names.system)).toBeUndefined();
    await expect(host.DeleteHostBridge({ name: names.system, force: true })).rejects.toMatchObject({
      code: 'not-found',
    });
  });
});

describe('a NAT bridge with DHCP', () => {
  const bridge = names.nat;
  const script = join(dir, 'udhcpc.sh');

  beforeAll(() => {
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        '# udhcpc calls this with the lease in its environment: configure what it got, note the DNS server.',
        'case "$1" in',
        '  bound|renew)',
        '    ip addr flush dev "$interface"',
        '    ip addr add "$ip/$mask" dev "$interface"',
        '    for gw in $router; do ip route replace default via "$gw" dev "$interface"; break; done',
        `    echo "$dns" > ${dir}/dns`,
        '    ;;',
        'esac',
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });

  it('is created with its address, forwarding, an nftables table and dnsmasq', async () => {
    expect(await host.CreateHostBridge({ spec: natSpec(bridge), takeUplink: false })).toEqual({
      movedAddresses: [],
    });
    expect(ipv4Of(await linkOf(bridge))).toEqual([`${natSubnet}.1/24`]);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe('1');
    const table = await mustRun('nft', ['list', 'table', 'ip', `nova-${bridge}`]);
    expect(table).toContain(`ip saddr ${natSubnet}.0/24`);
    expect(table).toContain('masquerade');
    expect(table).toMatch(new RegExp(`iifname "${bridge}" ip saddr ${natSubnet}.0/24 accept`));
    const [pid] = dnsmasqOf(bridge);
    expect(pid).toBeDefined();
    expect(readFileSync(`/run/nova/dnsmasq-${bridge}.pid`, 'utf8').trim()).toBe(String(pid));
    expect(await registryRecord(bridge)).toMatchObject({
      project,
      nat: { address: `${natSubnet}.1`, prefix: 24 },
    });
    expect(typeof (await registryRecord(bridge))?.nat?.forwardingBefore).toBe('boolean');

    const { interfaces } = await host.ListHostInterfaces({});
    expect(interfaces.find((entry) => entry.name === bridge)).toMatchObject({
      origin: 'nova',
      project,
      stp: false,
      nat: {
        address: `${natSubnet}.1`,
        prefix: 24,
        dhcpStart: `${natSubnet}.100`,
        dhcpEnd: `${natSubnet}.150`,
      },
    });
  });

  it('is left alone when created again with the same spec, and refused with another', async () => {
    expect(await host.CreateHostBridge({ spec: natSpec(bridge), takeUplink: false })).toEqual({
      movedAddresses: [],
    });
    await expect(
      host.CreateHostBridge({ spec: natSpec(bridge, `10.217.${byte}`), takeUplink: false }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expectFailure(
      host.CreateHostBridge({ spec: natSpec(names.failNft), takeUplink: false }),
      'conflict',
      new RegExp(`the NAT subnet ${natSubnet}\\.0/24 overlaps ${natSubnet}\\.1/24 on ${bridge}`),
    );
    expect(await linkOf(names.failNft)).toBeUndefined();
    expect(dnsmasqOf(bridge)).toHaveLength(1);
  });

  it('gives a client in a network namespace an address from its range, shown in its leases', async () => {
    await mustRun('ip', ['netns', 'add', clientNs]);
    await mustRun('ip', ['link', 'add', names.clientHost, 'type', 'veth', 'peer', 'name', names.clientNs]);
    const mac = (await linkOf(names.clientNs))?.address;
    await mustRun('ip', ['link', 'set', names.clientNs, 'netns', clientNs]);
    await mustRun('ip', ['-n', clientNs, 'link', 'set', names.clientNs, 'up']);
    // No addresses on the port: attaching it needs no consent.
    expect(
      await host.AttachHostInterface({ bridge, interface: names.clientHost, takeUplink: false }),
    ).toEqual({ movedAddresses: [] });
    expect((await linkOf(names.clientHost))?.master).toBe(bridge);

    const dhcp = await run(
      'ip',
      [
        'netns',
        'exec',
        clientNs,
        'busybox',
        'udhcpc',
        '-i',
        names.clientNs,
        '-n',
        '-q',
        '-t',
        '10',
        '-T',
        '2',
        '-s',
        script,
      ],
      { timeoutMs: 60_000 },
    );
    expect(dhcp.code, dhcp.stderr).toBe(0);
    const [address] = ipv4Of(await linkOf(names.clientNs, clientNs));
    expect(address).toMatch(new RegExp(`^${natSubnet.replaceAll('.', '\\.')}\\.(\\d+)/24$`));
    const last = Number(address?.split('/')[0]?.split('.')[3]);
    expect(last).toBeGreaterThanOrEqual(100);
    expect(last).toBeLessThanOrEqual(150);

    const { leases } = await eventually(
      () => host.GetBridgeLeases({ bridge }),
      (result) => result.leases.length > 0,
    );
    expect(leases).toHaveLength(1);
    expect(leases[0]).toMatchObject({ mac, address: address?.split('/')[0], prefix: 24 });
    expect(leases[0]?.expires).toBeGreaterThan(Date.now() / 1000);
    // dnsmasq told the client its gateway and DNS server: the bridge's address, where it answers DNS too.
    expect(readFileSync(join(dir, 'dns'), 'utf8').trim()).toBe(`${natSubnet}.1`);
    expect(await mustRun('ss', ['-Hlun'])).toContain(`${natSubnet}.1:53 `);
    expect((await ping(clientNs, `${natSubnet}.1`)).code).toBe(0);
  });

  it('masquerades the client on its way out, and lets no one from outside in', async () => {
    // Another network on the host, whose one machine has no route back to the NAT subnet.
    await mustRun('ip', ['netns', 'add', outsideNs]);
    await mustRun('ip', ['link', 'add', names.outsideHost, 'type', 'veth', 'peer', 'name', names.outsideNs]);
    await mustRun('ip', ['link', 'set', names.outsideNs, 'netns', outsideNs]);
    await mustRun('ip', ['addr', 'add', `${outside}.1/24`, 'dev', names.outsideHost]);
    await mustRun('ip', ['link', 'set', names.outsideHost, 'up']);
    await mustRun('ip', ['-n', outsideNs, 'addr', 'add', `${outside}.2/24`, 'dev', names.outsideNs]);
    await mustRun('ip', ['-n', outsideNs, 'link', 'set', names.outsideNs, 'up']);

    const out = await ping(clientNs, `${outside}.2`);
    expect(out.code, out.stdout + out.stderr).toBe(0);

    // Even with a route to the NAT subnet, the outside cannot open a connection into it.
    await mustRun('ip', ['-n', outsideNs, 'route', 'add', `${natSubnet}.0/24`, 'via', `${outside}.1`]);
    const client = ipv4Of(await linkOf(names.clientNs, clientNs))[0]?.split('/')[0] ?? '';
    expect((await ping(outsideNs, client)).code).not.toBe(0);
  });

  it('turns its spanning tree on and off', async () => {
    await host.SetBridgeStp({ bridge, enabled: true });
    expect(await stpState(bridge)).toBe(1);
    expect((await host.ListHostInterfaces({})).interfaces.find((entry) => entry.name === bridge)?.stp).toBe(
      true,
    );
    await host.SetBridgeStp({ bridge, enabled: false });
    expect(await stpState(bridge)).toBe(0);
  });

  it('is deleted with its dnsmasq, table and leases, leaving no process', async () => {
    const pids = dnsmasqOf(bridge);
    expect(pids).toHaveLength(1);
    await expect(host.DeleteHostBridge({ name: bridge, project: 'another' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await host.DeleteHostBridge({ name: bridge, project });
    expect(await linkOf(bridge)).toBeUndefined();
    expect(await tableExists(bridge)).toBe(false);
    expect(dnsmasqOf(bridge)).toEqual([]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(`/run/nova/dnsmasq-${bridge}.pid`)).toBe(false);
    expect(existsSync(`/var/lib/nova/dnsmasq/${bridge}.leases`)).toBe(false);
    expect(await registryRecord(bridge)).toBeUndefined();
    expect((await linkOf(names.clientHost))?.master).toBeUndefined();
    await expect(host.GetBridgeLeases({ bridge })).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('a NAT bridge whose creation fails half-way', () => {
  async function expectNothingLeft(bridge: string) {
    expect(await linkOf(bridge)).toBeUndefined();
    expect(await tableExists(bridge)).toBe(false);
    expect(dnsmasqOf(bridge)).toEqual([]);
    expect(await registryRecord(bridge)).toBeUndefined();
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe(forwardingBefore);
  }
  let forwardingBefore = '';
  beforeAll(() => {
    forwardingBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  });

  it('is rolled back when the nftables step fails', async () => {
    const bridge = names.failNft;
    const seen: string[] = [];
    const failingNft: Exec = (file, args, stdin) => {
      seen.push(`${file} ${args.join(' ')}`);
      if (file === 'nft' && args[0] === '-f')
        return Promise.reject(new Error('nft: injected failure of the ruleset load'));
      return exec(file, args, stdin);
    };
    const failing = hostMethods({ origins, libvirtBridges: () => Promise.resolve([]), exec: failingNft });
    await expect(
      failing.CreateHostBridge({ spec: natSpec(bridge, `10.214.${byte}`), takeUplink: false }),
    ).rejects.toThrow(/injected failure/);
    expect(seen).toContain('nft -f -');
    expect(seen.some((call) => call.startsWith('dnsmasq'))).toBe(false);
    await expectNothingLeft(bridge);
  });

  it('is rolled back when dnsmasq cannot start', async () => {
    const bridge = names.failDns;
    // A directory where the lease file goes: dnsmasq exits with "cannot open or create lease file".
    mkdirSync(`/var/lib/nova/dnsmasq/${bridge}.leases`, { recursive: true });
    await expectFailure(
      host.CreateHostBridge({ spec: natSpec(bridge, `10.214.${byte}`), takeUplink: false }),
      'failed',
      /^dnsmasq .* failed: dnsmasq: cannot open or create lease file/,
    );
    await expectNothingLeft(bridge);
    rmSync(`/var/lib/nova/dnsmasq/${bridge}.leases`, { recursive: true, force: true });
  });
});

describe('attaching and detaching an interface', () => {
  const bridge = names.plain;
  const plainSpec: HostBridgeSpec = { name: bridge, ownership, stp: false };

  beforeAll(async () => {
    await host.CreateHostBridge({ spec: plainSpec, takeUplink: false });
  });

  it('needs consent to take an interface that has addresses', async () => {
    await expect(
      host.AttachHostInterface({ bridge, interface: names.port, takeUplink: false }),
    ).rejects.toMatchObject({
      code: 'not-authorized',
      message: `enslaving ${names.port} to bridge ${bridge} can cut this host's network connection, and the caller did not consent to it`,
    });
    expect((await linkOf(names.port))?.master).toBeUndefined();
    expect(ipv4Of(await linkOf(names.port))).toEqual([portAddress]);
  });

  it('moves the addresses to the bridge, and back when detached', async () => {
    expect(await host.AttachHostInterface({ bridge, interface: names.port, takeUplink: true })).toEqual({
      movedAddresses: [portAddress],
    });
    expect((await linkOf(names.port))?.master).toBe(bridge);
    expect(ipv4Of(await linkOf(names.port))).toEqual([]);
    expect(ipv4Of(await linkOf(bridge))).toEqual([portAddress]);
    expect((await registryRecord(bridge))?.attached?.[names.port]).toEqual({
      addresses: [portAddress],
      gateways: [],
    });
    const { bridges } = await host.ListHostBridges({});
    expect(bridges.find((entry) => entry.name === bridge)).toMatchObject({
      origin: 'nova',
      members: [names.port],
    });

    await host.DetachHostInterface({ bridge, interface: names.port });
    expect((await linkOf(names.port))?.master).toBeUndefined();
    expect(ipv4Of(await linkOf(names.port))).toEqual([portAddress]);
    expect(ipv4Of(await linkOf(bridge))).toEqual([]);
    expect((await registryRecord(bridge))?.attached?.[names.port]).toBeUndefined();
    await expect(host.DetachHostInterface({ bridge, interface: names.port })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('gives attached addresses back when the bridge is deleted', async () => {
    await host.AttachHostInterface({ bridge, interface: names.port, takeUplink: true });
    await host.DeleteHostBridge({ name: bridge, project });
    expect(await linkOf(bridge)).toBeUndefined();
    expect(ipv4Of(await linkOf(names.port))).toEqual([portAddress]);
    expect(await registryRecord(bridge)).toBeUndefined();
  });
});

describe('default routes move with the addresses', () => {
  // In a namespace of its own, so that a default route can be moved without touching the host's.
  const nsHost = hostMethods({
    origins,
    libvirtBridges: () => Promise.resolve([]),
    run: (args) => ip(['-n', routeNs, ...args]),
  });
  const gateway = `10.216.${byte}.1`;
  const address = `10.216.${byte}.2/24`;
  const [uplink, peer, bridge] = ['up0', 'up1', 'nsbr0'];
  const defaultRoutes = async () =>
    (
      JSON.parse(await mustRun('ip', ['-n', routeNs, '-j', 'route', 'show', 'default'])) as {
        gateway: string;
        dev: string;
      }[]
    ).map((route) => `${route.gateway} ${route.dev}`);

  beforeAll(async () => {
    await mustRun('ip', ['netns', 'add', routeNs]);
    await mustRun('ip', ['-n', routeNs, 'link', 'add', uplink, 'type', 'veth', 'peer', 'name', peer]);
    await mustRun('ip', ['-n', routeNs, 'addr', 'add', address, 'dev', uplink]);
    await mustRun('ip', ['-n', routeNs, 'link', 'set', uplink, 'up']);
    await mustRun('ip', ['-n', routeNs, 'link', 'set', peer, 'up']);
    await mustRun('ip', ['-n', routeNs, 'route', 'add', 'default', 'via', gateway, 'dev', uplink]);
  });

  it('for a bridge created with an uplink, and back when it is deleted', async () => {
    await expect(
      nsHost.CreateHostBridge({ spec: { name: bridge, ownership, stp: false, uplink }, takeUplink: false }),
    ).rejects.toMatchObject({ code: 'not-authorized' });
    expect(
      await nsHost.CreateHostBridge({
        spec: { name: bridge, ownership, stp: false, uplink },
        takeUplink: true,
      }),
    ).toEqual({ movedAddresses: [address] });
    expect(await defaultRoutes()).toEqual([`${gateway} ${bridge}`]);
    expect(ipv4Of(await linkOf(bridge, routeNs))).toEqual([address]);
    expect(
      (await nsHost.ListHostBridges({})).bridges.map(({ name, members, origin, project, uplink }) => ({
        name,
        members,
        origin,
        project,
        uplink,
      })),
    ).toEqual([{ name: bridge, members: [uplink], origin: 'nova', project, uplink }]);
    await nsHost.DeleteHostBridge({ name: bridge, project });
    expect(await defaultRoutes()).toEqual([`${gateway} ${uplink}`]);
    expect(ipv4Of(await linkOf(uplink, routeNs))).toEqual([address]);
  });

  it('for an interface attached to a bridge, and back when it is detached', async () => {
    await nsHost.CreateHostBridge({ spec: { name: bridge, ownership, stp: false }, takeUplink: false });
    expect(await nsHost.AttachHostInterface({ bridge, interface: uplink, takeUplink: true })).toEqual({
      movedAddresses: [address],
    });
    expect(await defaultRoutes()).toEqual([`${gateway} ${bridge}`]);
    await nsHost.DetachHostInterface({ bridge, interface: uplink });
    expect(await defaultRoutes()).toEqual([`${gateway} ${uplink}`]);
    expect(ipv4Of(await linkOf(uplink, routeNs))).toEqual([address]);
    await nsHost.DeleteHostBridge({ name: bridge, project });
  });

  it('and an attach that fails half-way is undone, routes included', async () => {
    await nsHost.CreateHostBridge({ spec: { name: bridge, ownership, stp: false }, takeUplink: false });
    const failing = hostMethods({
      origins,
      libvirtBridges: () => Promise.resolve([]),
      run: (args) =>
        args[0] === 'route' && args[1] === 'replace' && args.includes(bridge)
          ? Promise.reject(new Error('injected failure of the route move'))
          : ip(['-n', routeNs, ...args]),
    });
    await expect(
      failing.AttachHostInterface({ bridge, interface: uplink, takeUplink: true }),
    ).rejects.toThrow(/injected failure/);
    expect((await linkOf(uplink, routeNs))?.master).toBeUndefined();
    expect(ipv4Of(await linkOf(uplink, routeNs))).toEqual([address]);
    expect(ipv4Of(await linkOf(bridge, routeNs))).toEqual([]);
    expect(await defaultRoutes()).toEqual([`${gateway} ${uplink}`]);
    expect((await registryRecord(bridge))?.attached).toBeUndefined();
    await nsHost.DeleteHostBridge({ name: bridge, project });
  });
});

describe('watching host links', () => {
  it('reports links added, changed and removed, and outlives its monitor process', async () => {
    const events: HostLinkChanged[] = [];
    const monitors: number[] = [];
    // Listings since the newest monitor started: the one that follows its start makes changes visible.
    let listedSinceStart = 0;
    const watch = watchHostLinks((event) => events.push(event), {
      restartDelayMs: 100,
      onMonitor: (event) => {
        if ('started' in event) {
          monitors.push(event.started);
          listedSinceStart = 0;
        }
      },
      onListed: () => {
        listedSinceStart += 1;
      },
    });
    const watching = () =>
      eventually(
        () => listedSinceStart,
        (count) => count >= 1,
        10_000,
      );
    const seen = (name: string, event: HostLinkChanged['event'], extra: Partial<HostLinkChanged> = {}) =>
      eventually(
        () =>
          events.some(
            (e) =>
              e.name === name &&
              e.event === event &&
              Object.entries(extra).every(([k, v]) => e[k as keyof HostLinkChanged] === v),
          ),
        (found) => found,
        5000,
      );
    try {
      await watching();
      await mustRun('ip', ['link', 'add', names.watchA, 'type', 'veth', 'peer', 'name', names.watchB]);
      expect(await seen(names.watchA, 'added', { state: 'DOWN' })).toBe(true);
      expect(await seen(names.watchB, 'added')).toBe(true);
      await mustRun('ip', ['link', 'add', names.watchC, 'type', 'bridge']);
      await mustRun('ip', ['link', 'set', names.watchA, 'master', names.watchC]);
      expect(await seen(names.watchA, 'changed', { master: names.watchC })).toBe(true);
      await mustRun('ip', ['link', 'del', names.watchA]);
      expect(await seen(names.watchA, 'removed')).toBe(true);
      expect(await seen(names.watchB, 'removed')).toBe(true);

      // The monitor dies (as it might over hours): the watch starts another and keeps reporting.
      const [first] = monitors;
      expect(first).toBeDefined();
      process.kill(first ?? 0, 'SIGKILL');
      await eventually(
        () => monitors.length,
        (count) => count >= 2,
        5000,
      );
      expect(monitors.length).toBeGreaterThanOrEqual(2);
      await watching();
      await mustRun('ip', ['link', 'add', names.watchD, 'type', 'bridge']);
      expect(await seen(names.watchD, 'added')).toBe(true);
    } finally {
      watch.stop();
    }
    // Stopped: every monitor it started is gone.
    expect(
      await eventually(
        () => monitors.filter(alive),
        (left) => left.length === 0,
        10_000,
      ),
    ).toEqual([]);
  });
});
