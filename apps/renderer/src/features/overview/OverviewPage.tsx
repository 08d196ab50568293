import type { Instance, InstanceState, SourceId, SourceStatus } from '@nova/core';
import { useEffect } from 'react';

import type { InstancesStore } from '../../stores/instances.js';

const STATE_LABELS: Record<InstanceState, string> = {
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  starting: 'Starting',
  stopping: 'Stopping',
  crashed: 'Crashed',
  suspended: 'Suspended',
  unknown: 'Unknown',
};

function where(instance: Instance): string {
  if (instance.kind === 'vm') return instance.connection;
  return instance.via === 'helper' ? `${instance.engine} (via helper)` : instance.engine;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

function details(instance: Instance): string {
  if (instance.kind === 'vm') return `${instance.vcpus} vCPU · ${formatBytes(instance.memoryBytes)}`;
  return instance.image;
}

const SOURCE_LABELS: Record<SourceId, string> = {
  libvirt: 'libvirt',
  bolt: 'Bolt',
  docker: 'Docker',
  podman: 'Podman',
};

const SOURCE_STATUS_LABELS: Record<SourceStatus['status'], string> = {
  ok: 'Reachable',
  unavailable: 'Unavailable',
  absent: 'Not running',
};

function sourceDetail(source: SourceStatus): string {
  const via = source.via === 'helper' ? ' via Nova’s helper' : '';
  if (source.status === 'absent') return `nothing at ${source.endpoint}`;
  if (source.status === 'unavailable') return source.error?.message ?? `no answer at ${source.endpoint}`;
  const count = source.count ?? 0;
  const what =
    source.id === 'libvirt' ? (count === 1 ? 'VM' : 'VMs') : count === 1 ? 'container' : 'containers';
  return `${count} ${what}${via}`;
}

/** Every source of instances and how it answered, not only the ones that failed. */
export function Sources({
  sources,
  live = {},
}: {
  sources: SourceStatus[];
  live?: Partial<Record<SourceId, boolean>>;
}) {
  if (sources.length === 0) return null;
  return (
    <ul className="sources" aria-label="Engines">
      {sources.map((source) => (
        <li key={source.id} className={`source source-${source.status}`} title={source.endpoint}>
          <span className="source-name">{SOURCE_LABELS[source.id]}</span>
          <span className="source-status">{SOURCE_STATUS_LABELS[source.status]}</span>
          <span className="source-detail">{sourceDetail(source)}</span>
          {live[source.id] === undefined ? null : (
            <span
              className={live[source.id] === true ? 'source-live' : 'source-not-live'}
              title={
                live[source.id] === true
                  ? 'Changes made here show as they happen'
                  : 'Nova cannot follow changes here now: use Refresh'
              }
            >
              {live[source.id] === true ? 'Live' : 'Not live'}
            </span>
          )}
          {source.error?.detail === undefined ? null : <div className="hint">{source.error.detail}</div>}
        </li>
      ))}
    </ul>
  );
}

export function OverviewPage({ useInstances }: { useInstances: InstancesStore }) {
  const { instances, sources, live, loading, error, loadedAt, lastChange, refresh } = useInstances();

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <section aria-labelledby="instances-heading" className="page">
      <header className="page-header">
        <h1 id="instances-heading">Instances</h1>
        <span className="count" aria-live="polite">
          {loadedAt === undefined
            ? ''
            : `${instances.length} ${instances.length === 1 ? 'instance' : 'instances'}`}
        </span>
        <span className="last-change" role="status">
          {lastChange === undefined ? '' : `Last change: ${lastChange}`}
        </span>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error.message}
          {error.detail === undefined ? null : <div className="hint">{error.detail}</div>}
        </div>
      )}
      <Sources sources={sources} live={live} />
      {loadedAt === undefined && loading ? <p aria-busy="true">Loading instances…</p> : null}
      {loadedAt !== undefined && instances.length === 0 ? (
        <p className="empty">No virtual machines or containers on this host yet.</p>
      ) : null}
      {instances.length > 0 ? (
        <table aria-label="Instances" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Origin</th>
              <th scope="col">Where</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {instances.map((instance) => (
              <tr key={instance.id}>
                <th scope="row">{instance.name}</th>
                <td>{instance.kind === 'vm' ? 'VM' : 'Container'}</td>
                <td>
                  <span className={`state state-${instance.state}`}>{STATE_LABELS[instance.state]}</span>
                </td>
                <td>{instance.origin === 'nova' ? 'Nova' : 'External'}</td>
                <td>{where(instance)}</td>
                <td>{details(instance)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
