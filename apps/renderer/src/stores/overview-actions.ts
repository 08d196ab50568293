// Actions on the overview's rows: each row carries its own action in progress and its own error, so
// that a slow or failing action on one instance never holds up the others.
import {
  type Instance,
  type InstanceAction,
  type InstanceActionResult,
  type InstanceChange,
  type NovaErrorData,
  toErrorData,
} from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';
import { notify } from '../shell/notifications.js';
import { ACTION_LABELS, planBulk } from './overview-view.js';

interface RowFailure {
  action: InstanceAction;
  name: string;
  error: NovaErrorData;
}

export interface ActionsState {
  /** The action running on each row, by instance id. */
  running: Record<string, InstanceAction>;
  /** The last failed action of each row, until it is dismissed or the row's next action succeeds. */
  failures: Record<string, RowFailure>;
  /** What the last action on a selection did, in words. */
  notice: string | undefined;
  /** Runs one action on one row; resolves true when it succeeded. A row runs one action at a time. */
  run: (instance: Instance, action: InstanceAction, options?: { removeDisks?: boolean }) => Promise<boolean>;
  /** Runs an action on each selected row it applies to, a few at a time. */
  runMany: (
    instances: readonly Instance[],
    action: InstanceAction,
    options?: { removeDisks?: boolean },
  ) => Promise<void>;
  dismiss: (id: string) => void;
}

/**
 * An action's end is announced in the corner only when it took this long: the user may have looked
 * away. A quick success or failure shows in its row, where the user is looking.
 */
export const NOTIFY_AFTER_MS = 2000;

/** How many actions of one selection run at once (each is one helper or engine call). */
const BULK_CONCURRENCY = 4;

/** What the row's state is once the action succeeded, as a pushed change would say it. */
function changeAfter(
  instance: Instance,
  action: InstanceAction,
  result: InstanceActionResult,
): InstanceChange {
  const reason = `${ACTION_LABELS[action]}: ${instance.name}`;
  if (result.removed === true) return { reason, instanceId: instance.id, name: instance.name, removed: true };
  return {
    reason,
    instanceId: instance.id,
    name: instance.name,
    ...(result.state === undefined ? {} : { state: result.state }),
  };
}

export function createActionsStore(client: NovaClient, onChange: (change: InstanceChange) => void) {
  return create<ActionsState>()((set, get) => {
    const without = <T>(record: Record<string, T>, id: string): Record<string, T> => {
      const next = { ...record };
      Reflect.deleteProperty(next, id);
      return next;
    };
    // `announce`: say in the corner how it ended (a selection's actions are announced once, together).
    const runOne = async (
      instance: Instance,
      action: InstanceAction,
      options: { removeDisks?: boolean },
      announce: boolean,
    ): Promise<boolean> => {
      const { id } = instance;
      if (get().running[id] !== undefined) return false;
      const started = Date.now();
      set({ running: { ...get().running, [id]: action } });
      try {
        const result = await client.call('instances.action', {
          id,
          action,
          // The user picked this row's action; rows Nova did not create say so in the table and the dialog.
          foreign: instance.origin === 'external',
          ...(action === 'delete' && instance.kind === 'vm'
            ? { removeDisks: options.removeDisks === true }
            : {}),
        });
        set({ failures: without(get().failures, id) });
        onChange(changeAfter(instance, action, result));
        if (announce && Date.now() - started >= NOTIFY_AFTER_MS)
          notify({ kind: 'success', title: `${ACTION_LABELS[action]} ${instance.name}: done` });
        return true;
      } catch (err) {
        const error = toErrorData(err);
        set({ failures: { ...get().failures, [id]: { action, name: instance.name, error } } });
        if (announce && Date.now() - started >= NOTIFY_AFTER_MS)
          notify({
            kind: 'error',
            title: `${ACTION_LABELS[action]} ${instance.name}: failed`,
            detail: error.message,
          });
        return false;
      } finally {
        set({ running: without(get().running, id) });
      }
    };
    const run: ActionsState['run'] = (instance, action, options = {}) =>
      runOne(instance, action, options, true);
    return {
      running: {},
      failures: {},
      notice: undefined,
      run,
      async runMany(instances, action, options = {}) {
        const { apply, skip } = planBulk(instances, action);
        const started = Date.now();
        let next = 0;
        let failed = 0;
        const worker = async () => {
          while (next < apply.length) {
            const instance = apply[next++];
            if (instance !== undefined && !(await runOne(instance, action, options, false))) failed++;
          }
        };
        await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, apply.length) }, worker));
        const parts = [`${ACTION_LABELS[action]}: ${apply.length - failed} of ${apply.length} done`];
        if (failed > 0) parts.push(`${failed} failed (see their rows)`);
        if (skip.length > 0) parts.push(`${skip.length} skipped (not in a state that allows it)`);
        const notice = `${parts.join('; ')}.`;
        set({ notice });
        if (failed > 0)
          notify({ kind: 'error', title: `${ACTION_LABELS[action]}: ${failed} failed`, detail: notice });
        else if (apply.length > 0 && Date.now() - started >= NOTIFY_AFTER_MS)
          notify({ kind: 'success', title: notice });
      },
      dismiss(id) {
        set({ failures: without(get().failures, id) });
      },
    };
  });
}

export type ActionsStore = ReturnType<typeof createActionsStore>;
