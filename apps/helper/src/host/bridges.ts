// Host bridges through iproute2 (argv, JSON output): creating and deleting NAT bridges (address,
// nftables, dnsmasq) and bridges with an uplink (its addresses and default routes move to the bridge).
// Every change is a list of steps, undone newest first if a later one fails. The other bridge methods
// live beside this file and are exported from here as well.
import { type HostBridgeSpec, NovaError } from '@nova/core';

import { donationsOf, giveBack, moveSteps } from './address-moves.js';
import { changeableBridge, uplinkRefusal } from './bridge-guards.js';
import { type BridgeRecord, type Donation, type HostDeps, isOurs } from './bridge-records.js';
import { donationOf, libvirtBridgeNames, readLinks } from './host-reads.js';
import { assertInterfaceName, planNat } from './nat.js';
import { assertSubnetFree, natSteps, restoreForwarding, sameNat } from './nat-bridge.js';
import { deleteNatTable, readIpForward, removeLeases, stopDnsmasq } from './nat-services.js';
import { ignore, type Step, transaction } from './transaction.js';

export { attachHostInterface, detachHostInterface, setBridgeStp } from './bridge-members.js';
export { bridgeLeases, listHostBridges, listHostInterfaces } from './bridge-queries.js';
export type { BridgeRecord, HostDeps } from './bridge-records.js';

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
