import {
  type EventName,
  type EventPayload,
  events,
  type InstanceChange,
  type InstanceList,
  type SourceId,
} from '@nova/core';
import type { NovaServices } from '@nova/core/node';

import { backendExporter } from './exporter.js';
import type { BackendFeature, FeatureContext } from './features/feature.js';
import { metricsFeature } from './features/metrics.js';
import { networksFeature } from './features/networks.js';
import { overviewFeature } from './features/overview.js';
import { supportFeature } from './features/support.js';
import { templatesFeature } from './features/templates.js';
import { topologyFeature } from './features/topology.js';
import { wizardFeature } from './features/wizard.js';
import { type ChannelHandlers, createRouter, type Dispatch } from './router.js';

/** How long after a change the backend reads the list again by itself (a burst's changes come together). */
const RELIST_AFTER_MS = 200;

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
const LINGER_MS = 30_000;

export function createBackend(services: BackendServices, options: BackendOptions = {}): Backend {
  const lingerMs = options.lingerMs ?? LINGER_MS;
  const listeners = new Set<EventListener>();
  const context: FeatureContext = {
    services,
    publish: (event, payload) => {
      publish(event, payload);
    },
    listenerCount: () => listeners.size,
    listInstances: () => listInstances(),
  };
  const overview = overviewFeature(context);
  const exporter = backendExporter(context);
  const metrics = metricsFeature(context, exporter.metricsOptions);
  const topology = topologyFeature(context);
  const support = supportFeature(context);
  const networks = networksFeature(context);
  const wizard = wizardFeature(context);
  const templates = templatesFeature(context);
  const features: Omit<BackendFeature<never>, 'handlers'>[] = [overview, metrics, topology, exporter];
  // The last list, and the sources that changed since it was read. While every change is followed, a
  // list no change touched is answered as it is; after changes, only the sources that changed are
  // asked again (a burst of container events does not make libvirt list a thousand domains again);
  // a change of state only (a pause, a resume) is patched in (the window patches its row and does not
  // list again). A change that names no source drops the list.
  let cached: InstanceList | undefined;
  let changed = new Set<SourceId>();
  let generation = 0;
  let forgottenAt = 0;
  let listing: Promise<InstanceList> | undefined;
  const listInstances = (): Promise<InstanceList> => {
    if (cached !== undefined && changed.size === 0) return Promise.resolve(cached);
    listing ??= (async () => {
      const since = generation;
      const watching = stopWatching !== undefined;
      const base = watching ? cached : undefined;
      try {
        const list = await services.instances.list(
          base === undefined ? {} : { reuse: { list: base, changed: new Set(changed) } },
        );
        if (watching && stopWatching !== undefined && forgottenAt <= since) {
          cached = list;
          // A change while it was read may postdate what it read: its source stays to be asked again.
          if (since === generation) changed = new Set();
        }
        return list;
      } finally {
        listing = undefined;
      }
    })();
    return listing;
  };
  const forget = () => {
    if (soon !== undefined) clearTimeout(soon);
    soon = undefined;
    generation++;
    forgottenAt = generation;
    cached = undefined;
    changed = new Set();
  };
  const learn = (change: InstanceChange) => {
    const { instanceId, state, source } = change;
    const list = cached;
    if (source === undefined) {
      forget();
      if (stopWatching !== undefined) readSoon();
      return;
    }
    generation++;
    if (change.stateOnly === true && instanceId !== undefined && state !== undefined && list !== undefined) {
      cached = {
        ...list,
        instances: list.instances.map((instance) =>
          instance.id === instanceId ? { ...instance, state } : instance,
        ),
      };
      // A listing under way may have read the instance before the change: its source is asked again.
      if (listing !== undefined) changed.add(source);
      return;
    }
    changed.add(source);
    readSoon();
  };
  // After a burst of changes the list is read again at once, windows or not, so that a page opened
  // next (a reload) finds it ready.
  let soon: ReturnType<typeof setTimeout> | undefined;
  const readSoon = () => {
    if (soon !== undefined) return;
    soon = setTimeout(() => {
      soon = undefined;
      if (stopWatching !== undefined) listInstances().catch(() => undefined);
    }, RELIST_AFTER_MS);
  };
  const handlers: ChannelHandlers = {
    'instances.list': listInstances,
    'system.version': () => services.version(),
    ...overview.handlers,
    ...metrics.handlers,
    ...topology.handlers,
    ...support.handlers,
    ...networks.handlers,
    ...wizard.handlers,
    ...templates.handlers,
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
