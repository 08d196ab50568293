// One instance's live charts: CPU, memory, disk and network. Used by the Metrics page and by the
// overview's detail pane; it watches only this instance, and only while it is shown.
import './metrics.css';

import type { MetricsWindow } from '@nova/core';

import { useClient } from '../../shell/client-context.js';
import { useMetrics } from '../../stores/metrics.js';
import { MetricChart } from './MetricChart.js';
import { formatBytes, formatPercent, formatRate } from './metrics-format.js';

export interface InstanceChartsProps {
  instanceId: string;
  /** What to call it in the charts' names (its id otherwise). */
  name?: string;
  window?: MetricsWindow;
}

export function InstanceCharts({ instanceId, name, window = '15m' }: InstanceChartsProps) {
  const view = useMetrics({ host: false, instances: [instanceId], window }, useClient());
  const points = view.series.get(instanceId) ?? [];
  const latest = view.latest.get(instanceId);
  const label = name ?? instanceId;
  const common = { points, latest, window };
  return (
    <div className="metrics-grid-charts" role="group" aria-label={`Live load of ${label}`}>
      {view.error === undefined ? null : (
        <p className="metrics-error" role="status">
          Live figures are not coming in: {view.error}
        </p>
      )}
      {points.length === 0 && view.error === undefined ? (
        <p className="metrics-empty">Waiting for figures; an instance that is not running has none.</p>
      ) : null}
      <MetricChart
        {...common}
        title={`${label} CPU`}
        lines={[{ field: 'cpuPercent', label: 'CPU' }]}
        format={formatPercent}
      />
      <MetricChart
        {...common}
        title={`${label} memory`}
        lines={[{ field: 'memoryBytes', label: 'used' }]}
        format={formatBytes}
      />
      <MetricChart
        {...common}
        title={`${label} disk`}
        lines={[
          { field: 'diskReadBps', label: 'read' },
          { field: 'diskWriteBps', label: 'written' },
        ]}
        format={formatRate}
      />
      <MetricChart
        {...common}
        title={`${label} network`}
        lines={[
          { field: 'netRxBps', label: 'received' },
          { field: 'netTxBps', label: 'sent' },
        ]}
        format={formatRate}
      />
    </div>
  );
}
