// The Networks page's data: every network main lists (`networks.list`), fetched again when instances or
// networks change (debounced) and after the page's own actions; each action's progress and error is
// kept per network, so one failing delete does not hide the rest.
import { type NetworkListing, type NovaErrorData, toErrorData } from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';
import { createRefetcher } from './refetch.js';

export interface NetworksState {
  listing: NetworkListing | undefined;
  loading: boolean;
  /** Why the last fetch failed as a whole. */
  error: NovaErrorData | undefined;
  /** Network id → the action under way on it ("Deleting…"). */
  busy: Readonly<Record<string, string>>;
  /** Network id → why its last action failed. */
  actionErrors: Readonly<Record<string, NovaErrorData>>;
  refresh: () => Promise<void>;
  /** Runs an action on a network, shows it as busy, records its error, and fetches again after it. */
  act: (id: string, what: string, action: () => Promise<unknown>) => Promise<boolean>;
  /** Follows `instances.changed` and `topology.changed` until the returned function is called. */
  listen: () => () => void;
}

export function createNetworksStore(
  client: NovaClient,
  options: { debounceMs?: number; maxWaitMs?: number } = {},
) {
  return create<NetworksState>()((set, get) => {
    const again = createRefetcher({
      fetch: async () => {
        try {
          set({ listing: await client.call('networks.list', {}), error: undefined });
        } catch (err) {
          set({ error: toErrorData(err) });
        }
      },
      setLoading: (loading) => {
        set({ loading });
      },
      debounceMs: options.debounceMs ?? 300,
      maxWaitMs: options.maxWaitMs ?? 2000,
    });
    const without = <T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> => {
      const next = { ...record };
      Reflect.deleteProperty(next, key);
      return next;
    };
    return {
      listing: undefined,
      loading: false,
      error: undefined,
      busy: {},
      actionErrors: {},
      refresh: () => again.now(true),
      async act(id, what, action) {
        set({ busy: { ...get().busy, [id]: what }, actionErrors: without(get().actionErrors, id) });
        try {
          await action();
          return true;
        } catch (err) {
          set({ actionErrors: { ...get().actionErrors, [id]: toErrorData(err) } });
          return false;
        } finally {
          set({ busy: without(get().busy, id) });
          await again.now(false);
        }
      },
      listen() {
        const stops = [
          client.on('instances.changed', () => {
            again.soon();
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
