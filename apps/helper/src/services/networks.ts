import { type Lease, NovaError } from '@nova/core';
import { buildNetworkXml } from '@nova/core/node';

import type { HelperGroupImplementation } from '../dispatcher.js';
import { conflict, type HelperContext, networkTarget } from './context.js';

export function networkMethods(ctx: HelperContext): HelperGroupImplementation<'networks'> {
  const { libvirt, manager } = ctx;
  const lookup = async (name: string): Promise<string> => {
    const path = await manager.networkPath(name);
    if (path === undefined) throw new NovaError('not-found', `there is no network named "${name}"`);
    return path;
  };
  return {
    ListNetworks: async () => ({ networks: await libvirt.listNetworks() }),

    GetNetworkXml: async ({ name }) => ({ xml: await manager.networkXml(await lookup(name)) }),

    GetNetworkLeases: async ({ name }) => {
      const raw = await manager.networkLeases(await lookup(name));
      const leases: Lease[] = raw.flatMap((entry) => {
        if (!Array.isArray(entry)) return [];
        const [, expiry, , mac, , address, prefix, hostname] = entry as unknown[];
        if (typeof mac !== 'string' || typeof address !== 'string') return [];
        return [
          {
            mac,
            address,
            ...(typeof prefix === 'number' ? { prefix } : {}),
            ...(typeof hostname === 'string' && hostname !== '' ? { hostname } : {}),
            ...(typeof expiry === 'bigint' || typeof expiry === 'number' ? { expires: Number(expiry) } : {}),
          },
        ];
      });
      return { leases };
    },

    DefineNetwork: async ({ spec, autostart }) => {
      if ((await manager.networkPath(spec.name)) !== undefined) {
        await networkTarget(ctx, { name: spec.name, project: spec.ownership.project });
        throw conflict(`network "${spec.name}" exists already; Nova replaces a network by deleting it first`);
      }
      const path = await manager.defineNetwork(buildNetworkXml(spec));
      try {
        await manager.startNetwork(path);
        await manager.setNetworkAutostart(path, autostart);
      } catch (err) {
        // A network that cannot start is not left defined.
        await manager.undefineNetwork(path).catch(() => undefined);
        throw err;
      }
      return { uuid: await manager.networkUuid(path) };
    },

    StartNetwork: async (target) => {
      const path = await networkTarget(ctx, target);
      if (!(await manager.networkActive(path))) await manager.startNetwork(path);
      return {};
    },

    StopNetwork: async (target) => {
      const path = await networkTarget(ctx, target);
      if (await manager.networkActive(path)) await manager.destroyNetwork(path);
      return {};
    },

    SetNetworkAutostart: async ({ autostart, ...target }) => {
      await manager.setNetworkAutostart(await networkTarget(ctx, target), autostart);
      return {};
    },

    DeleteNetwork: async (target) => {
      const path = await networkTarget(ctx, target);
      if (await manager.networkActive(path)) await manager.destroyNetwork(path);
      await manager.undefineNetwork(path);
      return {};
    },
  };
}
