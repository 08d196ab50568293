// The NAT side of a bridge: setting it up (address, forwarding, nftables, dnsmasq), checking its subnet
// is free, comparing it with a spec, and restoring IPv4 forwarding when the last NAT bridge goes.
import { type HostBridgeSpec, NovaError } from '@nova/core';

import { type BridgeRecord, type HostDeps, isOurs } from './bridge-records.js';
import type { Ip } from './commands.js';
import { libvirtBridgeNames, readAddresses } from './host-reads.js';
import { type BridgeOrigin, bridgeOrigin, type Link } from './links.js';
import { type NatPlan, subnetsOverlap } from './nat.js';
import {
  deleteNatTable,
  loadNatRuleset,
  readIpForward,
  removeLeases,
  startDnsmasq,
  stopDnsmasq,
  writeIpForward,
} from './nat-services.js';
import { ignore, type Step } from './transaction.js';

/** Whether a bridge's recorded NAT addressing is the one a spec asks for. */
export const sameNat = (record: BridgeRecord['nat'], spec: HostBridgeSpec['nat']) =>
  JSON.stringify(
    record === undefined ? null : [record.address, record.prefix, record.dhcp?.start, record.dhcp?.end],
  ) ===
  JSON.stringify(spec === undefined ? null : [spec.address, spec.prefix, spec.dhcp?.start, spec.dhcp?.end]);

/** A NAT bridge's address, forwarding, nftables table and dnsmasq, each undone if a later one fails. */
export function natSteps(deps: HostDeps, plan: NatPlan): Step[] {
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
export async function assertSubnetFree(run: Ip, plan: NatPlan): Promise<void> {
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

/**
 * Turns IPv4 forwarding back off when the last NAT bridge goes, if it was off before the first one, and
 * no libvirt or Docker bridge is there: they turned it on themselves and rely on it.
 */
export async function restoreForwarding(
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
