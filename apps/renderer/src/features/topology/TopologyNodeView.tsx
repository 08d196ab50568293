// One node of the topology graph: its kind, name, state (in words and colour) and badges.
import type { TopologyNode } from '@nova/core';
import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';

import { engineBadge, kindWord, nodeDetail, nodeState, originBadge } from './topology-model.js';

export type TopologyFlowNode = Node<{ node: TopologyNode }, 'topology'>;

export function TopologyNodeView({ data }: NodeProps<TopologyFlowNode>) {
  const { node } = data;
  const state = nodeState(node);
  const origin = originBadge(node);
  const engine = engineBadge(node);
  const detail = nodeDetail(node);
  // The node's accessible name comes from this text, in this order (kind, name, state, origin, engine,
  // detail); the grid in topology.css places it.
  return (
    <div className={`topo-node topo-node--${node.kind} topo-tone--${state.tone}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="topo-node__kind">{kindWord(node)}</span>{' '}
      <span className="topo-node__name" title={node.label}>
        {node.label}
      </span>{' '}
      <span className="topo-node__state">
        <span className="topo-dot" aria-hidden="true" />
        {state.text}
      </span>{' '}
      <span className="topo-node__foot">
        <span className="topo-sr">origin </span>
        <span className={`topo-badge topo-badge--${origin.badge.toLowerCase()}`} title={origin.title}>
          {origin.badge}
        </span>{' '}
        {engine === undefined ? null : <span className="topo-badge topo-badge--engine">{engine}</span>}{' '}
        {detail === undefined ? null : (
          <span className="topo-node__detail" title={detail}>
            {detail}
          </span>
        )}
      </span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}
