// The backend side of the desktop app's topology: handlers for the channels of
// packages/core/src/contract/features/topology.ts.
import type { TopologyGraph } from '@nova/core';
import { buildTopology, type NetworkChange, VmNicCache } from '@nova/core/node';

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

/** How long network changes are gathered before windows are told (a VM start brings a tap and a bridge change). */
const NETWORK_QUIET_MS = 100;

export function topologyFeature(
  context: FeatureContext,
  options: { quietMs?: number } = {},
): BackendFeature<'topology.get'> {
  const { services } = context;
  const quietMs = options.quietMs ?? NETWORK_QUIET_MS;
  const nicCache = new VmNicCache();
  let stopWatching: (() => void) | undefined;
  let pending: NetworkChange | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    const change = pending;
    pending = undefined;
    if (change !== undefined)
      context.publish('topology.changed', { source: change.source, name: change.name, event: change.event });
  };
  const stop = () => {
    stopWatching?.();
    stopWatching = undefined;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    pending = undefined;
  };
  const onNetworkChange = (change: NetworkChange) => {
    // A NIC may have been added to or taken from a running VM (its state did not change): read them again.
    nicCache.clear();
    pending = change;
    timer ??= setTimeout(flush, quietMs);
  };
  const build = coalesced((): Promise<TopologyGraph> =>
    buildTopology({
      helper: services.helper,
      instances: { list: () => context.listInstances() },
      engines: () => services.containers.engines(),
      nicCache,
    }),
  );
  return {
    handlers: { 'topology.get': () => build() },
    onFirstListener() {
      stopWatching ??= services.watchNetworks(onNetworkChange);
    },
    onNoListener: stop,
    close: stop,
  };
}
