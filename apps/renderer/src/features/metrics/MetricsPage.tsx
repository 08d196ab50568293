// The Metrics page: the host's CPU, memory, disk and network, and the charts of the instances the
// user picks, over 15 minutes, 1 hour or 24 hours. Figures are sampled only while the page is open.
import './metrics.css';

import type { Instance, MetricsWindow } from '@nova/core';
import { useEffect, useState } from 'react';

import type { NovaClient } from '../../api/client.js';
import { useClient } from '../../shell/client-context.js';
import { useMetrics } from '../../stores/metrics.js';
import { InstanceCharts } from './InstanceCharts.js';
import { MetricChart } from './MetricChart.js';
import { formatBytes, formatPercent, formatRate } from './metrics-format.js';

const WINDOWS: { id: MetricsWindow; label: string }[] = [
  { id: '15m', label: '15 minutes' },
  { id: '1h', label: '1 hour' },
  { id: '24h', label: '24 hours' },
];

/** At most this many instance panels at once: each is one more live subscription. */
const MAX_PICKED = 8;

function HostPanel({ window }: { window: MetricsWindow }) {
  const view = useMetrics({ host: true, instances: [], window }, useClient());
  const points = view.series.get('host') ?? [];
  const latest = view.latest.get('host');
  const common = { points, latest, window };
  return (
    <section aria-labelledby="metrics-host" className="metrics-panel">
      <h2 id="metrics-host">Host</h2>
      {view.error === undefined ? null : (
        <p className="metrics-error" role="status">
          Live figures are not coming in: {view.error}
        </p>
      )}
      <div className="metrics-grid-charts">
        <MetricChart
          {...common}
          title="Host CPU"
          lines={[{ field: 'cpuPercent', label: 'CPU (all cores)' }]}
          format={formatPercent}
          max={100}
        />
        <MetricChart
          {...common}
          title="Host memory"
          lines={[{ field: 'memoryBytes', label: 'used' }]}
          format={formatBytes}
          {...(latest?.memoryTotalBytes === undefined ? {} : { max: latest.memoryTotalBytes })}
        />
        <MetricChart
          {...common}
          title="Host disk"
          lines={[
            { field: 'diskReadBps', label: 'read' },
            { field: 'diskWriteBps', label: 'written' },
          ]}
          format={formatRate}
        />
        <MetricChart
          {...common}
          title="Host network"
          lines={[
            { field: 'netRxBps', label: 'received' },
            { field: 'netTxBps', label: 'sent' },
          ]}
          format={formatRate}
        />
      </div>
    </section>
  );
}

function useRunningInstances(client: NovaClient): { instances: Instance[]; error: string | undefined } {
  const [state, setState] = useState<{ instances: Instance[]; error: string | undefined }>({
    instances: [],
    error: undefined,
  });
  useEffect(() => {
    let live = true;
    const list = () => {
      client.call('instances.list', {}).then(
        (result) => {
          if (live)
            setState({ instances: result.instances.filter((i) => i.state === 'running'), error: undefined });
        },
        (err: unknown) => {
          if (live) setState((old) => ({ ...old, error: err instanceof Error ? err.message : String(err) }));
        },
      );
    };
    list();
    const off = client.on('instances.changed', list);
    return () => {
      live = false;
      off();
    };
  }, [client]);
  return state;
}

export function MetricsPage() {
  const client = useClient();
  const [window, setWindow] = useState<MetricsWindow>('15m');
  const [picked, setPicked] = useState<string[]>([]);
  const running = useRunningInstances(client);
  const byId = new Map(running.instances.map((instance) => [instance.id, instance]));
  const toggle = (id: string, on: boolean) => {
    setPicked((old) =>
      on ? [...old.filter((x) => x !== id), id].slice(-MAX_PICKED) : old.filter((x) => x !== id),
    );
  };
  return (
    <section aria-labelledby="metrics-title" className="metrics-page">
      <header className="metrics-header">
        <h1 id="metrics-title">Metrics</h1>
        <fieldset className="metrics-window">
          <legend>Time window</legend>
          {WINDOWS.map((entry) => (
            <label key={entry.id}>
              <input
                type="radio"
                name="metrics-window"
                value={entry.id}
                checked={window === entry.id}
                onChange={() => {
                  setWindow(entry.id);
                }}
              />
              {entry.label}
            </label>
          ))}
        </fieldset>
      </header>
      <HostPanel window={window} />
      <section aria-labelledby="metrics-instances" className="metrics-panel">
        <h2 id="metrics-instances">Instances</h2>
        <fieldset className="metrics-picker">
          <legend>Show the charts of (at most {MAX_PICKED})</legend>
          {running.error === undefined ? null : (
            <p className="metrics-error" role="status">
              The instances could not be listed: {running.error}
            </p>
          )}
          {running.instances.length === 0 ? <p className="metrics-empty">No instance is running.</p> : null}
          <ul className="metrics-picker-list">
            {running.instances.map((instance) => (
              <li key={instance.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={picked.includes(instance.id)}
                    onChange={(event) => {
                      toggle(instance.id, event.currentTarget.checked);
                    }}
                  />
                  {instance.name}{' '}
                  <span className="metrics-kind">
                    {instance.kind === 'vm' ? 'VM' : `${instance.engine} container`}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        {picked.map((id) => {
          const name = byId.get(id)?.name ?? id;
          return (
            <section key={id} aria-label={`${name} metrics`} className="metrics-instance">
              <h3>{name}</h3>
              <InstanceCharts instanceId={id} name={name} window={window} />
            </section>
          );
        })}
      </section>
    </section>
  );
}
