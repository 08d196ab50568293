// Moving addresses and default routes between an interface and the bridge it joins or leaves.
import type { BridgeRecord, Donation, Gateway } from './bridge-records.js';
import type { Ip } from './commands.js';
import type { Link } from './links.js';
import { ignore, type Step } from './transaction.js';

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
export function moveSteps(
  run: Ip,
  from: string,
  to: string,
  donation: Donation,
): { take: Step; give: Step[] } {
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

/** Gives an interface back what it gave a bridge, outside a transaction (the bridge is going away). */
export async function giveBack(
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

export function donationsOf(record: BridgeRecord | undefined): [string, Donation][] {
  if (record === undefined) return [];
  const donations = Object.entries(record.attached ?? {});
  if (record.uplink !== undefined)
    donations.unshift([record.uplink, { addresses: record.addresses, gateways: record.gateways }]);
  return donations;
}
