// Reading the host's interfaces, addresses and routes through iproute2's JSON output.
import type { Donation, Gateway, HostDeps } from './bridge-records.js';
import type { Ip } from './commands.js';
import { type Address, type Link, parseAddresses, parseLinks } from './links.js';

export async function readLinks(run: Ip): Promise<Link[]> {
  return parseLinks(await run(['-j', '-d', 'link', 'show']));
}

export async function readAddresses(run: Ip, dev?: string): Promise<Map<string, Address[]>> {
  return parseAddresses(await run(['-j', 'addr', 'show', ...(dev === undefined ? [] : ['dev', dev])]));
}

export async function libvirtBridgeNames(deps: HostDeps): Promise<string[]> {
  // Without libvirt its bridges still show as libvirt's by their virbr* names; listing must not fail.
  return deps.libvirtBridges().catch(() => []);
}

/** What an interface would give a bridge: its global addresses and the default routes through it. */
export async function donationOf(run: Ip, dev: string): Promise<Donation> {
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
