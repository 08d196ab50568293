// Traffic on the topology's edges, from the metrics store: an instance's network rates, shown on the
// line that leaves it when it has only one (the metrics are per instance, not per interface).
import type { MetricPointData, TopologyGraph } from '@nova/core';
import { useMemo } from 'react';

import type { NovaClient } from '../../api/client.js';
import { useMetrics } from '../../stores/metrics.js';

export interface EdgeTraffic {
  /** ↓ 1.2 kB/s ↑ 300 B/s */
  label: string;
  /** Enough traffic to animate the line. */
  busy: boolean;
}

const BUSY_BPS = 1024;

export function formatRate(bytesPerSecond: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value).toString() : value.toFixed(1)} ${units[unit] ?? 'B/s'}`;
}

/** By edge id: the traffic of the instance each edge leaves, for instances with exactly one edge. */
export function edgeTraffic(
  graph: TopologyGraph,
  latest: ReadonlyMap<string, MetricPointData>,
): Map<string, EdgeTraffic> {
  const byInstance = new Map<string, string[]>();
  for (const edge of graph.edges)
    if (edge.kind === 'nic' || edge.kind === 'member')
      byInstance.set(edge.source, [...(byInstance.get(edge.source) ?? []), edge.id]);
  const traffic = new Map<string, EdgeTraffic>();
  for (const [instanceId, edgeIds] of byInstance) {
    const point = latest.get(instanceId);
    const [only] = edgeIds;
    if (point === undefined || edgeIds.length !== 1 || only === undefined) continue;
    const { netRxBps: rx, netTxBps: tx } = point;
    if (rx === undefined && tx === undefined) continue;
    traffic.set(only, {
      label: `↓ ${formatRate(rx ?? 0)} ↑ ${formatRate(tx ?? 0)}`,
      busy: (rx ?? 0) + (tx ?? 0) >= BUSY_BPS,
    });
  }
  return traffic;
}

/** The traffic of every running instance's edge while the graph is shown. */
export function useEdgeTraffic(
  graph: TopologyGraph | undefined,
  client: NovaClient,
  shown: boolean,
): ReadonlyMap<string, EdgeTraffic> {
  const view = useMetrics(
    shown && graph !== undefined ? { host: false, instances: 'all', window: '15m', history: 1 } : undefined,
    client,
  );
  return useMemo(
    () => (graph === undefined ? new Map<string, EdgeTraffic>() : edgeTraffic(graph, view.latest)),
    [graph, view.latest],
  );
}
