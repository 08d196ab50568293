// The method table: every group of methods declared in this folder, assembled in the order the
// reference (docs/reference/helper-api.md) and the introspection XML list them.
import type { z } from 'zod';

import { containerMethods, engineObjectMethods, imageMethods } from './containers.js';
import { hostBridgeMethods } from './host-bridges.js';
import { HELPER_CALL_TIMEOUT_MS, type HelperMethodSpec } from './method.js';
import { networkMethods } from './networks.js';
import { eventMethods } from './signals.js';
import { vmSnapshotMethods } from './snapshots.js';
import { statusMethods } from './status.js';
import { storageMethods } from './storage.js';
import { vmCloneAndNicMethods, vmLifecycleMethods, vmReadMethods } from './vms.js';

/**
 * The helper's methods in groups: each group is implemented in one place in the helper
 * (apps/helper/src/services, apps/helper/src/host), typed by {@link HelperMethodNameOf}.
 */
export const helperMethodGroups = {
  status: statusMethods,
  vmReads: vmReadMethods,
  vmLifecycle: vmLifecycleMethods,
  vmSnapshots: vmSnapshotMethods,
  vmCloneAndNics: vmCloneAndNicMethods,
  networks: networkMethods,
  hostBridges: hostBridgeMethods,
  storage: storageMethods,
  containers: containerMethods,
  images: imageMethods,
  engineObjects: engineObjectMethods,
  events: eventMethods,
} as const;

export type HelperMethodGroup = keyof typeof helperMethodGroups;

/** Every method of the helper's interface by its D-Bus name: the groups above, in their order. */
export const helperMethods = {
  ...helperMethodGroups.status,
  ...helperMethodGroups.vmReads,
  ...helperMethodGroups.vmLifecycle,
  ...helperMethodGroups.vmSnapshots,
  ...helperMethodGroups.vmCloneAndNics,
  ...helperMethodGroups.networks,
  ...helperMethodGroups.hostBridges,
  ...helperMethodGroups.storage,
  ...helperMethodGroups.containers,
  ...helperMethodGroups.images,
  ...helperMethodGroups.engineObjects,
  ...helperMethodGroups.events,
} satisfies Record<string, HelperMethodSpec>;

export type HelperMethods = typeof helperMethods;
export type HelperMethodName = keyof HelperMethods;
/** The methods of some groups of the table (all of each group named). */
export type HelperMethodNameOf<G extends HelperMethodGroup> = G extends HelperMethodGroup
  ? keyof (typeof helperMethodGroups)[G] & HelperMethodName
  : never;
export type HelperInput<M extends HelperMethodName> = z.input<HelperMethods[M]['input']>;
/** A request as the helper sees it once checked: defaults filled in. */
export type HelperParsedInput<M extends HelperMethodName> = z.output<HelperMethods[M]['input']>;
export type HelperOutput<M extends HelperMethodName> = z.output<HelperMethods[M]['output']>;
/** One call of a helper method, however it travels (the system bus, or the desktop app's relay). */
export type HelperCall = <M extends HelperMethodName>(
  method: M,
  input: HelperInput<M>,
) => Promise<HelperOutput<M>>;

export function isHelperMethodName(name: string): name is HelperMethodName {
  return Object.hasOwn(helperMethods, name);
}

/** Methods that change something: every one of them is audited and refused to callers without a grant. */
export function isChangingMethod(name: HelperMethodName): boolean {
  return !helperMethods[name].action.endsWith('.read');
}

/** How long a client waits for the reply to one request of a method, as its input schema parsed it. */
export function helperCallTimeoutMs(method: HelperMethodName, request: unknown): number {
  const { timeoutMs }: HelperMethodSpec = helperMethods[method];
  if (typeof timeoutMs === 'function') return timeoutMs(request);
  return timeoutMs ?? HELPER_CALL_TIMEOUT_MS;
}
