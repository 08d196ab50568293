// Networks, as the host has them: libvirt networks, container engines' networks, Linux bridges and
// host interfaces, each with its state, addressing, origin, and what is on it. Read-only for now:
// creating, attaching and autostart from this page come with network management (`nova network` does
// them today). `#/networks?select=<id>` (the topology links here) marks and focuses that network.
import type { TopologyNode } from '@nova/core';
import { useEffect, useMemo, useRef } from 'react';

import type { NovaClient } from '../../api/client.js';
import { routeHref } from '../../shell/routes.js';
import { createTopologyStore } from '../../stores/topology.js';
import { kindWord, networkRows, nodeDetail, nodeState, originBadge } from '../topology/topology-model.js';

function memberLink(node: TopologyNode) {
  if (node.kind === 'vm' || node.kind === 'container')
    return <a href={routeHref('overview', { select: node.id })}>{node.label}</a>;
  return <a href={routeHref('networks', { select: node.id })}>{node.label}</a>;
}

export function NetworksPage({ client, selected }: { client: NovaClient; selected: string | undefined }) {
  const useTopology = useMemo(() => createTopologyStore(client), [client]);
  const { graph, loading, error, refresh } = useTopology();
  const selectedRow = useRef<HTMLTableRowElement>(null);

  useEffect(() => {
    const { listen, refresh: first } = useTopology.getState();
    const stop = listen();
    void first();
    return stop;
  }, [useTopology]);

  const rows = useMemo(() => (graph === undefined ? [] : networkRows(graph).rows), [graph]);
  useEffect(() => {
    selectedRow.current?.scrollIntoView({ block: 'nearest' });
    selectedRow.current?.focus();
  }, [selected, rows.length]);

  return (
    <section aria-labelledby="networks-title" className="page">
      <header className="page-header">
        <h1 id="networks-title">Networks</h1>
        <span className="count" aria-live="polite">
          {graph === undefined ? '' : `${rows.length} ${rows.length === 1 ? 'network' : 'networks'}`}
        </span>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      <p className="hint">
        Creating networks and attaching instances from this page is on its way; <code>nova network</code> does
        both today.
      </p>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error.message}
        </div>
      )}
      {(graph?.problems ?? []).map((problem) => (
        <div key={`${problem.source}/${problem.subject ?? ''}`} role="alert" className="problem">
          <strong>{problem.source}</strong>: {problem.message}
        </div>
      ))}
      {graph === undefined && loading ? <p aria-busy="true">Loading networks…</p> : null}
      {rows.length === 0 ? null : (
        <table aria-label="Networks" className="networks-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Addressing</th>
              <th scope="col">Origin</th>
              <th scope="col">On</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ node, members, on }) => {
              const isSelected = node.id === selected;
              return (
                <tr
                  key={node.id}
                  ref={isSelected ? selectedRow : undefined}
                  tabIndex={isSelected ? -1 : undefined}
                  aria-current={isSelected ? 'true' : undefined}
                  className={isSelected ? 'selected' : undefined}
                >
                  <th scope="row">{node.label}</th>
                  <td>{kindWord(node)}</td>
                  <td>{nodeState(node).text}</td>
                  <td>{nodeDetail(node) ?? '—'}</td>
                  <td title={originBadge(node).title}>{originBadge(node).badge}</td>
                  <td>
                    {on.length === 0
                      ? '—'
                      : on.map((entry, index) => (
                          <span key={entry.node.id}>
                            {index > 0 ? ', ' : ''}
                            {memberLink(entry.node)}
                            {entry.uplink ? ' (uplink)' : ''}
                          </span>
                        ))}
                  </td>
                  <td>
                    {members.length === 0
                      ? '—'
                      : members.map((member, index) => (
                          <span key={member.id}>
                            {index > 0 ? ', ' : ''}
                            {memberLink(member)}
                          </span>
                        ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
