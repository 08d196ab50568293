// Nova's Prometheus exporter: the metrics sampler's readings (one GetAllDomainStats call for every
// domain, the engines' stats streams, /proc) and, once per interval, the instance list, the helper's
// status and the NovaFile's drift, kept in memory. A scrape only reads what is kept: it never calls a
// backend, however often Prometheus asks.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { ContainerManager } from '../containers/container-manager.js';
import type { ContainerStats } from '../contract/container-types.js';
import type { DomainStats } from '../contract/helper-types.js';
import { isPolkitUnreachable } from '../dbus/polkit.js';
import type { HostCounters } from '../metrics/proc.js';
import { MetricsSampler, type MetricsSources } from '../metrics/sampler.js';
import { metricsSources } from '../metrics/sources.js';
import { type Instance, type InstanceChange, type InstanceList, InstanceState } from '../model/instance.js';
import { type HelperCall, type NovaFileDeps, planNovaFile } from '../novafile/novafile-service.js';
import { parseDomainNics, type VmNic } from '../topology/topology-graph.js';
import { mapBounded } from '../util/semaphore.js';
import { NOVA_VERSION } from '../version.js';
import type { ExporterConfig, InstanceLabel } from './config.js';

/** What the exporter reads from; NovaServices has all of it. */
export interface ExporterDeps {
  instances: { list(): Promise<InstanceList> };
  helper: HelperCall;
  containers: Pick<ContainerManager, 'engines'>;
  /** For the NovaFile's drift (only when the config names a NovaFile). */
  novaFile?: NovaFileDeps;
  /** Pushed instance changes, so that a start and stop between two intervals still counts. */
  watchInstances?: (listener: (change: InstanceChange) => void) => () => void;
  /** The sampler's sources; the host's real ones (metricsSources) when absent. */
  sources?: MetricsSources;
}

export interface ExporterOptions {
  /**
   * Makes the sampler from the exporter's sources (which record what passes through them), so that a
   * process that already samples for its windows shares one sampler with the exporter.
   */
  makeSampler?: (sources: MetricsSources) => MetricsSampler;
  now?: () => number;
}

/** Linux reports /proc/stat CPU times in USER_HZ ticks, 100 a second on every architecture it runs. */
const USER_HZ = 100;

const STATES = InstanceState.options;

/** Labels of one instance's series, in the order of the config's allow-list. */
type LabelValues = Record<string, string>;

interface ContainerReading {
  sample: ContainerStats;
  /** CPU time integrated from the engine's per-interval percentages (engines report no total). */
  cpuSeconds: number;
}

interface DriftReading {
  ok: boolean;
  resources?: number;
  at: number;
}

export class NovaExporter {
  /** The exporter's own figures (calls, scrapes, process), rendered at each scrape. */
  readonly registry = new Registry();
  /** What the sampling found, rendered once per change of it: most scrapes reuse the last text. */
  readonly #dataRegistry = new Registry();
  #version = 0;
  #rendered: { version: number; text: string } | undefined;
  #labelCache: { version: number; byId: Map<string, { labels: LabelValues; key: string }> } = {
    version: -1,
    byId: new Map(),
  };
  readonly config: ExporterConfig;
  readonly sampler: MetricsSampler;
  readonly #deps: ExporterDeps;
  readonly #now: () => number;
  readonly #labels: readonly InstanceLabel[];

  // What the sampling keeps; scrapes read only these.
  #host: HostCounters | undefined;
  #domains = new Map<string, DomainStats>();
  #containers = new Map<string, ContainerReading>();
  #list: InstanceList | undefined;
  #states = new Map<string, Instance['state']>();
  #stateChanges = new Map<string, number>();
  #vmNics = new Map<string, { state: string; networks: string[] }>();
  #containerNetworks = new Map<string, string[]>();
  #helperUp: boolean | undefined;
  /** From the helper's answer: false when it could not authorize because polkit does not answer. */
  #polkitUp: boolean | undefined;
  #drift: DriftReading | undefined;
  #lastRefresh = Number.NEGATIVE_INFINITY;
  #lastDrift = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;
  #drifting: Promise<void> | undefined;
  #backendCalls = 0;
  #scrapes = 0;
  #release: (() => void) | undefined;
  #stopTicks: (() => void) | undefined;
  #stopWatch: (() => void) | undefined;
  #closed = false;

  readonly #requests: Counter<'backend' | 'operation' | 'outcome'>;
  readonly #requestSeconds: Histogram<'backend' | 'operation'>;
  readonly #scrapeSeconds: Histogram;
  readonly #httpRequests: Counter<'handler' | 'code'>;

  constructor(deps: ExporterDeps, config: ExporterConfig, options: ExporterOptions = {}) {
    this.#deps = deps;
    this.config = config;
    this.#now = options.now ?? Date.now;
    this.#labels = config.labels;
    const sources = this.#tap(
      deps.sources ??
        metricsSources({ helper: deps.helper, containers: deps.containers as ContainerManager }),
    );
    this.sampler =
      options.makeSampler?.(sources) ??
      new MetricsSampler(sources, {
        tiers: [{ stepMs: config.intervalMs, capacity: 2 }],
        vmIdRefreshMs: config.intervalMs,
        staleMs: Math.max(15_000, 3 * config.intervalMs),
      });

    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'nova_backend_requests_total',
      help: 'Calls Nova made to its backends (helper, libvirt, engines, /proc) while sampling, by outcome.',
      labelNames: ['backend', 'operation', 'outcome'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: 'nova_backend_request_duration_seconds',
      help: 'How long the calls to backends took.',
      labelNames: ['backend', 'operation'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#scrapeSeconds = new Histogram({
      name: 'nova_scrape_duration_seconds',
      help: 'How long rendering /metrics took (from memory: a scrape calls no backend).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.#httpRequests = new Counter({
      name: 'nova_http_requests_total',
      help: 'HTTP requests the exporter answered, by handler and status code.',
      labelNames: ['handler', 'code'],
      registers,
    });
    this.#defineCollected();
    collectDefaultMetrics({ register: this.registry });
  }

  /** How many backend calls the sampling made so far (a scrape makes none). */
  get backendCalls(): number {
    return this.#backendCalls;
  }

  get scrapes(): number {
    return this.#scrapes;
  }

  /** Starts sampling: the instance list at once, then on every interval. */
  start(): void {
    if (this.#release !== undefined || this.#closed) return;
    this.#stopTicks = this.sampler.onTick(() => {
      this.#version++;
      this.#maybeRefresh();
    });
    this.#release = this.sampler.acquire({ instances: true });
    this.#stopWatch = this.#deps.watchInstances?.((change) => {
      this.#onChange(change);
    });
    this.#maybeRefresh();
  }

  /** Waits for the refresh and drift check under way (the first ones after start; after close). */
  async settled(): Promise<void> {
    await this.#refreshing;
    await this.#drifting;
  }

  /** Refreshes the instance list, health and drift now (tests; the interval does it otherwise). */
  async refresh(): Promise<void> {
    this.#lastRefresh = Number.NEGATIVE_INFINITY;
    this.#lastDrift = Number.NEGATIVE_INFINITY;
    this.#maybeRefresh();
    await this.settled();
  }

  /** The Prometheus text of every metric, from memory. */
  async render(): Promise<string> {
    const started = process.hrtime.bigint();
    let rendered = this.#rendered;
    if (rendered?.version !== this.#version) {
      const version = this.#version;
      rendered = { version, text: await this.#dataRegistry.metrics() };
      this.#rendered = rendered;
    }
    const own = await this.registry.metrics();
    this.#scrapes++;
    this.#scrapeSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return `${rendered.text}\n${own}`;
  }

  /** Counts one HTTP request (the server calls it). */
  countRequest(handler: string, code: number): void {
    this.#httpRequests.inc({ handler, code: String(code) });
  }

  close(): void {
    this.#closed = true;
    this.#stopWatch?.();
    this.#stopTicks?.();
    this.#release?.();
    this.#release = undefined;
  }

  // ── sampling ──

  async #timed<T>(backend: string, operation: string, call: () => Promise<T>): Promise<T> {
    // Closed: no new call, which could open a connection again after the services were closed.
    if (this.#closed) throw new Error('the exporter is closed');
    this.#backendCalls++;
    const started = process.hrtime.bigint();
    try {
      const value = await call();
      this.#requests.inc({ backend, operation, outcome: 'ok' });
      return value;
    } catch (err) {
      this.#requests.inc({ backend, operation, outcome: 'error' });
      throw err;
    } finally {
      this.#requestSeconds.observe({ backend, operation }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** The sampler's sources, recording every reading that passes through them. */
  #tap(sources: MetricsSources): MetricsSources {
    const tapped: MetricsSources = {};
    const { readHost, domainStats, vmIds, streamContainerStats } = sources;
    if (readHost !== undefined) {
      tapped.readHost = async () => {
        const counters = await this.#timed('proc', 'read_host', readHost);
        this.#host = counters;
        return counters;
      };
    }
    if (domainStats !== undefined) {
      tapped.domainStats = async () => {
        const stats = await this.#timed('libvirt', 'get_all_domain_stats', domainStats);
        this.#domains = new Map(stats.map((s) => [s.name, s]));
        return stats;
      };
    }
    if (vmIds !== undefined) tapped.vmIds = () => this.#timed('libvirt', 'list_domains', vmIds);
    if (streamContainerStats !== undefined) {
      // A stream lasts as long as the sampling: counted when it ends, its lifetime is no latency.
      tapped.streamContainerStats = async (onSample, signal) => {
        if (this.#closed) return;
        this.#backendCalls++;
        let outcome = 'ok';
        try {
          await streamContainerStats((sample) => {
            this.#containerSample(sample);
            onSample(sample);
          }, signal);
        } catch (err) {
          outcome = 'error';
          throw err;
        } finally {
          this.#requests.inc({ backend: 'engines', operation: 'stats_stream', outcome });
        }
      };
    }
    return tapped;
  }

  #containerSample(sample: ContainerStats): void {
    const id = `container/${sample.engine}/${sample.id}`;
    const previous = this.#containers.get(id);
    let cpuSeconds = previous?.cpuSeconds ?? 0;
    if (previous !== undefined && sample.at > previous.sample.at) {
      cpuSeconds += (sample.cpuPercent / 100) * ((sample.at - previous.sample.at) / 1000);
    }
    this.#containers.set(id, { sample, cpuSeconds });
  }

  #maybeRefresh(): void {
    if (this.#closed) return;
    const now = this.#now();
    // A little slack: ticks come on step boundaries, a few ms either side of a whole interval.
    if (this.#refreshing === undefined && now - this.#lastRefresh >= this.config.intervalMs - 250) {
      this.#lastRefresh = now;
      this.#refreshing = this.#refresh().finally(() => {
        this.#refreshing = undefined;
      });
    }
    const file = this.config.novafile;
    const novaFile = this.#deps.novaFile;
    if (
      file !== undefined &&
      novaFile !== undefined &&
      this.#drifting === undefined &&
      now - this.#lastDrift >= this.config.novafileIntervalMs - 250
    ) {
      this.#lastDrift = now;
      this.#drifting = this.#checkDrift(novaFile, file).finally(() => {
        this.#drifting = undefined;
      });
    }
  }

  async #refresh(): Promise<void> {
    const [list, status] = await Promise.all([
      this.#timed('nova', 'list_instances', () => this.#deps.instances.list()).catch(() => undefined),
      this.#timed('helper', 'get_status', () => this.#deps.helper('GetStatus', {})).then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      this.#readContainerNetworks(),
    ]);
    const polkitDown = !status.ok && isPolkitUnreachable(status.error);
    // The helper answered even when it could not authorize the call: polkit is what is down then.
    this.#helperUp = status.ok || polkitDown;
    this.#polkitUp = status.ok ? true : polkitDown ? false : undefined;
    this.#version++;
    if (list === undefined) return;
    this.#list = list;
    const ids = new Set<string>();
    for (const instance of list.instances) {
      ids.add(instance.id);
      this.#setState(instance.id, instance.state);
    }
    for (const id of this.#states.keys()) if (!ids.has(id)) this.#states.delete(id);
    for (const id of this.#stateChanges.keys()) if (!ids.has(id)) this.#stateChanges.delete(id);
    for (const id of this.#containers.keys()) if (!ids.has(id)) this.#containers.delete(id);
    if (this.#labels.includes('network')) await this.#readVmNetworks(list.instances);
    this.#version++;
  }

  #setState(id: string, state: Instance['state']): void {
    const before = this.#states.get(id);
    if (before !== undefined && before !== state)
      this.#stateChanges.set(id, (this.#stateChanges.get(id) ?? 0) + 1);
    else if (!this.#stateChanges.has(id)) this.#stateChanges.set(id, 0);
    this.#states.set(id, state);
  }

  #onChange(change: InstanceChange): void {
    if (change.instanceId === undefined || change.state === undefined) return;
    if (!this.#states.has(change.instanceId)) return;
    this.#setState(change.instanceId, change.state);
    this.#version++;
  }

  /** The libvirt networks of running VMs, asked again only when a VM's state changed. */
  async #readVmNetworks(instances: Instance[]): Promise<void> {
    const vms = instances.filter((i) => i.kind === 'vm' && (i.state === 'running' || i.state === 'paused'));
    const running = new Set(vms.map((vm) => vm.id));
    for (const id of this.#vmNics.keys()) if (!running.has(id)) this.#vmNics.delete(id);
    const unknown = vms.filter((vm) => this.#vmNics.get(vm.id)?.state !== vm.state);
    await mapBounded(unknown, 8, async (vm) => {
      try {
        const { xml } = await this.#timed('libvirt', 'get_domain_xml', () =>
          this.#deps.helper('GetDomainXml', { name: vm.name, inactive: false }),
        );
        this.#vmNics.set(vm.id, { state: vm.state, networks: nicNetworks(parseDomainNics(xml)) });
      } catch {
        // Without its XML the VM is still exported, with an empty network label.
      }
    });
  }

  async #readContainerNetworks(): Promise<void> {
    if (!this.#labels.includes('network')) return;
    try {
      const { engines } = await this.#timed('engines', 'list_engines', () => this.#deps.containers.engines());
      const byContainer = new Map<string, string[]>();
      await Promise.all(
        engines.map(async (engine) => {
          const networks = await this.#timed(engine.engine, 'list_networks', () =>
            engine.listNetworks(),
          ).catch(() => []);
          for (const network of networks) {
            for (const name of network.containers) {
              const key = `${engine.engine}/${name}`;
              byContainer.set(key, [...(byContainer.get(key) ?? []), network.name]);
            }
          }
        }),
      );
      this.#containerNetworks = byContainer;
    } catch {
      // Keep the last known networks.
    }
  }

  async #checkDrift(deps: NovaFileDeps, file: string): Promise<void> {
    await this.#plan(deps, file);
    this.#version++;
  }

  async #plan(deps: NovaFileDeps, file: string): Promise<void> {
    try {
      const outcome = await this.#timed('nova', 'plan_novafile', () =>
        planNovaFile(deps, file, { prune: false }),
      );
      if (!outcome.ok || outcome.errors.length > 0) {
        this.#drift = { ok: false, at: this.#now() };
        return;
      }
      const resources = new Set(outcome.plan.steps.map((step) => `${step.kind}/${step.name}`));
      this.#drift = { ok: true, resources: resources.size, at: this.#now() };
    } catch {
      this.#drift = { ok: false, at: this.#now() };
    }
  }

  // ── what a scrape reads ──

  #labelsOf(instance: Instance): LabelValues {
    const values: Record<InstanceLabel, () => string> = {
      id: () => instance.id,
      name: () => instance.name,
      kind: () => instance.kind,
      engine: () => (instance.kind === 'vm' ? 'libvirt' : instance.engine),
      network: () => {
        const networks =
          instance.kind === 'vm'
            ? this.#vmNics.get(instance.id)?.networks
            : this.#containerNetworks.get(`${instance.engine}/${instance.name}`);
        return [...new Set(networks ?? [])].sort().join(',');
      },
      origin: () => instance.origin,
    };
    const labels: LabelValues = {};
    for (const label of this.#labels) labels[label] = values[label]();
    return labels;
  }

  /** Each instance's labels with a value; series that the allow-list makes equal are summed. */
  #perInstance(
    read: (instance: Instance) => number | undefined,
  ): Map<string, { labels: LabelValues; value: number }> {
    const out = new Map<string, { labels: LabelValues; value: number }>();
    if (this.#labelCache.version !== this.#version)
      this.#labelCache = { version: this.#version, byId: new Map() };
    const cache = this.#labelCache.byId;
    for (const instance of this.#list?.instances ?? []) {
      const value = read(instance);
      if (value === undefined || !Number.isFinite(value)) continue;
      let cached = cache.get(instance.id);
      if (cached === undefined) {
        const computed = this.#labelsOf(instance);
        cached = { labels: computed, key: JSON.stringify(computed) };
        cache.set(instance.id, cached);
      }
      const { labels, key } = cached;
      const entry = out.get(key);
      if (entry === undefined) out.set(key, { labels, value });
      else entry.value += value;
    }
    return out;
  }

  /** A running instance's figures: its domain's counters, or its container's last sample. */
  #usage(instance: Instance): UsageReading | undefined {
    if (instance.kind === 'vm') {
      const stats = this.#domains.get(instance.name);
      if (stats === undefined) return undefined;
      return {
        cpuSeconds: stats.cpuTimeNs / 1e9,
        memoryBytes: stats.memoryUsedBytes ?? stats.memoryBytes,
        memoryLimitBytes: stats.memoryBytes,
        diskReadBytes: stats.diskReadBytes,
        diskWriteBytes: stats.diskWriteBytes,
        netRxBytes: stats.netRxBytes,
        netTxBytes: stats.netTxBytes,
      };
    }
    const reading = this.#containers.get(instance.id);
    if (reading === undefined) return undefined;
    const { sample } = reading;
    return {
      cpuSeconds: reading.cpuSeconds,
      memoryBytes: sample.memoryBytes,
      memoryLimitBytes: sample.memoryLimitBytes,
      diskReadBytes: sample.blockReadBytes,
      diskWriteBytes: sample.blockWriteBytes,
      netRxBytes: sample.netRxBytes,
      netTxBytes: sample.netTxBytes,
    };
  }

  #defineCollected(): void {
    const registers = [this.#dataRegistry];
    type Fill = (emit: (labels: LabelValues, value: number) => void) => void;
    // Every collected metric is rebuilt from memory when what was sampled changed: reset, then filled anew.
    const gauge = (name: string, help: string, labelNames: string[], fill: Fill) => {
      const metric: Gauge = new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect: () => {
          metric.reset();
          fill((labels, value) => {
            metric.set(labels, value);
          });
        },
      });
    };
    const counter = (name: string, help: string, labelNames: string[], fill: Fill) => {
      const metric: Counter = new Counter({
        name,
        help,
        labelNames,
        registers,
        collect: () => {
          metric.reset();
          fill((labels, value) => {
            metric.inc(labels, Math.max(0, value));
          });
        },
      });
    };
    const instanceLabels = [...this.#labels];
    const usageFill =
      (read: (usage: UsageReading) => number | undefined): Fill =>
      (emit) => {
        const values = this.#perInstance((instance) => {
          const usage = this.#usage(instance);
          return usage === undefined ? undefined : read(usage);
        });
        for (const { labels, value } of values.values()) emit(labels, value);
      };

    // ── per instance ──
    gauge(
      'nova_instance_state',
      'An instance’s state: 1 for the state it is in, 0 for the others.',
      [...instanceLabels, 'state'],
      (emit) => {
        for (const state of STATES) {
          const values = this.#perInstance((instance) =>
            (this.#states.get(instance.id) ?? instance.state) === state ? 1 : 0,
          );
          for (const { labels, value } of values.values()) emit({ ...labels, state }, Math.min(1, value));
        }
      },
    );
    counter(
      'nova_instance_state_changes_total',
      'How often an instance’s state changed since the exporter started (flapping shows here).',
      instanceLabels,
      (emit) => {
        for (const { labels, value } of this.#perInstance((i) => this.#stateChanges.get(i.id) ?? 0).values())
          emit(labels, value);
      },
    );
    counter(
      'nova_instance_cpu_seconds_total',
      'CPU time the instance used (a VM’s since it started; a container’s since the exporter first saw it).',
      instanceLabels,
      usageFill((u) => u.cpuSeconds),
    );
    gauge(
      'nova_instance_memory_bytes',
      'Memory the instance uses now.',
      instanceLabels,
      usageFill((u) => u.memoryBytes),
    );
    gauge(
      'nova_instance_memory_limit_bytes',
      'Memory the instance may use (a VM’s size, a container’s limit).',
      instanceLabels,
      usageFill((u) => u.memoryLimitBytes),
    );
    counter(
      'nova_instance_disk_read_bytes_total',
      'Bytes the instance read from its disks.',
      instanceLabels,
      usageFill((u) => u.diskReadBytes),
    );
    counter(
      'nova_instance_disk_written_bytes_total',
      'Bytes the instance wrote to its disks.',
      instanceLabels,
      usageFill((u) => u.diskWriteBytes),
    );
    counter(
      'nova_instance_network_receive_bytes_total',
      'Bytes the instance received on its network interfaces.',
      instanceLabels,
      usageFill((u) => u.netRxBytes),
    );
    counter(
      'nova_instance_network_transmit_bytes_total',
      'Bytes the instance sent on its network interfaces.',
      instanceLabels,
      usageFill((u) => u.netTxBytes),
    );

    // ── host ──
    const hostFill =
      (read: (host: HostCounters) => number): Fill =>
      (emit) => {
        if (this.#host !== undefined) emit({}, read(this.#host));
      };
    counter(
      'nova_host_cpu_seconds_total',
      'CPU time of all the host’s CPUs: busy (everything but idle and iowait) and idle.',
      ['mode'],
      (emit) => {
        const host = this.#host;
        if (host === undefined) return;
        emit({ mode: 'busy' }, host.cpuBusy / USER_HZ);
        emit({ mode: 'idle' }, Math.max(0, host.cpuTotal - host.cpuBusy) / USER_HZ);
      },
    );
    gauge(
      'nova_host_cpus',
      'How many CPUs the host has.',
      [],
      hostFill((h) => h.cpuCount),
    );
    gauge(
      'nova_host_memory_total_bytes',
      'The host’s memory (MemTotal).',
      [],
      hostFill((h) => h.memoryTotalBytes),
    );
    gauge(
      'nova_host_memory_available_bytes',
      'Memory programs can still get without swapping (MemAvailable).',
      [],
      hostFill((h) => h.memoryTotalBytes - h.memoryUsedBytes),
    );
    counter(
      'nova_host_disk_read_bytes_total',
      'Bytes read from the host’s whole disks.',
      [],
      hostFill((h) => h.diskReadBytes),
    );
    counter(
      'nova_host_disk_written_bytes_total',
      'Bytes written to the host’s whole disks.',
      [],
      hostFill((h) => h.diskWriteBytes),
    );
    counter(
      'nova_host_network_receive_bytes_total',
      'Bytes the host’s own interfaces received (not lo, veth, tap or vnet links).',
      [],
      hostFill((h) => h.netRxBytes),
    );
    counter(
      'nova_host_network_transmit_bytes_total',
      'Bytes the host’s own interfaces sent (not lo, veth, tap or vnet links).',
      [],
      hostFill((h) => h.netTxBytes),
    );

    // ── health ──
    gauge('nova_helper_up', 'Whether Nova’s privileged helper answered at the last interval.', [], (emit) => {
      if (this.#helperUp !== undefined) emit({}, this.#helperUp ? 1 : 0);
    });
    gauge(
      'nova_backend_up',
      'Whether a backend (libvirt, docker, podman, bolt, polkit) answered at the last interval; backends not installed are left out, and polkit while the helper does not answer.',
      ['backend'],
      (emit) => {
        for (const source of this.#list?.sources ?? []) {
          if (source.status !== 'absent') emit({ backend: source.id }, source.status === 'ok' ? 1 : 0);
        }
        if (this.#polkitUp !== undefined) emit({ backend: 'polkit' }, this.#polkitUp ? 1 : 0);
      },
    );
    gauge(
      'nova_last_refresh_timestamp_seconds',
      'When the exporter last listed the instances (Unix time).',
      [],
      (emit) => {
        if (this.#list !== undefined && Number.isFinite(this.#lastRefresh))
          emit({}, this.#lastRefresh / 1000);
      },
    );
    gauge(
      'nova_sampling_interval_seconds',
      'How often the exporter samples (the config’s interval).',
      [],
      (emit) => {
        emit({}, this.config.intervalMs / 1000);
      },
    );
    gauge('nova_exporter_build_info', 'Nova’s version; always 1.', ['version'], (emit) => {
      emit({ version: NOVA_VERSION }, 1);
    });

    // ── NovaFile ──
    gauge(
      'nova_novafile_drift_resources',
      'How many resources differ from the NovaFile (what `nova plan` would change).',
      ['file'],
      (emit) => {
        const file = this.config.novafile;
        if (this.#drift?.resources !== undefined && file !== undefined) emit({ file }, this.#drift.resources);
      },
    );
    gauge(
      'nova_novafile_check_success',
      'Whether the last drift check could read and plan the NovaFile (1) or not (0).',
      ['file'],
      (emit) => {
        const file = this.config.novafile;
        if (this.#drift !== undefined && file !== undefined) emit({ file }, this.#drift.ok ? 1 : 0);
      },
    );
  }
}

interface UsageReading {
  cpuSeconds: number;
  memoryBytes: number;
  memoryLimitBytes: number | undefined;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}

/** The libvirt networks (or bridges) a VM's interfaces are on. */
function nicNetworks(nics: VmNic[]): string[] {
  return nics.flatMap((nic) => {
    const where = nic.network ?? nic.bridge ?? nic.device;
    return where === undefined ? [] : [where];
  });
}
