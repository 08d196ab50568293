// What planning sees and gives: the state observed on the host, and the plan, its steps and conflicts.
import type {
  HostBridgeSummary,
  NetworkSummary,
  OwnedDomain,
  StoragePoolSummary,
} from '../contract/helper/index.js';
import type { ContainerSpec } from '../contract/specs.js';
import type { Difference } from '../libvirt/domain-config.js';
import type { EngineName, InstanceState, Origin } from '../model/instance.js';
import type {
  DesiredBridge,
  DesiredContainer,
  DesiredEngineNetwork,
  DesiredNetwork,
  DesiredPool,
  DesiredVm,
  DesiredVolume,
  ResolveIssue,
} from './resolve-types.js';

/** A container as an engine reports it, with Nova's labels read. */
export interface ObservedContainer {
  engine: EngineName;
  id: string;
  name: string;
  state: InstanceState;
  image: string;
  origin: Origin;
  project: string | undefined;
  specHash: string | undefined;
  /** The spec Nova applied (from its label), to say what changed. */
  spec: Partial<ContainerSpec> | undefined;
}

export interface ObservedEngineNetwork {
  engine: EngineName;
  name: string;
  origin: Origin;
  project: string | undefined;
}

export interface ObservedState {
  /** Every domain's name and owner, for conflicts. */
  domainOwners: ReadonlyMap<string, { origin: Origin; project: string | undefined }>;
  /** The project's own domains with their definitions. */
  ownedDomains: OwnedDomain[];
  networks: NetworkSummary[];
  hostBridges: HostBridgeSummary[];
  pools: StoragePoolSummary[];
  containers: ObservedContainer[];
  engineNetworks: ObservedEngineNetwork[];
}

export type StepKind = 'bridge' | 'network' | 'engine-network' | 'pool' | 'volume' | 'vm' | 'container';
export type StepAction =
  'create' | 'update' | 'recreate' | 'resize' | 'autostart' | 'start' | 'stop' | 'delete';

export interface PlanStep {
  kind: StepKind;
  name: string;
  action: StepAction;
  /** Why, in the user's words: what changed, or what drifted. */
  reason?: string;
  changes?: Difference[];
  /** The change was made outside Nova (the file did not change since Nova applied it). */
  drift?: boolean;
  /** A host interface this step takes into a bridge: apply needs the user's consent for it. */
  uplink?: string;
  /** For execution; left out of the JSON form. */
  target?: PlanTarget;
}

export type PlanTarget =
  | { kind: 'bridge'; desired: DesiredBridge }
  | { kind: 'network'; desired: DesiredNetwork }
  | { kind: 'engine-network'; desired: DesiredEngineNetwork }
  | { kind: 'pool'; desired: DesiredPool }
  | { kind: 'volume'; desired: DesiredVolume }
  | { kind: 'vm'; desired: DesiredVm }
  | { kind: 'container'; desired: DesiredContainer; existing?: ObservedContainer }
  | { kind: 'container-delete'; existing: ObservedContainer }
  | { kind: 'engine-network-delete'; existing: ObservedEngineNetwork }
  | { kind: 'autostart'; autostart: boolean };

/** Something in the way: a resource of the same name that Nova may not touch. */
export interface PlanConflict {
  kind: StepKind;
  name: string;
  message: string;
  hint?: string;
  /** Where in the NovaFile, when it is about a key. */
  path?: (string | number)[];
}

export interface Plan {
  project: string;
  steps: PlanStep[];
  conflicts: PlanConflict[];
  /** What the file cannot have here (from resolving it). */
  issues: ResolveIssue[];
  notes: string[];
}

export interface PlanOptions {
  /** Delete what Nova owns in this project and the file no longer names. */
  prune: boolean;
}

/**
 * A plan being made: each kind of resource adds its steps, conflicts and notes here, in the order it
 * finds them.
 */
export interface PlanDraft {
  project: string;
  steps: PlanStep[];
  conflicts: PlanConflict[];
  notes: string[];
}
