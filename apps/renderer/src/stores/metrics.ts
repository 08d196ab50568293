// Live load of instances and of the host, for every view that shows it (the overview's CPU and memory
// cells and sparklines, the detail pane's charts, the Metrics page).
//
// The backend samples and keeps the ring buffers; a view watches what it shows (metrics.watch), gets
// the buffers' contents, then deltas (metrics.samples), and renews its lease while it is shown. The
// overview's figures come from one shared 'all instances' watch, started by the first row that asks.
import {
  type MetricPointData,
  type MetricsSeries,
  type MetricsWatchInput,
  type MetricsWindow,
  NovaError,
} from '@nova/core';
import { useEffect, useState } from 'react';
import { create, useStore } from 'zustand';

import type { NovaClient } from '../api/client.js';

/** One instance's load now, and its recent CPU history for a sparkline (oldest first, one per second). */
export interface InstanceLoad {
  /** CPU use in percent of one host core (a VM with 2 busy vCPUs shows 200). */
  cpuPercent?: number;
  memoryBytes?: number;
  /** Recent CPU percentages, oldest first, at most 60. */
  cpuHistory: number[];
}

/** How many points a window's buffer holds in the renderer: the backend's tier for it. */
const WINDOW_POINTS: Record<MetricsWindow, number> = { '15m': 900, '1h': 360, '24h': 1_440 };

// ── one event subscription per client, handed out by subscription id ──

type SamplesHandler = (series: MetricsSeries[]) => void;
const hubs = new WeakMap<
  NovaClient,
  { handlers: Map<string, SamplesHandler>; off?: (() => void) | undefined }
>();

function onSamples(client: NovaClient, subscriptionId: string, handler: SamplesHandler): () => void {
  let hub = hubs.get(client);
  if (hub === undefined) {
    hub = { handlers: new Map() };
    hubs.set(client, hub);
  }
  const current = hub;
  current.handlers.set(subscriptionId, handler);
  current.off ??= client.on('metrics.samples', (payload) => {
    current.handlers.get(payload.subscriptionId)?.(payload.series);
  });
  return () => {
    current.handlers.delete(subscriptionId);
    if (current.handlers.size === 0) {
      current.off?.();
      current.off = undefined;
    }
  };
}

// ── one live watch ──

export interface MetricsView {
  /** Points per series ('host' or an instance id), oldest first. */
  series: ReadonlyMap<string, readonly MetricPointData[]>;
  /** The newest 1 s point of each series (for the coarse windows, newer than their last point). */
  latest: ReadonlyMap<string, MetricPointData>;
  /** Why there are no (new) figures, when the backend refused or did not answer. */
  error: string | undefined;
}

const EMPTY_VIEW: MetricsView = { series: new Map(), latest: new Map(), error: undefined };

export interface MetricsWatchOptions {
  /** How long to wait before asking again after a failure (ms). */
  retryMs?: number;
}

/**
 * Watches what `request` names until stop(): renews its lease, starts over when the backend ended it
 * (main restarted, the lease ran out while the machine slept), and keeps each series' points.
 */
export class MetricsWatch {
  readonly #client: NovaClient;
  readonly #request: MetricsWatchInput;
  readonly #onChange: (view: MetricsView) => void;
  readonly #retryMs: number;
  readonly #capacity: number;
  #series = new Map<string, MetricPointData[]>();
  #latest = new Map<string, MetricPointData>();
  #error: string | undefined;
  #subscriptionId: string | undefined;
  #offSamples: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    client: NovaClient,
    request: MetricsWatchInput,
    onChange: (view: MetricsView) => void,
    options: MetricsWatchOptions = {},
  ) {
    this.#client = client;
    this.#request = request;
    this.#onChange = onChange;
    this.#retryMs = options.retryMs ?? 2_000;
    this.#capacity = request.history ?? WINDOW_POINTS[request.window];
  }

  get subscriptionId(): string | undefined {
    return this.#subscriptionId;
  }

  start(): this {
    void this.#watch();
    return this;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#offSamples?.();
    this.#offSamples = undefined;
    const id = this.#subscriptionId;
    this.#subscriptionId = undefined;
    if (id !== undefined) this.#client.call('metrics.unwatch', { subscriptionId: id }).catch(() => undefined);
  }

  view(): MetricsView {
    return { series: this.#series, latest: this.#latest, error: this.#error };
  }

  async #watch(): Promise<void> {
    try {
      const reply = await this.#client.call('metrics.watch', this.#request);
      if (this.#stopped) {
        await this.#client.call('metrics.unwatch', { subscriptionId: reply.subscriptionId });
        return;
      }
      this.#subscriptionId = reply.subscriptionId;
      this.#error = undefined;
      this.#series = new Map();
      this.#merge(reply.series);
      this.#offSamples?.();
      this.#offSamples = onSamples(this.#client, reply.subscriptionId, (series) => {
        this.#merge(series);
      });
      this.#later(() => this.#renew(), Math.max(500, reply.leaseMs / 3));
    } catch (err) {
      this.#fail(err);
      this.#later(() => this.#watch(), this.#retryMs);
    }
  }

  async #renew(): Promise<void> {
    const id = this.#subscriptionId;
    if (id === undefined) return;
    try {
      const { leaseMs } = await this.#client.call('metrics.renew', { subscriptionId: id });
      this.#later(() => this.#renew(), Math.max(500, leaseMs / 3));
    } catch (err) {
      this.#offSamples?.();
      this.#offSamples = undefined;
      this.#subscriptionId = undefined;
      if (err instanceof NovaError && err.code === 'not-found') {
        await this.#watch();
        return;
      }
      this.#fail(err);
      this.#later(() => this.#watch(), this.#retryMs);
    }
  }

  #later(run: () => Promise<void>, ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void run(), ms);
  }

  #fail(err: unknown): void {
    this.#error = err instanceof Error ? err.message : String(err);
    this.#emit();
  }

  #merge(series: readonly MetricsSeries[]): void {
    if (this.#stopped) return;
    const next = new Map(this.#series);
    const latest = new Map(this.#latest);
    for (const entry of series) {
      const points = [...(next.get(entry.id) ?? [])];
      for (const point of entry.points) {
        const last = points.at(-1);
        if (last === undefined || point.t > last.t) points.push(point);
      }
      if (points.length > this.#capacity) points.splice(0, points.length - this.#capacity);
      next.set(entry.id, points);
      const newest = entry.latest ?? points.at(-1);
      if (newest !== undefined) latest.set(entry.id, newest);
    }
    this.#series = next;
    this.#latest = latest;
    this.#emit();
  }

  #emit(): void {
    if (!this.#stopped) this.#onChange(this.view());
  }
}

/**
 * Watches `request` (undefined: nothing) through `client` while the component is shown; re-renders on
 * every delta.
 */
export function useMetrics(request: MetricsWatchInput | undefined, client: NovaClient): MetricsView {
  const key = request === undefined ? '' : JSON.stringify(request);
  const [state, setState] = useState<{ key: string; view: MetricsView }>({ key, view: EMPTY_VIEW });
  useEffect(() => {
    if (key === '') return undefined;
    const watch = new MetricsWatch(client, JSON.parse(key) as MetricsWatchInput, (view) => {
      setState({ key, view });
    }).start();
    return () => {
      watch.stop();
    };
  }, [key, client]);
  // What another request's watch left is not this one's.
  return state.key === key ? state.view : EMPTY_VIEW;
}

// ── the overview's load of every running instance ──

/** How many seconds of CPU history a row's sparkline shows. */
const SPARKLINE_POINTS = 60;
/** An instance that sent no point for this long is not running: it has no load. */
const STALE_MS = 15_000;

export interface InstanceLoadsState {
  loads: Readonly<Record<string, InstanceLoad>>;
  /** One more view needs the loads; the returned function gives that back. */
  retain: () => () => void;
}

/** The loads of every running instance from one view of an 'all instances' watch. */
export function loadsFrom(view: MetricsView): Record<string, InstanceLoad> {
  let newest = 0;
  for (const point of view.latest.values()) newest = Math.max(newest, point.t);
  const loads: Record<string, InstanceLoad> = {};
  for (const [id, points] of view.series) {
    const last = view.latest.get(id) ?? points.at(-1);
    if (last === undefined || newest - last.t > STALE_MS) continue;
    const cpuHistory: number[] = [];
    for (const point of points.slice(-SPARKLINE_POINTS)) {
      if (point.cpuPercent !== undefined) cpuHistory.push(point.cpuPercent);
    }
    loads[id] = {
      cpuHistory,
      ...(last.cpuPercent === undefined ? {} : { cpuPercent: last.cpuPercent }),
      ...(last.memoryBytes === undefined ? {} : { memoryBytes: last.memoryBytes }),
    };
  }
  return loads;
}

export interface InstanceLoadsOptions {
  /** How long the watch outlives its last view (a page switch, React's double effects) (ms). */
  lingerMs?: number;
}

export function createInstanceLoadsStore(client: NovaClient, options: InstanceLoadsOptions = {}) {
  const lingerMs = options.lingerMs ?? 2_000;
  let users = 0;
  let watch: MetricsWatch | undefined;
  let linger: ReturnType<typeof setTimeout> | undefined;
  return create<InstanceLoadsState>()((set) => ({
    loads: {},
    retain: () => {
      users++;
      if (linger !== undefined) clearTimeout(linger);
      linger = undefined;
      watch ??= new MetricsWatch(
        client,
        { host: false, instances: 'all', window: '15m', history: SPARKLINE_POINTS },
        (view) => {
          set({ loads: loadsFrom(view) });
        },
      ).start();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        users--;
        if (users > 0) return;
        linger = setTimeout(() => {
          linger = undefined;
          if (users > 0) return;
          watch?.stop();
          watch = undefined;
          set({ loads: {} });
        }, lingerMs);
      };
    },
  }));
}

type InstanceLoadsStore = ReturnType<typeof createInstanceLoadsStore>;

// One loads store per client, shared by every row and view that asks through that client, so that they
// share one watch, which outlives a visit to another page by its linger time.
const loadsStores = new WeakMap<NovaClient, InstanceLoadsStore>();

function instanceLoadsStore(client: NovaClient): InstanceLoadsStore {
  let store = loadsStores.get(client);
  if (store === undefined) {
    store = createInstanceLoadsStore(client);
    loadsStores.set(client, store);
  }
  return store;
}

/** The load of one instance, or undefined while none is known (or it is not running). */
export function useInstanceLoad(client: NovaClient, instanceId: string): InstanceLoad | undefined {
  const store = instanceLoadsStore(client);
  const retain = useStore(store, (state) => state.retain);
  useEffect(() => retain(), [retain]);
  return useStore(store, (state) => state.loads[instanceId]);
}

/**
 * The loads of every running instance, for views that need them all at once (the overview sorting by
 * CPU or memory). Retains the shared watch only while `active`.
 */
export function useAllInstanceLoads(
  client: NovaClient,
  active: boolean,
): Readonly<Record<string, InstanceLoad>> {
  const store = instanceLoadsStore(client);
  const retain = useStore(store, (state) => state.retain);
  useEffect(() => (active ? retain() : undefined), [retain, active]);
  return useStore(store, (state) => state.loads);
}
