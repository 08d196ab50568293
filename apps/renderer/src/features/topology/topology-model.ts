// What the topology page shows of a node, and where it leads: words for badges and screen readers,
// the address that selects the node elsewhere, the networks as a list, and the automatic layout.
import { Graph, layout } from '@dagrejs/dagre';
import type { TopologyEdge, TopologyGraph, TopologyNode } from '@nova/core';

import { routeHref } from '../../shell/routes.js';

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

const KIND_WORDS: Record<TopologyNode['kind'], string> = {
  vm: 'VM',
  container: 'Container',
  'libvirt-network': 'libvirt network',
  'engine-network': 'Engine network',
  bridge: 'Bridge',
  interface: 'Interface',
};

const ENGINE_WORDS: Record<string, string> = { docker: 'Docker', podman: 'Podman', bolt: 'Bolt' };

/** VM, Container, libvirt network, Docker network, Bridge, Interface. */
export function kindWord(node: TopologyNode): string {
  if (node.kind === 'engine-network') return `${ENGINE_WORDS[node.engine] ?? node.engine} network`;
  return KIND_WORDS[node.kind];
}

export type OriginBadge = 'Nova' | 'System' | 'Other';

/** Who made it, in three words: Nova, the system (libvirt, the engine, the OS), or someone else. */
export function originBadge(node: TopologyNode): { badge: OriginBadge; title: string } {
  switch (node.kind) {
    case 'vm':
    case 'container':
    case 'libvirt-network':
      return node.origin === 'nova'
        ? { badge: 'Nova', title: 'Created by Nova' }
        : { badge: 'Other', title: 'Not created by Nova' };
    case 'engine-network':
      if (node.origin === 'nova') return { badge: 'Nova', title: 'Created by Nova' };
      return node.origin === 'system'
        ? { badge: 'System', title: `${node.engine}’s own network` }
        : { badge: 'Other', title: 'Not created by Nova' };
    case 'bridge':
      return node.origin === 'nova'
        ? { badge: 'Nova', title: 'Created by Nova' }
        : { badge: 'System', title: `Made by ${node.origin}` };
    case 'interface':
      return { badge: 'System', title: 'A host interface' };
  }
}

/** The engine it belongs to: libvirt, docker, podman or bolt; none for host links. */
export function engineBadge(node: TopologyNode): string | undefined {
  switch (node.kind) {
    case 'vm':
    case 'libvirt-network':
      return 'libvirt';
    case 'container':
    case 'engine-network':
      return node.engine;
    case 'bridge':
    case 'interface':
      return undefined;
  }
}

/** Its state in a word, and the class that colours it: ok, paused, down, problem or unknown. */
export function nodeState(node: TopologyNode): {
  text: string;
  tone: 'ok' | 'paused' | 'down' | 'problem' | 'unknown';
} {
  if (node.missing === true) return { text: 'missing', tone: 'problem' };
  switch (node.kind) {
    case 'vm':
    case 'container': {
      const tone =
        node.state === 'running'
          ? 'ok'
          : node.state === 'paused' || node.state === 'suspended'
            ? 'paused'
            : node.state === 'crashed'
              ? 'problem'
              : node.state === 'unknown'
                ? 'unknown'
                : 'down';
      return { text: node.state, tone };
    }
    case 'libvirt-network':
      return node.active ? { text: 'active', tone: 'ok' } : { text: 'inactive', tone: 'down' };
    case 'engine-network':
      return { text: node.internal ? 'internal' : node.driver, tone: 'ok' };
    case 'bridge':
    case 'interface': {
      const state = node.state.toLowerCase();
      return { text: state, tone: state === 'up' ? 'ok' : state === 'down' ? 'down' : 'unknown' };
    }
  }
}

/** One line of detail under the name: addressing, image, driver. */
export function nodeDetail(node: TopologyNode): string | undefined {
  switch (node.kind) {
    case 'vm':
      return undefined;
    case 'container':
      return node.image;
    case 'libvirt-network':
      return [node.forwardMode ?? 'isolated', node.subnet].filter((part) => part !== undefined).join(' · ');
    case 'engine-network':
      return node.subnets.join(', ') || undefined;
    case 'bridge':
    case 'interface':
      return node.addresses.join(', ') || undefined;
  }
}

/** Where activating the node leads: the overview for an instance, the networks page for the rest. */
export function nodeHref(node: TopologyNode): string {
  return node.kind === 'vm' || node.kind === 'container'
    ? routeHref('overview', { select: node.id })
    : routeHref('networks', { select: node.id });
}

export interface NetworkRow {
  node: TopologyNode;
  /** What is on it: instances, networks on a bridge. */
  members: TopologyNode[];
  /** What it is on: a network's bridge, a bridge's uplink. */
  on: { node: TopologyNode; uplink: boolean }[];
}

/** The graph as a list: every network, bridge and host interface with what is on it and what it is on. */
export function networkRows(graph: TopologyGraph): { rows: NetworkRow[]; unattached: TopologyNode[] } {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const inbound = new Map<string, TopologyEdge[]>();
  const outbound = new Map<string, TopologyEdge[]>();
  for (const edge of graph.edges) {
    inbound.set(edge.target, [...(inbound.get(edge.target) ?? []), edge]);
    outbound.set(edge.source, [...(outbound.get(edge.source) ?? []), edge]);
  }
  const nodesOf = (edges: TopologyEdge[] | undefined, end: 'source' | 'target') =>
    (edges ?? []).flatMap((edge) => {
      const node = byId.get(edge[end]);
      return node === undefined ? [] : [{ node, uplink: edge.uplink === true }];
    });
  const rows = graph.nodes
    .filter((node) => node.kind !== 'vm' && node.kind !== 'container')
    .map((node) => ({
      node,
      members: nodesOf(inbound.get(node.id), 'source').map((entry) => entry.node),
      on: nodesOf(outbound.get(node.id), 'target'),
    }));
  const unattached = graph.nodes.filter(
    (node) => (node.kind === 'vm' || node.kind === 'container') && (outbound.get(node.id) ?? []).length === 0,
  );
  return { rows, unattached };
}

/** Above this many nodes dagre takes seconds (1000 VMs: ~5 s): a simpler layered layout takes over. */
export const DAGRE_MAX_NODES = 150;

const COLUMN: Record<TopologyNode['kind'], number> = {
  vm: 0,
  container: 0,
  'libvirt-network': 1,
  'engine-network': 1,
  bridge: 2,
  interface: 3,
};
const COLUMN_GAP = 150;
const ROW_GAP = 16;

type Positions = Map<string, { x: number; y: number }>;

/** Positions from left to right: instances, networks, bridges, host interfaces. */
export function layoutPositions(graph: TopologyGraph): Positions {
  return graph.nodes.length > DAGRE_MAX_NODES ? layeredPositions(graph) : dagrePositions(graph);
}

let lastLayout: { key: string; positions: Positions } | undefined;

/**
 * The same, computed again only when nodes or edges come or go: a changed state (a VM paused) keeps
 * every node where it was.
 */
export function layoutFor(graph: TopologyGraph): Positions {
  const key = `${graph.nodes.map((node) => node.id).join('\n')}\n\n${graph.edges.map((edge) => edge.id).join('\n')}`;
  if (lastLayout?.key !== key) lastLayout = { key, positions: layoutPositions(graph) };
  return lastLayout.positions;
}

function dagrePositions(graph: TopologyGraph): Positions {
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: ROW_GAP, ranksep: COLUMN_GAP, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  layout(g);
  const positions: Positions = new Map();
  for (const node of graph.nodes) {
    const placed = g.node(node.id) as { x: number; y: number } | undefined;
    // dagre gives centres; xyflow wants top-left corners.
    if (placed !== undefined)
      positions.set(node.id, { x: placed.x - NODE_WIDTH / 2, y: placed.y - NODE_HEIGHT / 2 });
  }
  return positions;
}

/**
 * One column per kind. Instances are grouped by the network they are on; each network, bridge and
 * interface sits level with the middle of what is on it, pushed down where it would overlap another.
 */
function layeredPositions(graph: TopologyGraph): Positions {
  const step = NODE_HEIGHT + ROW_GAP;
  const order = new Map(graph.nodes.map((node, index) => [node.id, index]));
  const firstTarget = new Map<string, number>();
  const sources = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const target = order.get(edge.target) ?? Number.MAX_SAFE_INTEGER;
    firstTarget.set(edge.source, Math.min(firstTarget.get(edge.source) ?? Number.MAX_SAFE_INTEGER, target));
    sources.set(edge.target, [...(sources.get(edge.target) ?? []), edge.source]);
  }
  const columns: TopologyNode[][] = [[], [], [], []];
  for (const node of graph.nodes) columns[COLUMN[node.kind]]?.push(node);
  const y = new Map<string, number>();
  // Instances: grouped by their first network (in the graph's order), those on none last.
  const instances = [...(columns[0] ?? [])].sort(
    (a, b) =>
      (firstTarget.get(a.id) ?? Number.MAX_SAFE_INTEGER) -
        (firstTarget.get(b.id) ?? Number.MAX_SAFE_INTEGER) || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
  );
  instances.forEach((node, index) => y.set(node.id, index * step));
  for (const column of columns.slice(1)) {
    const wanted = column.map((node) => {
      const placed = (sources.get(node.id) ?? []).flatMap((id) => {
        const at = y.get(id);
        return at === undefined ? [] : [at];
      });
      return {
        node,
        at:
          placed.length === 0
            ? Number.MAX_SAFE_INTEGER
            : placed.reduce((sum, at) => sum + at, 0) / placed.length,
      };
    });
    wanted.sort((a, b) => a.at - b.at || (order.get(a.node.id) ?? 0) - (order.get(b.node.id) ?? 0));
    let next = 0;
    for (const { node, at } of wanted) {
      const placed = at === Number.MAX_SAFE_INTEGER ? next : Math.max(at, next);
      y.set(node.id, placed);
      next = placed + step;
    }
  }
  const positions: Positions = new Map();
  for (const node of graph.nodes)
    positions.set(node.id, { x: COLUMN[node.kind] * (NODE_WIDTH + COLUMN_GAP), y: y.get(node.id) ?? 0 });
  return positions;
}
