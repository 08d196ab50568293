// Addresses, networks and autostart of the overview's rows: asked for in bulk after each listing, only
// for rows that are new or changed state, and again for running rows still waiting for an address.
import { type Instance, type InstanceFacts, type InstanceState, MAX_FACT_IDS } from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';

export interface KnownFacts {
  state: InstanceState;
  at: number;
  facts: InstanceFacts;
}

/**
 * A running VM without an address is asked again this often: its DHCP lease comes after it boots. (A
 * container has its address from the start; one without is on no network, and asking again would not help.)
 */
const ADDRESS_RETRY_MS = 5000;
/** Facts that could not be read are asked again this often. */
const ERROR_RETRY_MS = 15_000;

/** Which instances' facts to ask for now. */
export function idsNeedingFacts(
  instances: readonly Instance[],
  known: ReadonlyMap<string, KnownFacts>,
  now: number,
): string[] {
  return instances
    .filter((instance) => {
      const entry = known.get(instance.id);
      if (entry?.state !== instance.state) return true;
      if (entry.facts.error !== undefined) return now - entry.at >= ERROR_RETRY_MS;
      return (
        instance.kind === 'vm' &&
        instance.state === 'running' &&
        entry.facts.addresses.length === 0 &&
        now - entry.at >= ADDRESS_RETRY_MS
      );
    })
    .map((instance) => instance.id);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

export interface FactsState {
  facts: Record<string, InstanceFacts>;
  /** Asks for what is missing or stale; a call while one runs makes one more after it. */
  sync: (instances: readonly Instance[]) => Promise<void>;
}

export function createFactsStore(client: NovaClient, now: () => number = Date.now) {
  const known = new Map<string, KnownFacts>();
  let running: Promise<void> | undefined;
  let latest: readonly Instance[] | undefined;

  return create<FactsState>()((set) => {
    const once = async (instances: readonly Instance[]) => {
      const present = new Set(instances.map((instance) => instance.id));
      for (const id of known.keys()) if (!present.has(id)) known.delete(id);
      const states = new Map(instances.map((instance) => [instance.id, instance.state]));
      for (const ids of chunks(idsNeedingFacts(instances, known, now()), MAX_FACT_IDS)) {
        try {
          const { facts } = await client.call('instances.facts', { ids });
          const at = now();
          for (const entry of facts) {
            const state = states.get(entry.id);
            if (state !== undefined) known.set(entry.id, { state, at, facts: entry });
          }
        } catch {
          // The backend did not answer: the columns stay as they are, and the next listing asks again.
          break;
        }
      }
      set({ facts: Object.fromEntries([...known].map(([id, entry]) => [id, entry.facts])) });
    };
    return {
      facts: {},
      sync(instances) {
        latest = instances;
        running ??= (async () => {
          try {
            while (latest !== undefined) {
              const next = latest;
              latest = undefined;
              await once(next);
            }
          } finally {
            running = undefined;
          }
        })();
        return running;
      },
    };
  });
}

export type FactsStore = ReturnType<typeof createFactsStore>;
