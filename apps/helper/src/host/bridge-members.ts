// Changes to a bridge that stays: interfaces attached to it (their addresses and default routes move to
// the bridge) or detached from it (they move back), and its spanning tree protocol.
import { NovaError } from '@nova/core';

import { moveSteps } from './address-moves.js';
import { changeableBridge, uplinkRefusal } from './bridge-guards.js';
import type { BridgeRecord, Donation, HostDeps } from './bridge-records.js';
import { donationOf, libvirtBridgeNames, readAddresses, readLinks } from './host-reads.js';
import { assertInterfaceName } from './nat.js';
import { type Step, transaction } from './transaction.js';

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
