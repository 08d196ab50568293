// The selected instance in detail: summary, live charts, disks, NICs with addresses, snapshots, logs
// (containers), its NovaFile section, and libvirt's XML or the container's inspect JSON.
import { type Instance, type InstanceDetails, type NovaErrorData, toErrorData } from '@nova/core';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';

import { useClient } from '../../shell/client-context.js';
import { STATE_LABELS } from '../../stores/overview-view.js';
import { InstanceLogs } from './InstanceLogs.js';

// The chart library loads with the first pane that shows charts, not with the overview.
const InstanceCharts = lazy(() =>
  import('../metrics/InstanceCharts.js').then((module) => ({ default: module.InstanceCharts })),
);

function Charts({ id, name }: { id: string; name: string }) {
  return (
    <section aria-labelledby="pane-charts" className="pane-section">
      <h3 id="pane-charts">Live load</h3>
      <Suspense fallback={<p aria-busy="true">Loading charts…</p>}>
        <InstanceCharts instanceId={id} name={name} />
      </Suspense>
    </section>
  );
}

export function DetailPane({
  instance,
  onClose,
  focusOnOpen,
}: {
  instance: Instance;
  onClose: () => void;
  /** Move focus to the pane (it was opened from the keyboard or a click, not by the address). */
  focusOnOpen: boolean;
}) {
  const client = useClient();
  const { id, state } = instance;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnOpen) heading.current?.focus();
  }, [id, focusOnOpen]);
  // What was read, and for which instance in which state: anything else is still loading.
  const key = `${id} ${state}`;
  const [read, setRead] = useState<{ key: string; details?: InstanceDetails; error?: NovaErrorData }>({
    key: '',
  });

  // Read again when the instance changes state: addresses, snapshots and XML change with it.
  useEffect(() => {
    let gone = false;
    client.call('instances.details', { id }).then(
      (value) => {
        if (!gone) setRead({ key: `${id} ${state}`, details: value });
      },
      (err: unknown) => {
        if (!gone) setRead({ key: `${id} ${state}`, error: toErrorData(err) });
      },
    );
    return () => {
      gone = true;
    };
  }, [client, id, state]);

  const loading = read.key !== key;
  // While the same instance is read again, what was read before stays on screen.
  const shown = read.details?.id === id ? read.details : undefined;
  const error = read.key === key ? read.error : undefined;
  return (
    <aside
      id="instance-pane"
      className="detail-pane"
      aria-label={`Details of ${instance.name}`}
      aria-busy={loading}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onClose();
        }
      }}
    >
      <header className="pane-header">
        <h2 ref={heading} tabIndex={-1}>
          {instance.name}
        </h2>
        <span className={`state state-${instance.state}`}>{STATE_LABELS[instance.state]}</span>
        <button type="button" onClick={onClose} aria-label="Close details">
          Close
        </button>
      </header>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          The details could not be read: {error.message}
          {error.detail === undefined ? null : <div className="hint">{error.detail}</div>}
        </div>
      )}
      {shown === undefined ? (
        loading ? (
          <p aria-busy="true">Loading details…</p>
        ) : null
      ) : (
        <>
          {shown.warnings.length === 0 ? null : (
            <ul className="warnings" aria-label="Not shown">
              {shown.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
          <section aria-labelledby="pane-summary" className="pane-section">
            <h3 id="pane-summary">Summary</h3>
            <dl className="summary">
              {shown.summary.map((row) => (
                <div key={row.label}>
                  <dt>{row.label}</dt>
                  <dd>{row.value}</dd>
                </div>
              ))}
            </dl>
          </section>
          <Charts id={id} name={instance.name} />
          <section aria-labelledby="pane-disks" className="pane-section">
            <h3 id="pane-disks">{shown.kind === 'vm' ? 'Disks' : 'Mounts'}</h3>
            {shown.disks.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <table aria-labelledby="pane-disks" className="pane-table">
                <thead>
                  <tr>
                    <th scope="col">{shown.kind === 'vm' ? 'Device' : 'Path inside'}</th>
                    <th scope="col">Source</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.disks.map((disk) => (
                    <tr key={`${disk.name} ${disk.source}`}>
                      <th scope="row">{disk.name}</th>
                      <td>{disk.source}</td>
                      <td>{disk.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="pane-nics" className="pane-section">
            <h3 id="pane-nics">Network interfaces</h3>
            {shown.nics.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <table aria-labelledby="pane-nics" className="pane-table">
                <thead>
                  <tr>
                    <th scope="col">Interface</th>
                    <th scope="col">MAC</th>
                    <th scope="col">Network</th>
                    <th scope="col">Addresses</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.nics.map((nic, index) => (
                    <tr key={`${nic.name} ${nic.mac ?? index}`}>
                      <th scope="row">{nic.name}</th>
                      <td>{nic.mac ?? '–'}</td>
                      <td>{nic.network ?? '–'}</td>
                      <td>{nic.addresses.length === 0 ? 'none known yet' : nic.addresses.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {shown.snapshots === undefined ? null : (
            <section aria-labelledby="pane-snapshots" className="pane-section">
              <h3 id="pane-snapshots">Snapshots</h3>
              {shown.snapshots.length === 0 ? (
                <p className="muted">No snapshots.</p>
              ) : (
                <ul aria-labelledby="pane-snapshots">
                  {shown.snapshots.map((snapshot) => (
                    <li key={snapshot.name}>
                      <strong>{snapshot.name}</strong> {snapshot.createdAt.replace(/\.\d{3}Z$/, 'Z')} (
                      {snapshot.state}){snapshot.current ? ', current' : ''}
                      {snapshot.description === undefined ? '' : ` – ${snapshot.description}`}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          )}
          {instance.kind === 'container' ? <InstanceLogs id={id} /> : null}
          {shown.novaFile === undefined ? null : (
            <section aria-labelledby="pane-novafile" className="pane-section">
              <h3 id="pane-novafile">NovaFile</h3>
              <p className="muted">
                {shown.novaFile.name} in project {shown.novaFile.project}, from {shown.novaFile.path}
              </p>
              <pre className="code" tabIndex={0} aria-label="NovaFile section">
                {shown.novaFile.section}
              </pre>
            </section>
          )}
          <details className="pane-section">
            <summary>
              {shown.raw.format === 'xml' ? 'libvirt XML' : 'Inspect (JSON, as Nova reads it)'}
            </summary>
            <pre
              className="code"
              tabIndex={0}
              aria-label={shown.raw.format === 'xml' ? 'libvirt XML' : 'Inspect JSON'}
            >
              {shown.raw.text}
            </pre>
          </details>
        </>
      )}
    </aside>
  );
}
