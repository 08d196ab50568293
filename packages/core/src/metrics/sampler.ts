// Samples the host and every running instance once a step for as many consumers as want it (windows,
// an exporter), and nothing at all while none does. VMs come in one call for all domains
// (GetAllDomainStats); containers from the engines' own stats streams, open only while needed.
import type { ContainerStats } from '../contract/container-types.js';
import type { DomainStats } from '../contract/helper-types.js';
import type { HostCounters } from './proc.js';
import { counterRate, cpuPercentFromNs } from './rates.js';
import { DEFAULT_TIERS, type MetricPoint, MetricSeries, type TierSpec } from './ring-buffer.js';

/** The series id of the host's own figures; instances use their instance id. */
export const HOST_SERIES = 'host';

/** Where the figures come from. Each part is optional: what is missing is not sampled. */
export interface MetricsSources {
  /** The host's counters (/proc). */
  readHost?: () => Promise<HostCounters>;
  /** Counters of every domain, in one call. */
  domainStats?: () => Promise<DomainStats[]>;
  /** Instance id (`vm/<uuid>`) by domain name. */
  vmIds?: () => Promise<Map<string, string>>;
  /** Live samples of every running container of every engine, until `signal` aborts. */
  streamContainerStats?: (onSample: (sample: ContainerStats) => void, signal: AbortSignal) => Promise<void>;
}

/** What one step added: its fine point per series, and the coarser points that step closed. */
export interface MetricsTick {
  t: number;
  points: Map<string, MetricPoint>;
  /** Tier index → series id → the average point that tier just closed. */
  closed: Map<number, Map<string, MetricPoint>>;
}

export interface MetricsSamplerOptions {
  tiers?: readonly TierSpec[];
  now?: () => number;
  /** A container whose last sample is older than this has stopped (ms). */
  staleMs?: number;
  /** At most this many series are kept; more instances are not sampled. */
  maxSeries?: number;
  /** The shortest time between two listings of the VMs' ids (ms). */
  vmIdRefreshMs?: number;
}

export interface MetricsUse {
  /** Whether this consumer wants instances too (false: only the host). */
  instances?: boolean;
}

interface DomainReading {
  at: number;
  stats: DomainStats;
}

interface ContainerReading {
  sample: ContainerStats;
  point: Omit<MetricPoint, 't'>;
  fresh: boolean;
  receivedAt: number;
}

export class MetricsSampler {
  readonly tiers: readonly TierSpec[];
  readonly #sources: MetricsSources;
  readonly #now: () => number;
  readonly #staleMs: number;
  readonly #maxSeries: number;
  readonly #vmIdRefreshMs: number;
  readonly #series = new Map<string, MetricSeries>();
  readonly #listeners = new Set<(tick: MetricsTick) => void>();
  #users = 0;
  #instanceUsers = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on each stop, so that a step still running then does not restart the old chain of timers. */
  #generation = 0;
  #busy = false;
  #streams: AbortController | undefined;
  #hostLast: { at: number; counters: HostCounters } | undefined;
  #domainLast = new Map<string, DomainReading>();
  #containers = new Map<string, ContainerReading>();
  #vmIds = new Map<string, string>();
  #vmIdsAt = Number.NEGATIVE_INFINITY;
  #vmIdsPending: Promise<void> | undefined;
  #ticks = 0;

  constructor(sources: MetricsSources, options: MetricsSamplerOptions = {}) {
    this.#sources = sources;
    this.tiers = options.tiers ?? DEFAULT_TIERS;
    this.#now = options.now ?? Date.now;
    this.#staleMs = options.staleMs ?? 15_000;
    this.#maxSeries = options.maxSeries ?? 5_000;
    this.#vmIdRefreshMs = options.vmIdRefreshMs ?? 10_000;
  }

  get stepMs(): number {
    return this.tiers[0]?.stepMs ?? 1000;
  }

  /** How many consumers use it now. */
  get users(): number {
    return this.#users;
  }

  /** Whether it samples on a timer now. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Whether the engines' stats streams are open now. */
  get streaming(): boolean {
    return this.#streams !== undefined;
  }

  /** How many steps it sampled since it was made. */
  get ticks(): number {
    return this.#ticks;
  }

  /**
   * One more consumer: the first one starts sampling, the first that wants instances opens the
   * engines' streams. The returned function gives it back (once; later calls do nothing).
   */
  acquire(use: MetricsUse = {}): () => void {
    const instances = use.instances ?? true;
    this.#users++;
    if (instances) this.#instanceUsers++;
    if (instances && this.#instanceUsers === 1) this.#startInstances();
    if (this.#users === 1) this.#schedule();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#users--;
      if (instances) this.#instanceUsers--;
      if (instances && this.#instanceUsers === 0) this.#stopInstances();
      if (this.#users === 0) this.#stop();
    };
  }

  /** Calls `listener` after every step until the returned function is called. */
  onTick(listener: (tick: MetricsTick) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  seriesIds(): string[] {
    return [...this.#series.keys()];
  }

  /** A series' points in one tier, oldest first (the newest `limit` when given). */
  points(id: string, tier: number, limit?: number): MetricPoint[] {
    return this.#series.get(id)?.points(tier, limit) ?? [];
  }

  /** Samples one step now (the timer calls it; tests call it directly). */
  async sample(): Promise<MetricsTick | undefined> {
    if (this.#busy) return undefined;
    this.#busy = true;
    try {
      return await this.#sampleStep();
    } finally {
      this.#busy = false;
    }
  }

  close(): void {
    this.#users = 0;
    this.#instanceUsers = 0;
    this.#stopInstances();
    this.#stop();
    this.#listeners.clear();
  }

  #schedule(): void {
    const step = this.stepMs;
    // On the step's boundary, so that every series' points share their timestamps.
    const wait = step - (this.#now() % step) + 5;
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      void this.sample().finally(() => {
        if (generation === this.#generation) this.#schedule();
      });
    }, wait);
  }

  #stop(): void {
    this.#generation++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#hostLast = undefined;
  }

  #startInstances(): void {
    const stream = this.#sources.streamContainerStats;
    this.#refreshVmIds(true);
    if (stream === undefined) return;
    const controller = new AbortController();
    this.#streams = controller;
    stream((sample) => {
      if (!controller.signal.aborted) this.#containerSample(sample);
    }, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        if (this.#streams === controller) this.#streams = undefined;
      });
  }

  #stopInstances(): void {
    this.#streams?.abort();
    this.#streams = undefined;
    this.#containers.clear();
    this.#domainLast.clear();
  }

  #refreshVmIds(force = false): void {
    const list = this.#sources.vmIds;
    if (list === undefined || this.#vmIdsPending !== undefined) return;
    if (!force && this.#now() - this.#vmIdsAt < this.#vmIdRefreshMs) return;
    this.#vmIdsAt = this.#now();
    this.#vmIdsPending = list()
      .then((ids) => {
        this.#vmIds = ids;
      })
      .catch(() => undefined)
      .finally(() => {
        this.#vmIdsPending = undefined;
      });
  }

  #containerSample(sample: ContainerStats): void {
    const id = `container/${sample.engine}/${sample.id}`;
    const previous = this.#containers.get(id)?.sample;
    const elapsed = previous === undefined ? 0 : sample.at - previous.at;
    const point: Omit<MetricPoint, 't'> = {
      cpuPercent: sample.cpuPercent,
      memoryBytes: sample.memoryBytes,
      ...(sample.memoryLimitBytes === undefined ? {} : { memoryTotalBytes: sample.memoryLimitBytes }),
    };
    const rates = {
      diskReadBps: counterRate(previous?.blockReadBytes, sample.blockReadBytes, elapsed),
      diskWriteBps: counterRate(previous?.blockWriteBytes, sample.blockWriteBytes, elapsed),
      netRxBps: counterRate(previous?.netRxBytes, sample.netRxBytes, elapsed),
      netTxBps: counterRate(previous?.netTxBytes, sample.netTxBytes, elapsed),
    };
    for (const [field, value] of Object.entries(rates)) {
      if (value !== undefined) point[field as keyof typeof rates] = value;
    }
    this.#containers.set(id, { sample, point, fresh: true, receivedAt: this.#now() });
  }

  async #sampleStep(): Promise<MetricsTick> {
    const now = this.#now();
    const t = Math.round(now / this.stepMs) * this.stepMs;
    const points = new Map<string, MetricPoint>();
    const wantInstances = this.#instanceUsers > 0;
    const [host, domains] = await Promise.all([
      this.#sources.readHost?.().catch(() => undefined),
      wantInstances ? this.#sources.domainStats?.().catch(() => undefined) : undefined,
    ]);
    const at = this.#now();

    if (host !== undefined) points.set(HOST_SERIES, { t, ...this.#hostPoint(at, host) });

    if (domains !== undefined) {
      const seen = new Set<string>();
      let unknown = false;
      for (const stats of domains) {
        if (stats.state !== 'running' && stats.state !== 'paused') continue;
        seen.add(stats.name);
        const previous = this.#domainLast.get(stats.name);
        this.#domainLast.set(stats.name, { at, stats });
        const id = this.#vmIds.get(stats.name);
        if (id === undefined) {
          unknown = true;
          continue;
        }
        points.set(id, { t, ...domainPoint(previous, { at, stats }) });
      }
      for (const name of this.#domainLast.keys()) if (!seen.has(name)) this.#domainLast.delete(name);
      if (unknown) this.#refreshVmIds();
    }

    if (wantInstances) {
      for (const [id, reading] of this.#containers) {
        if (now - reading.receivedAt > this.#staleMs) {
          this.#containers.delete(id);
          continue;
        }
        if (!reading.fresh) continue;
        reading.fresh = false;
        points.set(id, { t, ...reading.point });
      }
    }

    const closed = new Map<number, Map<string, MetricPoint>>();
    for (const [id, point] of points) {
      let series = this.#series.get(id);
      if (series === undefined) {
        if (this.#series.size >= this.#maxSeries) this.#prune(now);
        if (this.#series.size >= this.#maxSeries) continue;
        series = new MetricSeries(this.tiers);
        this.#series.set(id, series);
      }
      for (const [tier, average] of series.add(point)) {
        let byId = closed.get(tier);
        if (byId === undefined) closed.set(tier, (byId = new Map<string, MetricPoint>()));
        byId.set(id, average);
      }
    }
    if (this.#ticks % 60 === 0) this.#prune(now);
    this.#ticks++;

    const tick: MetricsTick = { t, points, closed };
    for (const listener of [...this.#listeners]) {
      try {
        listener(tick);
      } catch {
        // One consumer's failure must not starve the others.
      }
    }
    return tick;
  }

  #hostPoint(at: number, counters: HostCounters): Omit<MetricPoint, 't'> {
    const previous = this.#hostLast;
    this.#hostLast = { at, counters };
    const point: Omit<MetricPoint, 't'> = {
      memoryBytes: counters.memoryUsedBytes,
      memoryTotalBytes: counters.memoryTotalBytes,
    };
    if (previous === undefined) return point;
    const elapsed = at - previous.at;
    const before = previous.counters;
    const total = counters.cpuTotal - before.cpuTotal;
    if (total > 0)
      point.cpuPercent = Math.min(100, Math.max(0, ((counters.cpuBusy - before.cpuBusy) / total) * 100));
    const rates = {
      diskReadBps: counterRate(before.diskReadBytes, counters.diskReadBytes, elapsed),
      diskWriteBps: counterRate(before.diskWriteBytes, counters.diskWriteBytes, elapsed),
      netRxBps: counterRate(before.netRxBytes, counters.netRxBytes, elapsed),
      netTxBps: counterRate(before.netTxBytes, counters.netTxBytes, elapsed),
    };
    for (const [field, value] of Object.entries(rates)) {
      if (value !== undefined) point[field as keyof typeof rates] = value;
    }
    return point;
  }

  /** Drops series that got no point for longer than the coarsest tier shows. */
  #prune(now: number): void {
    const last = this.tiers[this.tiers.length - 1];
    const keepMs = last === undefined ? 0 : last.stepMs * last.capacity;
    for (const [id, series] of this.#series) {
      const lastT = series.lastT;
      if (lastT === undefined || now - lastT > keepMs) this.#series.delete(id);
    }
  }
}

/** A domain's point from two readings of its counters (the first reading gives memory only). */
export function domainPoint(
  previous: DomainReading | undefined,
  current: DomainReading,
): Omit<MetricPoint, 't'> {
  const { stats } = current;
  const point: Omit<MetricPoint, 't'> = {
    memoryBytes: stats.memoryUsedBytes ?? stats.memoryBytes,
    memoryTotalBytes: stats.memoryBytes,
  };
  if (previous === undefined) return point;
  const elapsed = current.at - previous.at;
  const before = previous.stats;
  const values = {
    cpuPercent: cpuPercentFromNs(before.cpuTimeNs, stats.cpuTimeNs, elapsed),
    diskReadBps: counterRate(before.diskReadBytes, stats.diskReadBytes, elapsed),
    diskWriteBps: counterRate(before.diskWriteBytes, stats.diskWriteBytes, elapsed),
    netRxBps: counterRate(before.netRxBytes, stats.netRxBytes, elapsed),
    netTxBps: counterRate(before.netTxBytes, stats.netTxBytes, elapsed),
  };
  for (const [field, value] of Object.entries(values)) {
    if (value !== undefined) point[field as keyof typeof values] = value;
  }
  return point;
}
