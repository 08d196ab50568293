import type { Instance, InstanceState, SourceStatus } from '@nova/core';
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

function SourceProblems({ sources }: { sources: SourceStatus[] }) {
  const problems = sources.filter((source) => source.error !== undefined);
  if (problems.length === 0) return null;
  return (
    <div className="problems">
      {problems.map((source) => (
        <div key={source.id} role="alert" className="problem">
          <strong>{source.id}</strong>: {source.error?.message}
          {source.error?.detail === undefined ? null : <div className="hint">{source.error.detail}</div>}
        </div>
      ))}
    </div>
  );
}

export function InstancesPage({ useInstances }: { useInstances: InstancesStore }) {
  const { instances, sources, loading, error, loadedAt, refresh } = useInstances();

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
      <SourceProblems sources={sources} />
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
