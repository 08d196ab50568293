// The backend side of the desktop app's topology (issue 5/7): handlers for the channels of
// packages/core/src/contract/features/topology.ts.
import type { TopologyGraph } from '@nova/core';
import { buildTopology, VmNicCache } from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './feature.js';

/**
 * Shares one run of `task` among everyone who asks while it runs. Someone who asks while a run is
 * under way may have been told of a change that run predates, so they get the next run, which starts
 * when this one ends and is shared by all who asked meanwhile: a burst of calls makes at most two runs.
 */
export function coalesced<T>(task: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const run = task().finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  };
  return () => {
    if (running === undefined) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}

export function topologyFeature(context: FeatureContext): BackendFeature<'topology.get'> {
  const { services } = context;
  const nicCache = new VmNicCache();
  const build = coalesced((): Promise<TopologyGraph> =>
    buildTopology({
      helper: services.helper,
      instances: services.instances,
      engines: () => services.containers.engines(),
      nicCache,
    }),
  );
  return { handlers: { 'topology.get': () => build() } };
}
