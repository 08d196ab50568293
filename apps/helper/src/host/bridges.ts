// Host bridges through iproute2 (argv, JSON output): NAT bridges (address, nftables, dnsmasq), bridges
// with an uplink (its addresses and default routes move to the bridge), and interfaces attached to or
// detached from a bridge. Every change is a list of steps, undone newest first if a later one fails.
import {
  type HostBridgeSpec,
  type HostBridgeSummary,
  type HostInterface,
  type Lease,
  NovaError,
} from '@nova/core';

import type { OriginRegistry } from '../origins.js';
import type { Exec, Ip } from './commands.js';
import {
  type Address,
  type BridgeOrigin,
  bridgeOrigin,
  describeInterfaces,
  type Link,
  parseAddresses,
  parseLeases,
  parseLinks,
  summarizeBridges,
} from './links.js';
import { assertInterfaceName, type NatPlan, planNat, subnetsOverlap } from './nat.js';
import {
  deleteNatTable,
  loadNatRuleset,
  readIpForward,
  readLeaseFile,
  removeLeases,
  startDnsmasq,
  stopDnsmasq,
  writeIpForward,
} from './nat-services.js';

export type { Ip } from './commands.js';
export { ip } from './commands.js';

export interface Gateway {
  via: string;
  metric?: number;
}

/** What an interface gave a bridge when it joined it: to be given back when it leaves. */
export interface Donation {
  /** "10.0.0.2/24" and the like. */
  addresses: string[];
  /** Default gateways that went through the interface. */
  gateways: Gateway[];
}

export interface BridgeRecord extends Donation {
  /** The project that created the bridge; absent on a record of a bridge Nova did not create. */
  project?: string;
  /** Nova did not create this bridge: the record only remembers what interfaces Nova attached gave it. */
  foreign?: true;
  /** The uplink enslaved at creation; `addresses` and `gateways` are what it gave. */
  uplink?: string;
  nat?: {
    address: string;
    prefix: number;
    dhcp?: { start: string; end: string };
    /** Whether IPv4 forwarding was on before Nova's first NAT bridge: restored when the last one goes. */
    forwardingBefore: boolean;
  };
  /** Interfaces attached later (AttachHostInterface) that gave the bridge addresses or routes. */
  attached?: Record<string, Donation>;
}

export interface HostDeps {
  origins: OriginRegistry;
  libvirtBridges: () => Promise<string[]>;
  run: Ip;
  exec: Exec;
}

interface Step {
  run: () => Promise<unknown>;
  undo?: () => Promise<unknown>;
}

/** Runs steps in order; when one fails, runs the undo of those that succeeded, newest first. */
async function transaction(steps: Step[]): Promise<void> {
  const done: (() => Promise<unknown>)[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      for (const undo of done.reverse()) await undo().catch(() => undefined);
      throw err;
    }
    if (step.undo !== undefined) done.push(step.undo);
  }
}

const ignore = () => undefined;

async function readLinks(run: Ip): Promise<Link[]> {
  return parseLinks(await run(['-j', '-d', 'link', 'show']));
}

async function readAddresses(run: Ip, dev?: string): Promise<Map<string, Address[]>> {
  return parseAddresses(await run(['-j', 'addr', 'show', ...(dev === undefined ? [] : ['dev', dev])]));
}

async function libvirtBridgeNames(deps: HostDeps): Promise<string[]> {
  // Without libvirt its bridges still show as libvirt's by their virbr* names; listing must not fail.
  return deps.libvirtBridges().catch(() => []);
}

const isOurs = (record: BridgeRecord | undefined): record is BridgeRecord =>
  record !== undefined && record.foreign !== true;

/** What an interface would give a bridge: its global addresses and the default routes through it. */
async function donationOf(run: Ip, dev: string): Promise<Donation> {
  const addresses = ((await readAddresses(run, dev)).get(dev) ?? [])
    .filter((address) => address.scope === 'global')
    .map((address) => `${address.local}/${address.prefix}`);
  const routes = JSON.parse((await run(['-j', 'route', 'show', 'default', 'dev', dev])) || '[]') as unknown;
  const gateways: Gateway[] = [];
  for (const route of Array.isArray(routes) ? (routes as unknown[]) : []) {
    if (typeof route !== 'object' || route === null) continue;
    const { gateway, metric } = route as { gateway?: unknown; metric?: unknown };
    if (typeof gateway !== 'string') continue;
    gateways.push(typeof metric === 'number' ? { via: gateway, metric } : { via: gateway });
  }
  return { addresses, gateways };
}

const metricArgs = (gateway: Gateway) =>
  gateway.metric === undefined ? [] : ['metric', String(gateway.metric)];

function routeVia(run: Ip, gateways: Gateway[], dev: string): Promise<unknown> {
  return gateways.reduce<Promise<unknown>>(
    (previous, gateway) =>
      previous.then(() =>
        run(['route', 'replace', 'default', 'via', gateway.via, 'dev', dev, ...metricArgs(gateway)]),
      ),
    Promise.resolve(),
  );
}

/**
 * Moves addresses and default routes from one interface to another. Undoing the removal puts the routes
 * back as well, since the kernel drops routes with the last address they depend on.
 */
function moveSteps(run: Ip, from: string, to: string, donation: Donation): { take: Step; give: Step[] } {
  const take: Step = {
    run: async () => {
      for (const address of donation.addresses) await run(['addr', 'del', address, 'dev', from]);
    },
    undo: async () => {
      for (const address of donation.addresses)
        await run(['addr', 'replace', address, 'dev', from]).catch(ignore);
      await routeVia(run, donation.gateways, from).catch(ignore);
    },
  };
  const give: Step[] = [
    {
      run: async () => {
        for (const address of donation.addresses) await run(['addr', 'replace', address, 'dev', to]);
      },
      undo: async () => {
        for (const address of donation.addresses)
          await run(['addr', 'del', address, 'dev', to]).catch(ignore);
      },
    },
    { run: () => routeVia(run, donation.gateways, to) },
  ];
  return { take, give };
}

function uplinkRefusal(dev: string, bridge: string): NovaError {
  return new NovaError(
    'not-authorized',
    `enslaving ${dev} to bridge ${bridge} can cut this host's network connection, and the caller did not consent to it`,
    'Pass --allow-uplink ' + dev + ' to nova apply.',
  );
}

const ORIGIN_WORDS: Record<BridgeOrigin, string> = {
  nova: 'Nova',
  libvirt: 'libvirt',
  docker: 'Docker or Podman',
  system: 'the system',
};

/** The bridge to change, if the caller may change it: Nova's own, or any other only when forced. */
function changeableBridge(
  links: readonly Link[],
  registry: Readonly<Record<string, BridgeRecord>>,
  libvirt: readonly string[],
  name: string,
  force: boolean,
): { link: Link; origin: BridgeOrigin } {
  const link = links.find((candidate) => candidate.name === name);
  if (link === undefined) throw new NovaError('not-found', `there is no host bridge named "${name}"`);
  if (link.infoKind !== 'bridge')
    throw new NovaError('invalid-input', `host interface "${name}" is not a bridge`);
  const origin = bridgeOrigin(name, registry[name], libvirt);
  if (origin !== 'nova' && !force)
    throw new NovaError(
      'conflict',
      `bridge "${name}" was not created by Nova (it belongs to ${ORIGIN_WORDS[origin]}); Nova does not change system bridges`,
      'Repeat with force if you really mean to change it.',
    );
  return { link, origin };
}

export async function listHostInterfaces(deps: HostDeps): Promise<HostInterface[]> {
  const [links, addresses, origins, libvirt] = await Promise.all([
    readLinks(deps.run),
    readAddresses(deps.run),
    deps.origins.read(),
    libvirtBridgeNames(deps),
  ]);
  return describeInterfaces(links, addresses, origins.bridges, libvirt);
}

export async function listHostBridges(deps: HostDeps): Promise<HostBridgeSummary[]> {
  const [links, origins, libvirt] = await Promise.all([
    readLinks(deps.run),
    deps.origins.read(),
    libvirtBridgeNames(deps),
  ]);
  return summarizeBridges(links, origins.bridges, libvirt);
}

export async function bridgeLeases(deps: HostDeps, bridge: string): Promise<Lease[]> {
  assertInterfaceName(bridge);
  const record = (await deps.origins.read()).bridges[bridge];
  if (!isOurs(record) || record.nat === undefined)
    throw new NovaError('not-found', `"${bridge}" is not one of Nova's NAT bridges`);
  if (record.nat.dhcp === undefined) return [];
  return parseLeases(await readLeaseFile(bridge), record.nat.prefix);
}

const sameNat = (record: BridgeRecord['nat'], spec: HostBridgeSpec['nat']) =>
  JSON.stringify(
    record === undefined ? null : [record.address, record.prefix, record.dhcp?.start, record.dhcp?.end],
  ) ===
  JSON.stringify(spec === undefined ? null : [spec.address, spec.prefix, spec.dhcp?.start, spec.dhcp?.end]);

/** Undoes what a record says Nova set up for a bridge that no longer exists (a crash mid-way, a manual delete). */
async function clearLeftovers(deps: HostDeps, name: string, record: BridgeRecord): Promise<void> {
  if (isOurs(record) && record.nat !== undefined) {
    await stopDnsmasq(name);
    await deleteNatTable(deps.exec, name);
  }
  await deps.origins.update((o) => {
    Reflect.deleteProperty(o.bridges, name);
  });
}

export async function createHostBridge(
  deps: HostDeps,
  spec: HostBridgeSpec,
  takeUplink: boolean,
): Promise<string[]> {
  const { run, origins } = deps;
  const name = assertInterfaceName(spec.name);
  const { uplink, nat } = spec;
  if (uplink !== undefined && nat !== undefined)
    throw new NovaError(
      'invalid-input',
      `bridge "${name}" cannot both do NAT and have an uplink: a NAT bridge is a private subnet, an uplink bridge joins the host's network`,
    );
  if (uplink !== undefined && assertInterfaceName(uplink) === name)
    throw new NovaError('invalid-input', `bridge "${name}" cannot be its own uplink`);
  const plan = nat === undefined ? undefined : planNat(name, nat);
  const all = await readLinks(run);
  const existing = all.find((link) => link.name === name);
  const registry = (await origins.read()).bridges;
  const record = registry[name];
  if (existing !== undefined) {
    if (!isOurs(record) || record.project !== spec.ownership.project) {
      throw new NovaError(
        'conflict',
        `an interface named "${name}" exists and Nova did not create it for project "${spec.ownership.project}"`,
      );
    }
    if (record.uplink !== uplink)
      throw new NovaError(
        'conflict',
        `bridge "${name}" exists with another uplink (${record.uplink ?? 'none'})`,
      );
    if (!sameNat(record.nat, nat))
      throw new NovaError('conflict', `bridge "${name}" exists with other NAT addressing`);
    return [];
  }
  if (record !== undefined) await clearLeftovers(deps, name, record);

  const steps: Step[] = [];
  let donation: Donation = { addresses: [], gateways: [] };
  let natRecord: BridgeRecord['nat'];
  if (uplink !== undefined) {
    if (!takeUplink) throw uplinkRefusal(uplink, name);
    const link = all.find((l) => l.name === uplink);
    if (link === undefined) throw new NovaError('not-found', `there is no host interface named "${uplink}"`);
    if (link.linkType === 'loopback' || link.infoKind === 'bridge')
      throw new NovaError('invalid-input', `${uplink} cannot be the uplink of a bridge`);
    if (link.master !== undefined)
      throw new NovaError('conflict', `${uplink} is already part of bridge ${link.master}`);
    donation = await donationOf(run, uplink);
  }
  if (plan !== undefined) {
    await assertSubnetFree(run, plan);
    const otherNat = Object.entries(registry).find(([other, r]) => other !== name && isOurs(r) && r.nat);
    // Every NAT record carries the value from before the first one, so the last one out restores it.
    natRecord = {
      address: plan.address,
      prefix: plan.prefix,
      ...(plan.dhcp === undefined ? {} : { dhcp: plan.dhcp }),
      forwardingBefore: otherNat?.[1].nat?.forwardingBefore ?? (await readIpForward()),
    };
  }

  // The record comes first: if the helper dies half-way, DeleteHostBridge knows what to clean up.
  steps.push({
    run: () =>
      origins.update((o) => {
        o.bridges[name] = {
          project: spec.ownership.project,
          ...(uplink === undefined ? {} : { uplink }),
          addresses: donation.addresses,
          gateways: donation.gateways,
          ...(natRecord === undefined ? {} : { nat: natRecord }),
        };
      }),
    undo: () =>
      origins.update((o) => {
        Reflect.deleteProperty(o.bridges, name);
      }),
  });
  steps.push({
    run: () => run(['link', 'add', 'name', name, 'type', 'bridge', 'stp_state', spec.stp ? '1' : '0']),
    undo: () => run(['link', 'del', name]),
  });
  if (uplink !== undefined) {
    const mac = all.find((l) => l.name === uplink)?.mac;
    // The bridge takes the uplink's MAC, so that DHCP servers and switches see the same host.
    if (mac !== undefined) steps.push({ run: () => run(['link', 'set', name, 'address', mac]) });
    steps.push({
      run: () => run(['link', 'set', uplink, 'master', name]),
      undo: () => run(['link', 'set', uplink, 'nomaster']),
    });
    const { take, give } = moveSteps(run, uplink, name, donation);
    steps.push(take, { run: () => run(['link', 'set', name, 'up']) }, ...give);
  } else if (plan !== undefined) {
    steps.push(...natSteps(deps, plan));
  } else {
    steps.push({ run: () => run(['link', 'set', name, 'up']) });
  }
  await transaction(steps);
  return donation.addresses;
}

/** A NAT bridge's address, forwarding, nftables table and dnsmasq, each undone if a later one fails. */
function natSteps(deps: HostDeps, plan: NatPlan): Step[] {
  const { run, exec } = deps;
  const { bridge } = plan;
  let forwardingWasOff = false;
  return [
    { run: () => run(['addr', 'add', `${plan.address}/${plan.prefix}`, 'broadcast', '+', 'dev', bridge]) },
    { run: () => run(['link', 'set', bridge, 'up']) },
    {
      run: async () => {
        forwardingWasOff = !(await readIpForward());
        if (forwardingWasOff) await writeIpForward(true);
      },
      undo: async () => {
        if (forwardingWasOff) await writeIpForward(false);
      },
    },
    { run: () => loadNatRuleset(exec, plan), undo: () => deleteNatTable(exec, bridge) },
    {
      run: () => startDnsmasq(exec, plan),
      undo: async () => {
        await stopDnsmasq(bridge);
        await removeLeases(bridge).catch(ignore);
      },
    },
  ];
}

/** A NAT subnet must not overlap one the host already has (libvirt's, Docker's, the LAN's). */
async function assertSubnetFree(run: Ip, plan: NatPlan): Promise<void> {
  for (const [dev, addresses] of await readAddresses(run)) {
    for (const address of addresses) {
      if (address.family !== 'inet' || address.scope === 'host') continue;
      if (subnetsOverlap(plan, { address: address.local, prefix: address.prefix }))
        throw new NovaError(
          'conflict',
          `the NAT subnet ${plan.subnet} overlaps ${address.local}/${address.prefix} on ${dev}`,
          'Choose another subnet for the bridge.',
        );
    }
  }
}

/** Gives an interface back what it gave a bridge, outside a transaction (the bridge is going away). */
async function giveBack(
  run: Ip,
  links: readonly Link[],
  bridge: string,
  dev: string,
  donation: Donation,
): Promise<void> {
  const link = links.find((l) => l.name === dev);
  if (link === undefined) return;
  for (const address of donation.addresses) await run(['addr', 'del', address, 'dev', bridge]).catch(ignore);
  if (link.master === bridge) await run(['link', 'set', dev, 'nomaster']);
  for (const address of donation.addresses) await run(['addr', 'replace', address, 'dev', dev]);
  await routeVia(run, donation.gateways, dev);
}

function donationsOf(record: BridgeRecord | undefined): [string, Donation][] {
  if (record === undefined) return [];
  const donations = Object.entries(record.attached ?? {});
  if (record.uplink !== undefined)
    donations.unshift([record.uplink, { addresses: record.addresses, gateways: record.gateways }]);
  return donations;
}

export async function deleteHostBridge(
  deps: HostDeps,
  name: string,
  project: string | undefined,
  force: boolean,
): Promise<void> {
  const { run, origins, exec } = deps;
  assertInterfaceName(name);
  const registry = (await origins.read()).bridges;
  const record = registry[name];
  const links = await readLinks(run);
  const link = links.find((l) => l.name === name);
  const ours = isOurs(record) ? record : undefined;
  if (ours !== undefined) {
    if (project !== undefined && ours.project !== undefined && ours.project !== project)
      throw new NovaError(
        'conflict',
        `bridge "${name}" belongs to Nova project "${ours.project}", not to "${project}"`,
      );
    if (link !== undefined && link.infoKind !== 'bridge')
      throw new NovaError(
        'conflict',
        `"${name}" is now a ${link.infoKind ?? 'device'} interface, not the bridge Nova created; Nova leaves it alone`,
      );
  } else {
    if (link === undefined) {
      if (record !== undefined) await clearLeftovers(deps, name, record);
      throw new NovaError('not-found', `there is no host bridge named "${name}"`);
    }
    changeableBridge(links, registry, await libvirtBridgeNames(deps), name, force);
  }
  if (record?.nat !== undefined) await stopDnsmasq(name);
  if (record?.nat !== undefined) await deleteNatTable(exec, name);
  if (link !== undefined) {
    for (const [dev, donation] of donationsOf(record)) await giveBack(run, links, name, dev, donation);
    await run(['link', 'del', name]);
  }
  if (record?.nat !== undefined) {
    await removeLeases(name).catch(ignore);
    await restoreForwarding(deps, name, record.nat.forwardingBefore, links);
  }
  await origins.update((o) => {
    Reflect.deleteProperty(o.bridges, name);
  });
}

/**
 * Turns IPv4 forwarding back off when the last NAT bridge goes, if it was off before the first one, and
 * no libvirt or Docker bridge is there: they turned it on themselves and rely on it.
 */
async function restoreForwarding(
  deps: HostDeps,
  leaving: string,
  forwardingBefore: boolean,
  links: readonly Link[],
): Promise<void> {
  const registry = (await deps.origins.read()).bridges;
  const libvirt = await libvirtBridgeNames(deps);
  const decision = forwardingToRestore({
    forwardingBefore,
    otherNatBridges: Object.entries(registry).filter(
      ([name, record]) => name !== leaving && isOurs(record) && record.nat !== undefined,
    ).length,
    foreignBridges: links
      .filter((link) => link.infoKind === 'bridge' && link.name !== leaving)
      .map((link) => bridgeOrigin(link.name, registry[link.name], libvirt)),
  });
  if (decision === 'off') await writeIpForward(false);
}

/** Pure: whether deleting a NAT bridge turns forwarding off ("off") or leaves it as it is. */
export function forwardingToRestore(state: {
  forwardingBefore: boolean;
  otherNatBridges: number;
  foreignBridges: BridgeOrigin[];
}): 'off' | 'keep' {
  if (state.forwardingBefore || state.otherNatBridges > 0) return 'keep';
  if (state.foreignBridges.some((origin) => origin === 'libvirt' || origin === 'docker')) return 'keep';
  return 'off';
}

export async function attachHostInterface(
  deps: HostDeps,
  bridge: string,
  dev: string,
  takeUplink: boolean,
  force: boolean,
): Promise<string[]> {
  const { run, origins } = deps;
  assertInterfaceName(bridge);
  assertInterfaceName(dev);
  if (bridge === dev) throw new NovaError('invalid-input', `bridge "${bridge}" cannot be its own member`);
  const links = await readLinks(run);
  const registry = (await origins.read()).bridges;
  const { link: bridgeLink, origin } = changeableBridge(
    links,
    registry,
    await libvirtBridgeNames(deps),
    bridge,
    force,
  );
  const link = links.find((l) => l.name === dev);
  if (link === undefined) throw new NovaError('not-found', `there is no host interface named "${dev}"`);
  if (link.linkType === 'loopback' || link.infoKind === 'bridge')
    throw new NovaError('invalid-input', `${dev} cannot be part of a bridge`);
  if (link.master === bridge) return [];
  if (link.master !== undefined)
    throw new NovaError('conflict', `${dev} is already part of bridge ${link.master}`);
  const donation = await donationOf(run, dev);
  const gives = donation.addresses.length > 0 || donation.gateways.length > 0;
  if (gives && !takeUplink) throw uplinkRefusal(dev, bridge);

  const steps: Step[] = [];
  if (gives) {
    const before = registry[bridge];
    steps.push({
      run: () =>
        origins.update((o) => {
          const record: BridgeRecord = o.bridges[bridge] ?? {
            ...(origin === 'nova' ? {} : { foreign: true }),
            addresses: [],
            gateways: [],
          };
          record.attached = { ...record.attached, [dev]: donation };
          o.bridges[bridge] = record;
        }),
      undo: () =>
        origins.update((o) => {
          if (before === undefined) Reflect.deleteProperty(o.bridges, bridge);
          else o.bridges[bridge] = before;
        }),
    });
  }
  steps.push({
    run: () => run(['link', 'set', dev, 'master', bridge]),
    undo: () => run(['link', 'set', dev, 'nomaster']),
  });
  // A port that is down forwards nothing: attaching means the caller wants traffic through it.
  if (!link.up)
    steps.push({
      run: () => run(['link', 'set', dev, 'up']),
      undo: () => run(['link', 'set', dev, 'down']),
    });
  if (gives) {
    const { take, give } = moveSteps(run, dev, bridge, donation);
    steps.push(take);
    if (!bridgeLink.up) steps.push({ run: () => run(['link', 'set', bridge, 'up']) });
    steps.push(...give);
  }
  await transaction(steps);
  return donation.addresses;
}

export async function detachHostInterface(
  deps: HostDeps,
  bridge: string,
  dev: string,
  force: boolean,
): Promise<void> {
  const { run, origins } = deps;
  assertInterfaceName(bridge);
  assertInterfaceName(dev);
  const links = await readLinks(run);
  const registry = (await origins.read()).bridges;
  changeableBridge(links, registry, await libvirtBridgeNames(deps), bridge, force);
  const link = links.find((l) => l.name === dev);
  if (link === undefined) throw new NovaError('not-found', `there is no host interface named "${dev}"`);
  if (link.master !== bridge)
    throw new NovaError(
      'conflict',
      link.master === undefined
        ? `${dev} is not part of any bridge`
        : `${dev} is part of bridge ${link.master}, not of ${bridge}`,
    );
  const before = registry[bridge];
  const recorded =
    before?.uplink === dev
      ? { addresses: before.addresses, gateways: before.gateways }
      : before?.attached?.[dev];
  // Only what the bridge still has can go back: the user may have changed it since.
  const present = new Set(
    ((await readAddresses(run, bridge)).get(bridge) ?? []).map((a) => `${a.local}/${a.prefix}`),
  );
  const donation: Donation = {
    addresses: (recorded?.addresses ?? []).filter((address) => present.has(address)),
    gateways: recorded?.gateways ?? [],
  };
  const { take, give } = moveSteps(run, bridge, dev, donation);
  await transaction([
    take,
    {
      run: () => run(['link', 'set', dev, 'nomaster']),
      undo: () => run(['link', 'set', dev, 'master', bridge]),
    },
    ...give,
    {
      run: () =>
        origins.update((o) => {
          const record = o.bridges[bridge];
          if (record === undefined) return;
          if (record.uplink === dev) {
            Reflect.deleteProperty(record, 'uplink');
            record.addresses = [];
            record.gateways = [];
          }
          if (record.attached !== undefined) Reflect.deleteProperty(record.attached, dev);
          if (record.foreign === true && Object.keys(record.attached ?? {}).length === 0)
            Reflect.deleteProperty(o.bridges, bridge);
        }),
    },
  ]);
}

export async function setBridgeStp(
  deps: HostDeps,
  bridge: string,
  enabled: boolean,
  force: boolean,
): Promise<void> {
  assertInterfaceName(bridge);
  const [links, origins, libvirt] = await Promise.all([
    readLinks(deps.run),
    deps.origins.read(),
    libvirtBridgeNames(deps),
  ]);
  changeableBridge(links, origins.bridges, libvirt, bridge, force);
  await deps.run(['link', 'set', bridge, 'type', 'bridge', 'stp_state', enabled ? '1' : '0']);
}
