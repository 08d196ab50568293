// The metrics the exporter's sampling feeds, defined on one registry: per instance (state, CPU, memory,
// disk, network), the host's, the backends' health and the NovaFile's drift. Each is rebuilt from the
// readings kept in memory when a scrape renders it; none calls a backend.
import { Counter, Gauge, type Registry } from 'prom-client';

import type { HostCounters } from '../metrics/proc.js';
import { InstanceState } from '../model/instance.js';
import { NOVA_VERSION } from '../version.js';
import type { ExporterConfig } from './config.js';
import type { ExporterReadings, LabelValues, UsageReading } from './readings.js';

/** Linux reports /proc/stat CPU times in USER_HZ ticks, 100 a second on every architecture it runs. */
const USER_HZ = 100;

const STATES = InstanceState.options;

/** Defines every collected metric on `registry`, reading `readings` at each scrape. */
export function defineCollectedMetrics(
  registry: Registry,
  readings: ExporterReadings,
  config: Pick<ExporterConfig, 'labels' | 'intervalMs' | 'novafile'>,
): void {
  const registers = [registry];
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
  const instanceLabels = [...config.labels];
  const usageFill =
    (read: (usage: UsageReading) => number | undefined): Fill =>
    (emit) => {
      const values = readings.perInstance((instance) => {
        const usage = readings.usage(instance);
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
        const values = readings.perInstance((instance) =>
          (readings.states.get(instance.id) ?? instance.state) === state ? 1 : 0,
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
      for (const { labels, value } of readings
        .perInstance((i) => readings.stateChanges.get(i.id) ?? 0)
        .values())
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
      if (readings.host !== undefined) emit({}, read(readings.host));
    };
  counter(
    'nova_host_cpu_seconds_total',
    'CPU time of all the host’s CPUs: busy (everything but idle and iowait) and idle.',
    ['mode'],
    (emit) => {
      const host = readings.host;
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
    if (readings.helperUp !== undefined) emit({}, readings.helperUp ? 1 : 0);
  });
  gauge(
    'nova_backend_up',
    'Whether a backend (libvirt, docker, podman, bolt, polkit) answered at the last interval; backends not installed are left out, and polkit while the helper does not answer.',
    ['backend'],
    (emit) => {
      for (const source of readings.list?.sources ?? []) {
        if (source.status !== 'absent') emit({ backend: source.id }, source.status === 'ok' ? 1 : 0);
      }
      if (readings.polkitUp !== undefined) emit({ backend: 'polkit' }, readings.polkitUp ? 1 : 0);
    },
  );
  gauge(
    'nova_last_refresh_timestamp_seconds',
    'When the exporter last listed the instances (Unix time).',
    [],
    (emit) => {
      if (readings.list !== undefined && Number.isFinite(readings.lastRefresh))
        emit({}, readings.lastRefresh / 1000);
    },
  );
  gauge(
    'nova_sampling_interval_seconds',
    'How often the exporter samples (the config’s interval).',
    [],
    (emit) => {
      emit({}, config.intervalMs / 1000);
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
      const file = config.novafile;
      if (readings.drift?.resources !== undefined && file !== undefined)
        emit({ file }, readings.drift.resources);
    },
  );
  gauge(
    'nova_novafile_check_success',
    'Whether the last drift check could read and plan the NovaFile (1) or not (0).',
    ['file'],
    (emit) => {
      const file = config.novafile;
      if (readings.drift !== undefined && file !== undefined) emit({ file }, readings.drift.ok ? 1 : 0);
    },
  );
}
