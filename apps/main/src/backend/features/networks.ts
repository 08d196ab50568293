// The backend side of network management: handlers for the channels of
// packages/core/src/contract/features/networks.ts, over core's NetworkService. The topology feature
// pushes `topology.changed` when networks change; the Networks page also fetches again after its own
// actions.
import { NetworkService, VmNicCache } from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './feature.js';

type NetworksChannel =
  | 'networks.list'
  | 'networks.create'
  | 'networks.delete'
  | 'networks.start'
  | 'networks.stop'
  | 'networks.autostart'
  | 'networks.attach'
  | 'networks.detach';

export function networksFeature(context: FeatureContext): BackendFeature<NetworksChannel> {
  const { services } = context;
  const nicCache = new VmNicCache(5_000);
  const service = new NetworkService({
    helper: services.helper,
    instances: { list: () => context.listInstances() },
    engines: () => services.containers.engines(),
    nicCache,
  });
  /** After a change, VMs' interfaces are read again: a NIC attached a moment ago must show at once. */
  const changing =
    <I, O>(handler: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      try {
        return await handler(input);
      } finally {
        nicCache.clear();
      }
    };
  return {
    handlers: {
      'networks.list': () => service.list(),
      'networks.create': (input) => service.create(input),
      'networks.delete': changing((input) => service.remove(input)),
      'networks.start': async (input) => {
        await service.setActive(input, true);
        return {};
      },
      'networks.stop': async (input) => {
        await service.setActive(input, false);
        return {};
      },
      'networks.autostart': async ({ autostart, ...ref }) => {
        await service.setAutostart(ref, autostart);
        return {};
      },
      'networks.attach': changing(({ network, instance }) => service.attach(network, instance)),
      'networks.detach': changing(({ network, instance }) => service.detach(network, instance)),
    },
  };
}
