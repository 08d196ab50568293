// The topology page's data: the graph main builds (`topology.get`), fetched again when instances or
// networks change (debounced), with a changed instance's state patched in at once.
import { type InstanceChange, type NovaErrorData, toErrorData, type TopologyGraph } from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';
import { createRefetcher } from './refetch.js';

export interface TopologyState {
  graph: TopologyGraph | undefined;
  /** A fetch someone waits for runs (the first one, Refresh); fetches after pushed changes are quiet. */
  loading: boolean;
  /** Why the last fetch failed as a whole (the backend did not answer). */
  error: NovaErrorData | undefined;
  /** Fetches the graph again; a call while a fetch runs makes one more fetch after it. */
  refresh: () => Promise<void>;
  /** Applies a pushed change: patches the instance it names at once, then fetches again (debounced). */
  applyChange: (change: InstanceChange) => void;
  /** Follows `instances.changed` and `topology.changed` until the returned function is called. */
  listen: () => () => void;
}

export interface TopologyStoreOptions {
  /** How long to wait for more changes before fetching again. */
  debounceMs?: number;
  /** The longest a fetch waits while changes keep coming. */
  maxWaitMs?: number;
}

/** The graph with one instance's state changed, or without it (and its lines) when it is gone. */
export function patchInstance(graph: TopologyGraph, change: InstanceChange): TopologyGraph {
  const { instanceId } = change;
  if (instanceId === undefined) return graph;
  const node = graph.nodes.find((candidate) => candidate.id === instanceId);
  if (node === undefined || (node.kind !== 'vm' && node.kind !== 'container')) return graph;
  if (change.removed === true)
    return {
      ...graph,
      nodes: graph.nodes.filter((candidate) => candidate.id !== instanceId),
      edges: graph.edges.filter((edge) => edge.source !== instanceId && edge.target !== instanceId),
    };
  const { state } = change;
  if (state === undefined || state === node.state) return graph;
  return {
    ...graph,
    nodes: graph.nodes.map((candidate) => (candidate === node ? { ...node, state } : candidate)),
  };
}

export function createTopologyStore(client: NovaClient, options: TopologyStoreOptions = {}) {
  const debounceMs = options.debounceMs ?? 300;
  const maxWaitMs = options.maxWaitMs ?? 2000;

  return create<TopologyState>()((set, get) => {
    const fetchOnce = async () => {
      try {
        set({ graph: await client.call('topology.get', {}), error: undefined });
      } catch (err) {
        set({ error: toErrorData(err) });
      }
    };
    const again = createRefetcher({
      fetch: fetchOnce,
      setLoading: (loading) => {
        set({ loading });
      },
      debounceMs,
      maxWaitMs,
    });
    const refresh = () => again.now(true);

    return {
      graph: undefined,
      loading: false,
      error: undefined,
      refresh,
      applyChange(change) {
        const { graph } = get();
        if (graph !== undefined) {
          const next = patchInstance(graph, change);
          if (next !== graph) set({ graph: next });
        }
        // A pause or a resume changes nothing but the state, which is patched in already.
        if (change.stateOnly !== true || change.instanceId === undefined) again.soon();
      },
      listen() {
        const stops = [
          client.on('instances.changed', (change) => {
            get().applyChange(change);
          }),
          client.on('topology.changed', () => {
            again.soon();
          }),
        ];
        return () => {
          for (const stop of stops) stop();
          again.cancel();
        };
      },
    };
  });
}
