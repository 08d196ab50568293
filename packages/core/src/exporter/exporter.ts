// Nova's Prometheus exporter: the metrics sampler's readings (one GetAllDomainStats call for every
// domain, the engines' stats streams, /proc) and, once per interval, the instance list, the helper's
// status and the NovaFile's drift, kept in memory. A scrape only reads what is kept: it never calls a
// backend, however often Prometheus asks.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

import type { ContainerManager } from '../containers/container-manager.js';
import type { HelperCall } from '../contract/helper/index.js';
import { isPolkitUnreachable } from '../dbus/polkit.js';
import { MetricsSampler, type MetricsSources } from '../metrics/sampler.js';
import { metricsSources } from '../metrics/sources.js';
import type { Instance, InstanceChange, InstanceList, VmInstance } from '../model/instance.js';
import { type NovaFileDeps, planNovaFile } from '../novafile/novafile-service.js';
import { parseDomainNics, type VmNic } from '../topology/topology-graph.js';
import { mapBounded } from '../util/semaphore.js';
import { defineCollectedMetrics } from './collected-metrics.js';
import type { ExporterConfig } from './config.js';
import { ExporterReadings } from './readings.js';

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

export class NovaExporter {
  /** The exporter's own figures (calls, scrapes, process), rendered at each scrape. */
  readonly registry = new Registry();
  /** What the sampling found, rendered once per change of it: most scrapes reuse the last text. */
  readonly #dataRegistry = new Registry();
  #rendered: { version: number; text: string } | undefined;
  readonly config: ExporterConfig;
  readonly sampler: MetricsSampler;
  readonly #deps: ExporterDeps;
  readonly #now: () => number;
  /** What the sampling keeps; scrapes read only these. */
  readonly #readings: ExporterReadings;
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
    this.#readings = new ExporterReadings(config.labels);
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
    defineCollectedMetrics(this.#dataRegistry, this.#readings, config);
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
      this.#readings.changed();
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
    this.#readings.lastRefresh = Number.NEGATIVE_INFINITY;
    this.#lastDrift = Number.NEGATIVE_INFINITY;
    this.#maybeRefresh();
    await this.settled();
  }

  /** The Prometheus text of every metric, from memory. */
  async render(): Promise<string> {
    const started = process.hrtime.bigint();
    let rendered = this.#rendered;
    if (rendered?.version !== this.#readings.version) {
      const version = this.#readings.version;
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
        this.#readings.host = counters;
        return counters;
      };
    }
    if (domainStats !== undefined) {
      tapped.domainStats = async () => {
        const stats = await this.#timed('libvirt', 'get_all_domain_stats', domainStats);
        this.#readings.domains = new Map(stats.map((s) => [s.name, s]));
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
            this.#readings.containerSample(sample);
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

  #maybeRefresh(): void {
    if (this.#closed) return;
    const now = this.#now();
    // A little slack: ticks come on step boundaries, a few ms either side of a whole interval.
    if (this.#refreshing === undefined && now - this.#readings.lastRefresh >= this.config.intervalMs - 250) {
      this.#readings.lastRefresh = now;
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
    this.#readings.helperUp = status.ok || polkitDown;
    this.#readings.polkitUp = status.ok ? true : polkitDown ? false : undefined;
    this.#readings.changed();
    if (list === undefined) return;
    this.#readings.setList(list);
    if (this.config.labels.includes('network')) await this.#readVmNetworks(list.instances);
    this.#readings.changed();
  }

  #onChange(change: InstanceChange): void {
    if (change.instanceId === undefined || change.state === undefined) return;
    if (!this.#readings.states.has(change.instanceId)) return;
    this.#readings.setState(change.instanceId, change.state);
    this.#readings.changed();
  }

  /** The libvirt networks of running VMs, asked again only when a VM's state changed. */
  async #readVmNetworks(instances: Instance[]): Promise<void> {
    const vms = instances.filter(
      (i): i is VmInstance => i.kind === 'vm' && (i.state === 'running' || i.state === 'paused'),
    );
    const running = new Set(vms.map((vm) => vm.id));
    for (const id of this.#readings.vmNics.keys()) if (!running.has(id)) this.#readings.vmNics.delete(id);
    const unknown = vms.filter((vm) => this.#readings.vmNics.get(vm.id)?.state !== vm.state);
    await mapBounded(unknown, 8, async (vm) => {
      try {
        const { xml } = await this.#timed('libvirt', 'get_domain_xml', () =>
          this.#deps.helper('GetDomainXml', { uuid: vm.uuid, inactive: false }),
        );
        this.#readings.vmNics.set(vm.id, { state: vm.state, networks: nicNetworks(parseDomainNics(xml)) });
      } catch {
        // Without its XML the VM is still exported, with an empty network label.
      }
    });
  }

  async #readContainerNetworks(): Promise<void> {
    if (!this.config.labels.includes('network')) return;
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
      this.#readings.containerNetworks = byContainer;
    } catch {
      // Keep the last known networks.
    }
  }

  async #checkDrift(deps: NovaFileDeps, file: string): Promise<void> {
    await this.#plan(deps, file);
    this.#readings.changed();
  }

  async #plan(deps: NovaFileDeps, file: string): Promise<void> {
    try {
      const outcome = await this.#timed('nova', 'plan_novafile', () =>
        planNovaFile(deps, file, { prune: false }),
      );
      if (!outcome.ok || outcome.errors.length > 0) {
        this.#readings.drift = { ok: false, at: this.#now() };
        return;
      }
      const resources = new Set(outcome.plan.steps.map((step) => `${step.kind}/${step.name}`));
      this.#readings.drift = { ok: true, resources: resources.size, at: this.#now() };
    } catch {
      this.#readings.drift = { ok: false, at: this.#now() };
    }
  }
}

/** The libvirt networks (or bridges) a VM's interfaces are on. */
function nicNetworks(nics: VmNic[]): string[] {
  return nics.flatMap((nic) => {
    const where = nic.network ?? nic.bridge ?? nic.device;
    return where === undefined ? [] : [where];
  });
}
