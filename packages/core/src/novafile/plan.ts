// Planning: what must change on this host for it to match a NovaFile. Pure: the desired state comes
// from resolve.ts, the observed state from the helper and the engines. Each kind of resource is planned
// in a module of its own; this one puts them together in order, and is where the rest of Nova imports
// planning from.
import { planContainers } from './plan-containers.js';
import { planBridges, planEngineNetworks, planNetworks } from './plan-networks.js';
import { orderSteps } from './plan-order.js';
import { leftoverSteps } from './plan-prune.js';
import { planStorage } from './plan-storage.js';
import type { ObservedState, Plan, PlanDraft, PlanOptions } from './plan-types.js';
import { planVms } from './plan-vms.js';
import type { DesiredState } from './resolve-types.js';

export { formatPlan, planToJson } from './plan-format.js';
export { orderSteps } from './plan-order.js';
export type {
  ObservedContainer,
  ObservedEngineNetwork,
  ObservedState,
  Plan,
  PlanConflict,
  PlanOptions,
  PlanStep,
  PlanTarget,
  StepAction,
  StepKind,
} from './plan-types.js';

/** An observed host with nothing on it. */
export function emptyObservedState(): ObservedState {
  return {
    domainOwners: new Map(),
    ownedDomains: [],
    networks: [],
    hostBridges: [],
    pools: [],
    containers: [],
    engineNetworks: [],
  };
}

export function planChanges(desired: DesiredState, observed: ObservedState, options: PlanOptions): Plan {
  const { project } = desired;
  const draft: PlanDraft = { project, steps: [], conflicts: [], notes: [] };
  const { steps, notes } = draft;

  planBridges(desired, observed, draft);
  planNetworks(desired, observed, draft);
  planEngineNetworks(desired, observed, draft);
  planStorage(desired, observed, draft);
  planVms(desired, observed, draft);
  planContainers(desired, observed, draft);

  const leftovers = leftoverSteps(desired, observed, project);
  if (options.prune) {
    steps.push(...leftovers);
  } else if (leftovers.length > 0) {
    notes.push(
      `${leftovers.map((s) => `${s.kind} ${s.name}`).join(', ')} ${leftovers.length === 1 ? 'is' : 'are'} Nova's but no longer in the file; \`nova apply --prune\` deletes ${leftovers.length === 1 ? 'it' : 'them'}`,
    );
  }

  for (const vm of desired.vms)
    if (vm.acceleratorNote?.startsWith('tcg') === true)
      notes.push(`VM ${vm.spec.name} runs under ${vm.acceleratorNote}`);

  return {
    project,
    steps: orderSteps(steps),
    conflicts: draft.conflicts,
    issues: desired.issues,
    notes: [...desired.warnings, ...notes],
  };
}
