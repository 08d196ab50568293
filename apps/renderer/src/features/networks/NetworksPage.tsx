// Networks: every host bridge, libvirt network and engine network with its kind, origin, state,
// subnet, DHCP range, leases, members and health; create one (NAT, isolated, bridged), and in the
// details of the one selected attach and detach instances, start, stop, autostart, delete.
// `#/networks?select=<id>` selects a network: its own id (`libvirt/default`) or a topology node's
// (`network/libvirt/default`, `bridge/virbr0`), so the topology links here.
import './networks.css';

import { type ManagedNetwork, type NetworkListing, type NewNetwork, toErrorData } from '@nova/core';
import { useEffect, useMemo, useRef, useState } from 'react';

import { useClient } from '../../shell/client-context.js';
import { routeHref } from '../../shell/routes.js';
import type { InstancesStore } from '../../stores/instances.js';
import { createNetworksStore } from '../../stores/networks.js';
import { CreateNetworkDialog } from './CreateNetworkDialog.js';
import { NetworkDetails } from './NetworkDetails.js';

/** The network a `select` parameter means, in this page's ids or the topology's. */
function selectedNetwork(listing: NetworkListing | undefined, select: string | undefined) {
  if (listing === undefined || select === undefined) return undefined;
  const { networks } = listing;
  const direct = networks.find((network) => network.id === select);
  if (direct !== undefined) return direct;
  const topology = /^network\/([^/]+)\/(.+)$/.exec(select);
  if (topology !== null)
    return networks.find((network) => network.id === `${topology[1] ?? ''}/${topology[2] ?? ''}`);
  const bridge = /^bridge\/(.+)$/.exec(select)?.[1];
  return bridge === undefined ? undefined : networks.find((network) => network.bridge === bridge);
}

const ORIGIN_WORDS: Record<ManagedNetwork['origin'], string> = {
  nova: 'Nova',
  libvirt: 'libvirt',
  engine: 'engine',
  external: 'external',
};

function originText(network: ManagedNetwork): string {
  return `${ORIGIN_WORDS[network.origin]}${network.project === undefined ? '' : ` (${network.project})`}`;
}

export function NetworksPage({
  useInstances,
  selected,
}: {
  useInstances: InstancesStore;
  selected: string | undefined;
}) {
  const client = useClient();
  const useNetworks = useMemo(() => createNetworksStore(client), [client]);
  const { listing, loading, error, refresh, busy, actionErrors, act } = useNetworks();
  const [creating, setCreating] = useState(false);
  const selectedRow = useRef<HTMLTableRowElement>(null);

  useEffect(() => {
    const { listen, refresh: first } = useNetworks.getState();
    const stop = listen();
    void first();
    return stop;
  }, [useNetworks]);

  const networks = listing?.networks ?? [];
  const current = selectedNetwork(listing, selected);
  useEffect(() => {
    selectedRow.current?.scrollIntoView({ block: 'nearest' });
    selectedRow.current?.focus();
  }, [current?.id, networks.length]);

  const create = async (network: NewNetwork): Promise<string | undefined> => {
    try {
      const made = await client.call('networks.create', network);
      await refresh();
      window.location.assign(routeHref('networks', { select: `${made.kind}/${made.name}` }));
      return undefined;
    } catch (err) {
      const data = toErrorData(err);
      return data.detail === undefined ? data.message : `${data.message}: ${data.detail}`;
    }
  };

  return (
    <section aria-labelledby="networks-title" className="page networks-page">
      <header className="page-header">
        <h1 id="networks-title">Networks</h1>
        <span className="count" aria-live="polite">
          {listing === undefined
            ? ''
            : `${String(networks.length)} ${networks.length === 1 ? 'network' : 'networks'}`}
        </span>
        <button
          type="button"
          disabled={listing === undefined}
          onClick={() => {
            setCreating(true);
          }}
        >
          Create network…
        </button>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error.message}
        </div>
      )}
      {(listing?.problems ?? []).map((problem) => (
        <div key={`${problem.source}/${problem.subject ?? ''}`} role="alert" className="problem">
          <strong>{problem.source}</strong>: {problem.message}
        </div>
      ))}
      {listing === undefined && loading ? <p aria-busy="true">Loading networks…</p> : null}
      <div className="networks-layout">
        {networks.length === 0 ? null : (
          <table aria-label="Networks" className="networks-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Origin</th>
                <th scope="col">State</th>
                <th scope="col">Bridge</th>
                <th scope="col">Subnet</th>
                <th scope="col">DHCP range</th>
                <th scope="col">Leases</th>
                <th scope="col">Members</th>
                <th scope="col">Health</th>
              </tr>
            </thead>
            <tbody>
              {networks.map((network) => {
                const isSelected = network.id === current?.id;
                return (
                  <tr
                    key={network.id}
                    ref={isSelected ? selectedRow : undefined}
                    tabIndex={isSelected ? -1 : undefined}
                    aria-current={isSelected ? 'true' : undefined}
                    className={isSelected ? 'selected' : undefined}
                  >
                    <th scope="row">
                      <a href={routeHref('networks', { select: network.id })}>{network.name}</a>
                    </th>
                    <td>{network.kind}</td>
                    <td>{originText(network)}</td>
                    <td>{busy[network.id] ?? network.state}</td>
                    <td>{network.bridge ?? '—'}</td>
                    <td>{network.subnet ?? '—'}</td>
                    <td>
                      {network.dhcp === undefined ? '—' : `${network.dhcp.start} – ${network.dhcp.end}`}
                    </td>
                    <td>{network.leases.length}</td>
                    <td>
                      {network.members.length === 0
                        ? '—'
                        : network.members.map((member, index) => (
                            <span key={`${member.kind}/${member.name}/${member.mac ?? ''}`}>
                              {index > 0 ? ', ' : ''}
                              {member.instanceId === undefined ? (
                                member.name
                              ) : (
                                <a href={routeHref('overview', { select: member.instanceId })}>
                                  {member.name}
                                </a>
                              )}
                            </span>
                          ))}
                    </td>
                    <td className={`health-${network.health.status}`}>
                      {network.health.status}
                      {network.health.checks
                        .filter((check) => !check.ok)
                        .map((check) => (
                          <span key={check.check} className="hint">
                            {' '}
                            ({check.detail})
                          </span>
                        ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {current === undefined ? null : (
          <NetworkDetails
            key={current.id}
            useInstances={useInstances}
            network={current}
            busy={busy[current.id]}
            error={actionErrors[current.id]}
            act={(what, action) => act(current.id, what, action)}
          />
        )}
      </div>
      {creating && listing !== undefined ? (
        <CreateNetworkDialog
          listing={listing}
          onCreate={create}
          onClose={() => {
            setCreating(false);
          }}
        />
      ) : null}
    </section>
  );
}
