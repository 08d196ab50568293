// One network in detail: addressing, health checks, DHCP leases, members (each with Detach), attaching
// an instance, autostart, start/stop, and delete with a confirmation that names the members.
import type { ManagedNetwork, NovaErrorData } from '@nova/core';
import { useId, useState } from 'react';

import { useClient } from '../../shell/client-context.js';
import { routeHref } from '../../shell/routes.js';
import type { InstancesStore } from '../../stores/instances.js';
import { ConfirmDialog } from '../overview/ConfirmDialog.js';

const isVmNetwork = (network: ManagedNetwork) => network.kind === 'libvirt' || network.kind === 'bridge';

function expires(seconds: number | undefined): string {
  return seconds === undefined ? '—' : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function NetworkDetails({
  useInstances,
  network,
  busy,
  error,
  act,
}: {
  /** The window's list of instances (kept up to date by pushed changes): what may be attached. */
  useInstances: InstancesStore;
  network: ManagedNetwork;
  busy: string | undefined;
  error: NovaErrorData | undefined;
  act: (what: string, action: () => Promise<unknown>) => Promise<boolean>;
}) {
  const client = useClient();
  const base = useId();
  const instances = useInstances((state) => state.instances);
  const [pick, setPick] = useState('');
  const [foreign, setForeign] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const ref = { kind: network.kind, name: network.name, foreign: network.origin !== 'nova' };
  const title = `${network.kind} network ${network.name}`;

  const candidates = instances.filter((instance) =>
    isVmNetwork(network)
      ? instance.kind === 'vm'
      : instance.kind === 'container' && instance.engine === network.kind,
  );
  const chosen = candidates.find((instance) => instance.id === pick);
  const needsForeign = chosen?.origin === 'external';
  const memberNames = network.members.filter((member) => member.kind !== 'interface').map((m) => m.name);

  const attach = async () => {
    if (chosen === undefined) return;
    const ok = await act('Attaching…', () =>
      client.call('networks.attach', {
        network: ref,
        instance: {
          kind: chosen.kind,
          name: chosen.name,
          foreign,
          ...(chosen.kind === 'container' ? { engine: chosen.engine } : {}),
        },
      }),
    );
    if (ok) setPick('');
  };

  return (
    <section aria-labelledby={`${base}-title`} className="network-details">
      <h2 id={`${base}-title`}>{title}</h2>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error.message}
          {error.detail === undefined ? null : <div className="hint">{error.detail}</div>}
        </div>
      )}
      {busy === undefined ? null : (
        <p aria-live="polite" aria-busy="true">
          {busy}
        </p>
      )}
      <dl className="network-facts">
        <dt>Mode</dt>
        <dd>{network.mode}</dd>
        <dt>State</dt>
        <dd>{network.state}</dd>
        <dt>Bridge</dt>
        <dd>{network.bridge ?? '—'}</dd>
        {network.uplink === undefined ? null : (
          <>
            <dt>Uplink</dt>
            <dd>{network.uplink}</dd>
          </>
        )}
        <dt>Subnet</dt>
        <dd>{network.subnet ?? '—'}</dd>
        <dt>Gateway</dt>
        <dd>{network.gateway ?? '—'}</dd>
        <dt>DHCP range</dt>
        <dd>{network.dhcp === undefined ? '—' : `${network.dhcp.start} – ${network.dhcp.end}`}</dd>
        <dt>Host addresses</dt>
        <dd>{network.addresses.length === 0 ? '—' : network.addresses.join(', ')}</dd>
      </dl>
      <h3>Health: {network.health.status}</h3>
      <ul className="health-checks">
        {network.health.checks.map((check) => (
          <li key={check.check} className={check.ok ? 'check-ok' : 'check-failed'}>
            <strong>{check.ok ? 'OK' : 'Problem'}</strong> {check.check}: {check.detail}
          </li>
        ))}
      </ul>

      <div className="network-actions" role="group" aria-label={`Actions on ${title}`}>
        {network.kind === 'libvirt' ? (
          <>
            <button
              type="button"
              disabled={busy !== undefined}
              onClick={() =>
                void act(network.active ? 'Stopping…' : 'Starting…', () =>
                  client.call(network.active ? 'networks.stop' : 'networks.start', ref),
                )
              }
            >
              {network.active ? 'Stop' : 'Start'}
            </button>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={network.autostart === true}
                disabled={busy !== undefined}
                onChange={(event) => {
                  const autostart = event.target.checked;
                  void act('Changing autostart…', () =>
                    client.call('networks.autostart', { ...ref, autostart }),
                  );
                }}
              />
              Start with the host
            </label>
          </>
        ) : null}
        <button
          type="button"
          className="danger"
          disabled={busy !== undefined}
          onClick={() => {
            setConfirming(true);
          }}
        >
          Delete…
        </button>
      </div>

      <h3>DHCP leases</h3>
      {network.leases.length === 0 ? (
        <p className="empty">No leases.</p>
      ) : (
        <table aria-label={`Leases of ${network.name}`}>
          <thead>
            <tr>
              <th scope="col">MAC</th>
              <th scope="col">Address</th>
              <th scope="col">Hostname</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {network.leases.map((lease) => (
              <tr key={`${lease.mac}/${lease.address}`}>
                <td>{lease.mac}</td>
                <td>{lease.address}</td>
                <td>{lease.hostname ?? '—'}</td>
                <td>{expires(lease.expires)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Members</h3>
      {network.members.length === 0 ? (
        <p className="empty">Nothing is on it.</p>
      ) : (
        <table aria-label={`Members of ${network.name}`}>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Name</th>
              <th scope="col">MAC</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {network.members.map((member) => (
              <tr key={`${member.kind}/${member.name}/${member.mac ?? ''}`}>
                <td>{member.kind}</td>
                <td>
                  {member.instanceId === undefined ? (
                    member.name
                  ) : (
                    <a href={routeHref('overview', { select: member.instanceId })}>{member.name}</a>
                  )}
                </td>
                <td>{member.mac ?? '—'}</td>
                <td>{member.state ?? '—'}</td>
                <td>
                  {member.kind === 'interface' ? null : (
                    <button
                      type="button"
                      disabled={busy !== undefined}
                      aria-label={`Detach ${member.name}`}
                      onClick={() =>
                        void act('Detaching…', () =>
                          client.call('networks.detach', {
                            network: ref,
                            instance: {
                              kind: member.kind === 'vm' ? 'vm' : 'container',
                              name: member.name,
                              foreign: true,
                              ...(member.engine === undefined ? {} : { engine: member.engine }),
                            },
                          }),
                        )
                      }
                    >
                      Detach
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <form
        className="attach-form"
        aria-label={`Attach to ${network.name}`}
        onSubmit={(event) => {
          event.preventDefault();
          void attach();
        }}
      >
        <label htmlFor={`${base}-pick`}>
          {isVmNetwork(network) ? 'VM to attach' : 'Container to attach'}
        </label>
        <select
          id={`${base}-pick`}
          value={pick}
          onChange={(event) => {
            setPick(event.target.value);
            setForeign(false);
          }}
        >
          <option value="">Choose…</option>
          {candidates.map((instance) => (
            <option key={instance.id} value={instance.id}>
              {instance.name} ({instance.state}
              {instance.origin === 'external' ? ', not Nova’s' : ''})
            </option>
          ))}
        </select>
        {needsForeign ? (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={foreign}
              onChange={(event) => {
                setForeign(event.target.checked);
              }}
            />
            Change {chosen.name} although Nova did not create it
          </label>
        ) : null}
        <button
          type="submit"
          disabled={chosen === undefined || (needsForeign && !foreign) || busy !== undefined}
        >
          Attach
        </button>
      </form>

      {confirming ? (
        <ConfirmDialog
          title={`Delete ${title}?`}
          confirmLabel="Delete"
          onCancel={() => {
            setConfirming(false);
          }}
          onConfirm={() => {
            setConfirming(false);
            // The dialog named every member: confirming it is consent to take them all off, whoever made them.
            void act('Deleting…', () =>
              client.call('networks.delete', { ...ref, force: true, foreign: true }),
            );
          }}
        >
          <p>
            {memberNames.length === 0
              ? 'Nothing is on it.'
              : `These lose it (their interfaces on it are removed first): ${memberNames.join(', ')}.`}
          </p>
          {network.origin === 'nova' ? null : <p>Nova did not create this network.</p>}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
