import { type Instance, type NovaErrorData, type SourceStatus, toErrorData } from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';

export interface InstancesState {
  instances: Instance[];
  sources: SourceStatus[];
  loading: boolean;
  /** Why the last refresh failed as a whole (the backend did not answer at all). */
  error: NovaErrorData | undefined;
  loadedAt: number | undefined;
  refresh: () => Promise<void>;
}

export function createInstancesStore(client: NovaClient) {
  return create<InstancesState>()((set, get) => ({
    instances: [],
    sources: [],
    loading: false,
    error: undefined,
    loadedAt: undefined,
    async refresh() {
      if (get().loading) return;
      set({ loading: true });
      try {
        const list = await client.call('instances.list', {});
        set({ instances: list.instances, sources: list.sources, error: undefined, loadedAt: Date.now() });
      } catch (err) {
        set({ error: toErrorData(err) });
      } finally {
        set({ loading: false });
      }
    },
  }));
}

export type InstancesStore = ReturnType<typeof createInstancesStore>;
