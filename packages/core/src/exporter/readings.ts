// What the exporter's sampling keeps in memory, and how a scrape reads it: each instance's labels (as
// the config's allow-list picks them) and figures, the host's counters, the backends' health and the
// NovaFile's drift. The exporter writes here; the collected metrics only read.
import type { ContainerStats } from '../contract/container-types.js';
import type { DomainStats } from '../contract/helper-types.js';
import type { HostCounters } from '../metrics/proc.js';
import type { Instance, InstanceList } from '../model/instance.js';
import type { InstanceLabel } from './config.js';

/** Labels of one instance's series, in the order of the config's allow-list. */
export type LabelValues = Record<string, string>;

interface ContainerReading {
  sample: ContainerStats;
  /** CPU time integrated from the engine's per-interval percentages (engines report no total). */
  cpuSeconds: number;
}

export interface DriftReading {
  ok: boolean;
  resources?: number;
  at: number;
}

/** A running instance's figures, a VM's or a container's alike. */
export interface UsageReading {
  cpuSeconds: number;
  memoryBytes: number;
  memoryLimitBytes: number | undefined;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}

export class ExporterReadings {
  /** Counts changes to what is kept: the rendered text and the labels are reused while it stays. */
  version = 0;
  host: HostCounters | undefined;
  domains = new Map<string, DomainStats>();
  readonly containers = new Map<string, ContainerReading>();
  list: InstanceList | undefined;
  /** Each instance's last known state: the list's, or a pushed change since. */
  readonly states = new Map<string, Instance['state']>();
  readonly stateChanges = new Map<string, number>();
  /** The libvirt networks of running VMs, with the state they were read in. */
  readonly vmNics = new Map<string, { state: string; networks: string[] }>();
  /** The networks of each container, by `engine/name`. */
  containerNetworks = new Map<string, string[]>();
  helperUp: boolean | undefined;
  /** From the helper's answer: false when it could not authorize because polkit does not answer. */
  polkitUp: boolean | undefined;
  drift: DriftReading | undefined;
  /** When the instance list was last asked for (ms). */
  lastRefresh = Number.NEGATIVE_INFINITY;

  readonly #labels: readonly InstanceLabel[];
  #labelCache: { version: number; byId: Map<string, { labels: LabelValues; key: string }> } = {
    version: -1,
    byId: new Map(),
  };

  constructor(labels: readonly InstanceLabel[]) {
    this.#labels = labels;
  }

  changed(): void {
    this.version++;
  }

  /** Records an instance's state, counting a change from the one known before. */
  setState(id: string, state: Instance['state']): void {
    const before = this.states.get(id);
    if (before !== undefined && before !== state)
      this.stateChanges.set(id, (this.stateChanges.get(id) ?? 0) + 1);
    else if (!this.stateChanges.has(id)) this.stateChanges.set(id, 0);
    this.states.set(id, state);
  }

  /** Keeps what the instance list holds: `list`'s instances, their states and counts of changes. */
  setList(list: InstanceList): void {
    this.list = list;
    const ids = new Set<string>();
    for (const instance of list.instances) {
      ids.add(instance.id);
      this.setState(instance.id, instance.state);
    }
    for (const id of this.states.keys()) if (!ids.has(id)) this.states.delete(id);
    for (const id of this.stateChanges.keys()) if (!ids.has(id)) this.stateChanges.delete(id);
    for (const id of this.containers.keys()) if (!ids.has(id)) this.containers.delete(id);
  }

  /** One sample of a container's stats stream, its CPU time integrated since the last. */
  containerSample(sample: ContainerStats): void {
    const id = `container/${sample.engine}/${sample.id}`;
    const previous = this.containers.get(id);
    let cpuSeconds = previous?.cpuSeconds ?? 0;
    if (previous !== undefined && sample.at > previous.sample.at) {
      cpuSeconds += (sample.cpuPercent / 100) * ((sample.at - previous.sample.at) / 1000);
    }
    this.containers.set(id, { sample, cpuSeconds });
  }

  #labelsOf(instance: Instance): LabelValues {
    const values: Record<InstanceLabel, () => string> = {
      id: () => instance.id,
      name: () => instance.name,
      kind: () => instance.kind,
      engine: () => (instance.kind === 'vm' ? 'libvirt' : instance.engine),
      network: () => {
        const networks =
          instance.kind === 'vm'
            ? this.vmNics.get(instance.id)?.networks
            : this.containerNetworks.get(`${instance.engine}/${instance.name}`);
        return [...new Set(networks ?? [])].sort().join(',');
      },
      origin: () => instance.origin,
    };
    const labels: LabelValues = {};
    for (const label of this.#labels) labels[label] = values[label]();
    return labels;
  }

  /** Each instance's labels with a value; series that the allow-list makes equal are summed. */
  perInstance(
    read: (instance: Instance) => number | undefined,
  ): Map<string, { labels: LabelValues; value: number }> {
    const out = new Map<string, { labels: LabelValues; value: number }>();
    if (this.#labelCache.version !== this.version)
      this.#labelCache = { version: this.version, byId: new Map() };
    const cache = this.#labelCache.byId;
    for (const instance of this.list?.instances ?? []) {
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
  usage(instance: Instance): UsageReading | undefined {
    if (instance.kind === 'vm') {
      const stats = this.domains.get(instance.name);
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
    const reading = this.containers.get(instance.id);
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
}
