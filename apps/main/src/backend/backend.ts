import { type EventName, type EventPayload, events, type InstanceChange, type SourceId } from '@nova/core';
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
  publish<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): void;
}

/** What the backend uses of Nova's services. */
export type BackendServices = NovaServices;

export function createBackend(services: BackendServices): Backend {
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
  const handlers: ChannelHandlers = {
    'instances.list': () => services.instances.list(),
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
  const stop = () => {
    stopWatching?.();
    stopWatching = undefined;
    liveness.clear();
    each('onNoListener');
  };

  return {
    dispatch: createRouter(handlers),
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) each('onFirstListener');
      for (const change of liveness.values()) deliver([listener], 'instances.changed', change);
      stopWatching ??= services.watchInstances((change) => {
        const data = checked('instances.changed', change);
        if (data === undefined) return;
        if (data.source !== undefined && data.live !== undefined) liveness.set(data.source, data);
        deliver([...listeners], 'instances.changed', data);
      });
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) stop();
      };
    },
    publish,
    close() {
      if (listeners.size > 0) stop();
      listeners.clear();
      each('close');
      services.close();
    },
  };
}
