import {
  type Instance,
  type InstanceChange,
  type NovaErrorData,
  type SourceId,
  type SourceStatus,
  toErrorData,
} from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';
import { createRefetcher } from './refetch.js';

export interface InstancesState {
  instances: Instance[];
  sources: SourceStatus[];
  loading: boolean;
  /** Why the last refresh failed as a whole (the backend did not answer at all). */
  error: NovaErrorData | undefined;
  loadedAt: number | undefined;
  /** What the last pushed change said ("docker: web stopped"). */
  lastChange: string | undefined;
  /** Per source, whether main follows its changes as they happen (unknown until main says). */
  live: Partial<Record<SourceId, boolean>>;
  /** Lists everything again; a call while a listing runs makes one more listing after it. */
  refresh: () => Promise<void>;
  /** Lists everything, or waits for the listing under way (a page opening while the app starts). */
  load: () => Promise<void>;
  /** Applies a pushed change: patches the row it names at once, then lists again (debounced). */
  applyChange: (change: InstanceChange) => void;
  /** Follows `instances.changed` until the returned function is called. */
  listen: () => () => void;
}

export interface InstancesStoreOptions {
  /** How long to wait for more changes before listing again. */
  debounceMs?: number;
  /** The longest a listing waits while changes keep coming. */
  maxWaitMs?: number;
}

type Patch = Pick<InstanceChange, 'state' | 'removed'>;

function patched(instances: Instance[], patches: Map<string, Patch>): Instance[] {
  if (patches.size === 0) return instances;
  return instances.flatMap((instance) => {
    const patch = patches.get(instance.id);
    if (patch === undefined) return [instance];
    if (patch.removed === true) return [];
    return patch.state === undefined || patch.state === instance.state
      ? [instance]
      : [{ ...instance, state: patch.state }];
  });
}

export function createInstancesStore(client: NovaClient, options: InstancesStoreOptions = {}) {
  const debounceMs = options.debounceMs ?? 150;
  const maxWaitMs = options.maxWaitMs ?? 1000;
  // Changes pushed while a listing runs: that listing may predate them, so they are laid over its result.
  let changeSeq = 0;
  const recent = new Map<string, Patch & { seq: number }>();

  return create<InstancesState>()((set, get) => {
    const list = async (): Promise<void> => {
      const startedAt = changeSeq;
      // Marks for profiling a page load (the overview benchmark reads them): asked, answered, stored.
      performance.mark('nova:list-asked');
      try {
        const result = await client.call('instances.list', {});
        performance.mark('nova:list-answered');
        const newer = new Map([...recent].filter(([, patch]) => patch.seq > startedAt));
        recent.clear();
        for (const [id, patch] of newer) recent.set(id, patch);
        set({
          instances: patched(result.instances, newer),
          sources: result.sources,
          error: undefined,
          loadedAt: Date.now(),
        });
        performance.mark('nova:list-stored');
      } catch (err) {
        set({ error: toErrorData(err) });
      }
    };

    // `loading` is for listings someone waits for (the first one, Refresh): pushed changes list quietly.
    const again = createRefetcher({
      fetch: list,
      setLoading: (loading) => {
        set({ loading });
      },
      debounceMs,
      maxWaitMs,
    });
    const refresh = () => again.now(true);
    const load = () => again.join(true);

    return {
      instances: [],
      sources: [],
      loading: false,
      error: undefined,
      loadedAt: undefined,
      lastChange: undefined,
      live: {},
      refresh,
      load,
      applyChange(change) {
        const { instanceId } = change;
        let instances: Instance[] | undefined;
        if (instanceId !== undefined && (change.state !== undefined || change.removed === true)) {
          const patch: Patch = {
            ...(change.state === undefined ? {} : { state: change.state }),
            ...(change.removed === true ? { removed: true } : {}),
          };
          recent.set(instanceId, { ...patch, seq: ++changeSeq });
          const current = get().instances;
          if (current.some((instance) => instance.id === instanceId))
            instances = patched(current, new Map([[instanceId, patch]]));
        }
        const { source, live } = change;
        // One update of the store, so that the page renders once per change.
        set({
          ...(instances === undefined ? {} : { instances }),
          lastChange: change.reason,
          ...(source === undefined || live === undefined ? {} : { live: { ...get().live, [source]: live } }),
        });
        // A pause or a resume changes nothing but the state, which is patched in already.
        if (change.stateOnly !== true || instanceId === undefined) again.soon();
      },
      listen() {
        const stop = client.on('instances.changed', (change) => {
          get().applyChange(change);
        });
        return () => {
          stop();
          again.cancel();
        };
      },
    };
  });
}

export type InstancesStore = ReturnType<typeof createInstancesStore>;
