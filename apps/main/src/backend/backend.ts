import {
  type EventName,
  type EventPayload,
  events,
  type InstanceChange,
  type InstanceList,
  type SourceId,
} from '@nova/core';
import type { NovaServices } from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './features/feature.js';
import { metricsFeature } from './features/metrics.js';
import { overviewFeature } from './features/overview.js';
import { topologyFeature } from './features/topology.js';
import { type ChannelHandlers, createRouter, type Dispatch } from './router.js';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Main's backend: the contract's channels bound to Nova's managers, plus one stream of events. */
export interface Backend {
  dispatch: Dispatch;
  /** The first listener starts following the engines and libvirt; the last one to leave stops it. */
  subscribe(listener: EventListener): () => void;
  /**
   * Starts following changes and lists once, as if a window had just left, so that the first window
   * (opened while the app starts, or a browser a little later) lists at once. Stops after `forMs`
   * (the linger time by default) unless a window came.
   */
  warm(forMs?: number): void;
  publish<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): void;
}

/** What the backend uses of Nova's services. */
export type BackendServices = NovaServices;

export interface BackendOptions {
  /**
   * How long the backend keeps following changes (and so its list of instances stays trusted) after
   * the last window left: a reload or a new window within this time lists at once.
   */
  lingerMs?: number;
}

/** The default of BackendOptions.lingerMs. */
export const LINGER_MS = 30_000;

export function createBackend(services: BackendServices, options: BackendOptions = {}): Backend {
  const lingerMs = options.lingerMs ?? LINGER_MS;
  const listeners = new Set<EventListener>();
  const context: FeatureContext = {
    services,
    publish: (event, payload) => {
      publish(event, payload);
    },
    listenerCount: () => listeners.size,
  };
  const overview = overviewFeature(context);
  const metrics = metricsFeature(context);
  const topology = topologyFeature(context);
  const features: Omit<BackendFeature<never>, 'handlers'>[] = [overview, metrics, topology];
  // The last full list, trusted while every change is followed: no change since it was read, and the
  // watch running all along. A change drops it (the window lists again after a change anyway), but for
  // a change of state only, which is patched in (the window patches its row and does not list again).
  let cached: InstanceList | undefined;
  let generation = 0;
  let listing: Promise<InstanceList> | undefined;
  const listInstances = (): Promise<InstanceList> => {
    if (cached !== undefined) return Promise.resolve(cached);
    listing ??= (async () => {
      const since = generation;
      const watching = stopWatching !== undefined;
      try {
        const list = await services.instances.list();
        if (watching && stopWatching !== undefined && since === generation) cached = list;
        return list;
      } finally {
        listing = undefined;
      }
    })();
    return listing;
  };
  const forget = () => {
    generation++;
    cached = undefined;
  };
  /** A change of one instance's state and nothing else (a pause, a resume) is patched into the last list. */
  const learn = (change: InstanceChange) => {
    const { instanceId, state } = change;
    const list = cached;
    if (change.stateOnly !== true || instanceId === undefined || state === undefined || list === undefined) {
      forget();
      return;
    }
    // A listing under way may have read the instance before the change: it must not be kept.
    generation++;
    cached = {
      ...list,
      instances: list.instances.map((instance) =>
        instance.id === instanceId ? { ...instance, state } : instance,
      ),
    };
  };
  const handlers: ChannelHandlers = {
    'instances.list': listInstances,
    'system.version': () => services.version(),
    ...overview.handlers,
    ...metrics.handlers,
    ...topology.handlers,
  };
  const each = (hook: 'onFirstListener' | 'onNoListener' | 'close') => {
    for (const feature of features) {
      try {
        feature[hook]?.();
      } catch {
        // One feature's failure must not keep the others from starting or stopping.
      }
    }
  };
  let stopWatching: (() => void) | undefined;
  let linger: ReturnType<typeof setTimeout> | undefined;
  // The latest word on each source's liveness, for a window that connects after the sources did.
  const liveness = new Map<SourceId, InstanceChange>();

  const deliver = <E extends EventName>(to: Iterable<EventListener>, event: E, payload: EventPayload<E>) => {
    for (const listener of to) {
      try {
        listener(event, payload);
      } catch {
        // One broken window or socket must not keep the event from the others.
      }
    }
  };
  // Only what the contract declares leaves main: unknown fields are dropped, a bad payload is not sent.
  const checked = <E extends EventName>(event: E, payload: EventPayload<E>): EventPayload<E> | undefined => {
    const parsed = events[event].safeParse(payload);
    return parsed.success ? (parsed.data as EventPayload<E>) : undefined;
  };
  const publish = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    const data = checked(event, payload);
    if (data !== undefined) deliver([...listeners], event, data);
  };
  const stopFollowing = () => {
    if (linger !== undefined) clearTimeout(linger);
    linger = undefined;
    stopWatching?.();
    stopWatching = undefined;
    liveness.clear();
    forget();
  };

  const follow = () => {
    stopWatching ??= services.watchInstances((change) => {
      learn(change);
      const data = checked('instances.changed', change);
      if (data === undefined) return;
      if (data.source !== undefined && data.live !== undefined) liveness.set(data.source, data);
      deliver([...listeners], 'instances.changed', data);
    });
  };

  return {
    dispatch: createRouter(handlers),
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) each('onFirstListener');
      if (linger !== undefined) clearTimeout(linger);
      linger = undefined;
      for (const change of liveness.values()) deliver([listener], 'instances.changed', change);
      follow();
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        // What runs only for windows stops now; following changes lingers for a reload.
        each('onNoListener');
        if (lingerMs <= 0) stopFollowing();
        else linger = setTimeout(stopFollowing, lingerMs);
      };
    },
    warm(forMs = lingerMs) {
      if (listeners.size > 0 || stopWatching !== undefined || forMs <= 0) return;
      follow();
      listInstances().catch(() => undefined);
      linger = setTimeout(stopFollowing, forMs);
    },
    publish,
    close() {
      if (listeners.size > 0) each('onNoListener');
      stopFollowing();
      listeners.clear();
      each('close');
      services.close();
    },
  };
}
