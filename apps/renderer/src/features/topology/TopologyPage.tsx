// The Topology page: host interfaces, bridges, libvirt and engine networks and the instances on them,
// laid out automatically and kept live; a node leads to the instance or network it stands for. The
// same facts follow as a table for screen readers and keyboards.
import '@xyflow/react/dist/style.css';
import './topology.css';

import type { TopologyGraph, TopologyNode } from '@nova/core';
import {
  Background,
  Controls,
  type Edge,
  MarkerType,
  type NodeMouseHandler,
  type NodeTypes,
  ReactFlow,
} from '@xyflow/react';
import { type KeyboardEvent, useEffect, useMemo, useState } from 'react';

import { useClient } from '../../shell/client-context.js';
import { createTopologyStore } from '../../stores/topology.js';
import { type EdgeTraffic, useEdgeTraffic } from './edge-traffic.js';
import {
  DAGRE_MAX_NODES,
  kindWord,
  layoutFor,
  networkRows,
  nodeHref,
  nodeState,
  originBadge,
} from './topology-model.js';
import { type TopologyFlowNode, TopologyNodeView } from './TopologyNodeView.js';

const nodeTypes: NodeTypes = { topology: TopologyNodeView };

function go(node: TopologyNode) {
  location.hash = nodeHref(node);
}

function toFlow(graph: TopologyGraph): { nodes: TopologyFlowNode[]; edges: Edge[] } {
  const positions = layoutFor(graph);
  const labels = new Map(graph.nodes.map((node) => [node.id, `${kindWord(node)} ${node.label}`]));
  const down = new Set(graph.nodes.filter((node) => nodeState(node).tone !== 'ok').map((node) => node.id));
  // MAC addresses on every line of a large graph would be clutter; the table keeps the facts.
  const macLabels = graph.nodes.length <= DAGRE_MAX_NODES;
  return {
    nodes: graph.nodes.map((node) => ({
      id: node.id,
      type: 'topology',
      position: positions.get(node.id) ?? { x: 0, y: 0 },
      data: { node },
      ariaRole: 'button',
      draggable: false,
      connectable: false,
      selectable: true,
    })),
    edges: graph.edges.map((edge) => ({
      id: edge.id,
      source: edge.source,
      target: edge.target,
      className: `topo-edge topo-edge--${edge.kind}${down.has(edge.source) ? ' topo-edge--idle' : ''}`,
      markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14 },
      focusable: false,
      ariaLabel: `${labels.get(edge.source) ?? edge.source} on ${labels.get(edge.target) ?? edge.target}${
        edge.uplink === true ? ' (uplink)' : ''
      }`,
      ...(edge.macs === undefined || !macLabels ? {} : { label: edge.macs.join(', ') }),
    })),
  };
}

/** The edges with the traffic of the instance they leave, where the metrics know it. */
function withTraffic(edges: Edge[], traffic: ReadonlyMap<string, EdgeTraffic>): Edge[] {
  if (traffic.size === 0) return edges;
  return edges.map((edge) => {
    const figures = traffic.get(edge.id);
    if (figures === undefined) return edge;
    return {
      ...edge,
      label: figures.label,
      animated: figures.busy,
      ariaLabel: `${edge.ariaLabel ?? ''}, ${figures.label}`,
    };
  });
}

function NodeLink({ node }: { node: TopologyNode }) {
  const state = nodeState(node);
  const name = `${kindWord(node)} ${node.label}`;
  return (
    <a
      href={nodeHref(node)}
      className={`topo-link topo-tone--${state.tone}`}
      aria-label={`${name}, ${state.text}`}
    >
      {name}
    </a>
  );
}

export function NetworkTable({ graph }: { graph: TopologyGraph }) {
  const { rows, unattached } = networkRows(graph);
  return (
    <>
      <table className="topo-table" aria-label="Networks and their members">
        <thead>
          <tr>
            <th scope="col">Network</th>
            <th scope="col">State</th>
            <th scope="col">Origin</th>
            <th scope="col">Members</th>
            <th scope="col">On</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ node, members, on }) => (
            <tr key={node.id}>
              <th scope="row">
                <NodeLink node={node} />
              </th>
              <td>{nodeState(node).text}</td>
              <td>{originBadge(node).badge}</td>
              <td>
                {members.length === 0 ? (
                  'none'
                ) : (
                  <ul className="topo-members">
                    {members.map((member) => (
                      <li key={member.id}>
                        <NodeLink node={member} />
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>
                {on.length === 0 ? (
                  '—'
                ) : (
                  <ul className="topo-members">
                    {on.map(({ node: target, uplink }) => (
                      <li key={target.id}>
                        <NodeLink node={target} />
                        {uplink ? ' (uplink)' : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {unattached.length === 0 ? null : (
        <>
          <h3>On no network</h3>
          <ul className="topo-members" aria-label="Instances on no network">
            {unattached.map((node) => (
              <li key={node.id}>
                <NodeLink node={node} />
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export function TopologyPage() {
  const client = useClient();
  const useTopology = useMemo(() => createTopologyStore(client), [client]);
  const graph = useTopology((state) => state.graph);
  const loading = useTopology((state) => state.loading);
  const error = useTopology((state) => state.error);
  const [showList, setShowList] = useState(false);

  useEffect(() => {
    const { listen, refresh } = useTopology.getState();
    const stop = listen();
    void refresh();
    return stop;
  }, [useTopology]);

  const flow = useMemo(() => (graph === undefined ? undefined : toFlow(graph)), [graph]);
  const traffic = useEdgeTraffic(graph, client, !showList);
  const edges = useMemo(() => (flow === undefined ? [] : withTraffic(flow.edges, traffic)), [flow, traffic]);
  const byId = useMemo(() => new Map((graph?.nodes ?? []).map((node) => [node.id, node])), [graph]);

  const onNodeClick: NodeMouseHandler<TopologyFlowNode> = (_event, flowNode) => {
    go(flowNode.data.node);
  };
  // xyflow makes nodes focusable but Enter only selects them: here it leads where a click does.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Enter' || !(event.target instanceof HTMLElement)) return;
    if (!event.target.classList.contains('react-flow__node')) return;
    const node = byId.get(event.target.dataset['id'] ?? '');
    if (node === undefined) return;
    event.preventDefault();
    go(node);
  };

  return (
    <section aria-labelledby="topology-title" className="topology">
      <div className="topo-toolbar">
        <h1 id="topology-title">Topology</h1>
        <button type="button" onClick={() => void useTopology.getState().refresh()} disabled={loading}>
          Refresh
        </button>
        <button
          type="button"
          aria-pressed={showList}
          onClick={() => {
            setShowList(!showList);
          }}
        >
          Show as list
        </button>
        <span role="status" className="topo-status">
          {loading ? 'Loading…' : ''}
        </span>
      </div>
      {error === undefined ? null : (
        <p role="alert" className="topo-error">
          The topology could not be loaded: {error.message}
        </p>
      )}
      {graph === undefined || graph.problems.length === 0 ? null : (
        <div role="alert" className="topo-problems">
          <p>Some parts could not be read; the rest is shown.</p>
          <ul>
            {graph.problems.map((problem, index) => (
              <li key={`${problem.source}-${String(index)}`}>{problem.message}</li>
            ))}
          </ul>
        </div>
      )}
      {flow === undefined || showList ? null : (
        <div className="topo-canvas" onKeyDown={onKeyDown} role="region" aria-label="Topology graph">
          <ReactFlow
            nodes={flow.nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodeClick={onNodeClick}
            nodesDraggable={false}
            nodesConnectable={false}
            edgesFocusable={false}
            fitView
            minZoom={0.05}
            onlyRenderVisibleElements={flow.nodes.length > DAGRE_MAX_NODES}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
      )}
      {graph === undefined || !showList ? null : (
        <section aria-labelledby="topology-list-title">
          <h2 id="topology-list-title">Networks and their members</h2>
          <NetworkTable graph={graph} />
        </section>
      )}
    </section>
  );
}
