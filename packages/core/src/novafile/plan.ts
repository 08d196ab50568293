// Planning: what must change on this host for it to match a NovaFile. Pure: the desired state comes
// from resolve.ts, the observed state from the helper and the engines.
import type {
  HostBridgeSummary,
  NetworkSummary,
  OwnedDomain,
  StoragePoolSummary,
} from '../contract/helper.js';
import type { ContainerSpec, NetworkSpec } from '../contract/specs.js';
import { type Difference, domainDifferences } from '../libvirt/domain-config.js';
import type { EngineName, InstanceState, Origin } from '../model/instance.js';
import type {
  DesiredBridge,
  DesiredContainer,
  DesiredEngineNetwork,
  DesiredNetwork,
  DesiredPool,
  DesiredState,
  DesiredVm,
  DesiredVolume,
  ResolveIssue,
} from './resolve.js';

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

const PHASE: Record<StepKind, number> = {
  bridge: 0,
  network: 1,
  'engine-network': 2,
  pool: 3,
  volume: 4,
  vm: 5,
  container: 6,
};
const DELETE_PHASE: Record<StepKind, number> = {
  container: 0,
  vm: 1,
  volume: 2,
  'engine-network': 3,
  network: 4,
  bridge: 5,
  pool: 6,
};

export interface PlanOptions {
  /** Delete what Nova owns in this project and the file no longer names. */
  prune: boolean;
}

function networkDifferences(spec: NetworkSpec, actual: NetworkSummary): Difference[] {
  const differences: Difference[] = [];
  const compare = (field: string, want: string, have: string) => {
    if (want !== have) differences.push({ field, want, have });
  };
  const mode = actual.forwardMode ?? 'isolated';
  compare(
    'profile',
    spec.mode === 'isolated' ? 'internal' : spec.mode,
    mode === 'isolated' ? 'internal' : mode,
  );
  compare('bridge', spec.bridge, actual.bridge ?? '(none)');
  const want = spec.ipv4 === undefined ? '(none)' : `${spec.ipv4.address}/${spec.ipv4.prefix}`;
  const have = actual.address === undefined ? '(none)' : `${actual.address}/${actual.prefix ?? '?'}`;
  compare('gateway/subnet', want, have);
  const dhcpWant = spec.ipv4?.dhcp === undefined ? '(none)' : `${spec.ipv4.dhcp.start}-${spec.ipv4.dhcp.end}`;
  const dhcpHave = actual.dhcpStart === undefined ? '(none)' : `${actual.dhcpStart}-${actual.dhcpEnd ?? '?'}`;
  compare('dhcp_range', dhcpWant, dhcpHave);
  return differences;
}

function describeChanges(changes: Difference[]): string {
  return changes.map((change) => `${change.field} ${change.have} → ${change.want}`).join('; ');
}

/** JSON for a value, "(none)" for an absent one (JSON.stringify gives undefined for it). */
function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

function containerDifferences(want: ContainerSpec, have: Partial<ContainerSpec> | undefined): Difference[] {
  if (have === undefined)
    return [{ field: 'spec', want: 'as in the file', have: 'unknown (no record of what Nova applied)' }];
  const keys = new Set(
    [...Object.keys(want), ...Object.keys(have)].filter((key) => key !== 'ownership' && key !== 'name'),
  ) as Set<keyof ContainerSpec>;
  const differences: Difference[] = [];
  for (const key of keys) {
    const a = show(key === 'env' ? Object.keys(want.env).sort() : want[key]);
    const b = show(key === 'env' ? Object.keys(have.env ?? {}).sort() : have[key]);
    if (a !== b) differences.push({ field: key === 'env' ? 'env (names)' : key, want: a, have: b });
  }
  if (differences.length === 0)
    differences.push({ field: 'env (values)', want: 'as in the file', have: 'different' });
  return differences;
}

function autostartStep(kind: 'network' | 'vm', name: string, autostart: boolean): PlanStep {
  return {
    kind,
    name,
    action: 'autostart',
    reason: autostart ? 'start with the host' : 'do not start with the host',
    target: { kind: 'autostart', autostart },
  };
}

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
  const steps: PlanStep[] = [];
  const conflicts: PlanConflict[] = [];
  const notes: string[] = [];
  const step = (s: PlanStep) => steps.push(s);

  // ── Host bridges (external networks) ──
  const bridgesByName = new Map(observed.hostBridges.map((b) => [b.name, b]));
  for (const bridge of desired.bridges) {
    const { name, uplink } = bridge.spec;
    const actual = bridgesByName.get(name);
    const network = bridge.spec.ownership.name;
    if (actual === undefined) {
      const taken = observed.hostBridges.find((b) => uplink !== undefined && b.members.includes(uplink));
      if (taken !== undefined) {
        conflicts.push({
          kind: 'bridge',
          name,
          path: ['network', network],
          message: `${uplink ?? ''} is already part of bridge ${taken.name}`,
          hint: `use ${taken.name} as the VMs' network instead`,
        });
        continue;
      }
      step({
        kind: 'bridge',
        name,
        action: 'create',
        reason:
          uplink === undefined
            ? 'a host bridge with no uplink'
            : `takes ${uplink} into the bridge: the host's connection over ${uplink} moves to ${name}`,
        ...(uplink === undefined ? {} : { uplink }),
        target: { kind: 'bridge', desired: bridge },
      });
    } else if (actual.origin !== 'nova' || actual.project !== project) {
      conflicts.push({
        kind: 'bridge',
        name,
        path: ['network', network],
        message: `host bridge ${name} exists and Nova did not create it for this project`,
        hint: 'rename the network',
      });
    } else if (actual.uplink !== uplink) {
      conflicts.push({
        kind: 'bridge',
        name,
        path: ['network', network, 'uplink'],
        message: `bridge ${name} has uplink ${actual.uplink ?? '(none)'}, the file says ${uplink ?? '(none)'}`,
        hint: 'Nova does not move an uplink; delete the network first (apply --prune without it)',
      });
    }
  }

  // ── Networks ──
  const networksByName = new Map(observed.networks.map((n) => [n.name, n]));
  for (const network of desired.networks) {
    const { name } = network.spec;
    const actual = networksByName.get(name);
    const target: PlanTarget = { kind: 'network', desired: network };
    if (actual === undefined) {
      step({ kind: 'network', name, action: 'create', reason: describeNetwork(network.spec), target });
      continue;
    }
    if (actual.origin !== 'nova' || actual.project !== project) {
      conflicts.push({
        kind: 'network',
        name,
        path: ['network', name],
        message:
          actual.origin === 'nova'
            ? `network "${name}" belongs to Nova project "${actual.project ?? '?'}"`
            : `a libvirt network named "${name}" exists and Nova did not create it`,
        hint:
          actual.origin === 'nova'
            ? 'give it another name in this file'
            : `to use it, leave [network.${name}] out of the file and name it as the VMs' network`,
      });
      continue;
    }
    const changes = networkDifferences(network.spec, actual);
    if (changes.length > 0 || actual.specHash !== network.spec.ownership.specHash) {
      const drift = actual.specHash === network.spec.ownership.specHash;
      step({
        kind: 'network',
        name,
        action: 'recreate',
        reason:
          changes.length === 0
            ? 'the file changed'
            : `${drift ? 'changed outside Nova: ' : ''}${describeChanges(changes)}`,
        changes,
        drift,
        target,
      });
      continue;
    }
    if (!actual.active) step({ kind: 'network', name, action: 'start', target });
    if (actual.autostart !== network.autostart) step(autostartStep('network', name, network.autostart));
  }

  // ── Engine networks ──
  for (const network of desired.engineNetworks) {
    const existing = observed.engineNetworks.find(
      (n) => n.name === network.spec.name && (network.engine === undefined || n.engine === network.engine),
    );
    if (existing === undefined) {
      step({
        kind: 'engine-network',
        name: network.spec.name,
        action: 'create',
        reason: `${network.engine ?? 'engine'} network${network.spec.internal ? ' (internal)' : ''}`,
        target: { kind: 'engine-network', desired: network },
      });
    } else if (existing.origin !== 'nova' || existing.project !== project) {
      conflicts.push({
        kind: 'engine-network',
        name: network.spec.name,
        message: `a ${existing.engine} network named "${network.spec.name}" exists and does not belong to project "${project}"`,
      });
    }
  }

  // ── Storage ──
  const poolsByName = new Map(observed.pools.map((p) => [p.name, p]));
  const poolsByPath = new Map(observed.pools.map((p) => [p.path, p]));
  for (const pool of desired.pools) {
    const { name, path } = pool.spec;
    const actual = poolsByName.get(name);
    if (actual === undefined) {
      const other = poolsByPath.get(path);
      if (other !== undefined) {
        conflicts.push({
          kind: 'pool',
          name,
          path: ['storage', name],
          message: `folder ${path} is already the storage pool "${other.name}"`,
          hint: `name the pool "${other.name}" in the file, or pick another folder`,
        });
        continue;
      }
      step({
        kind: 'pool',
        name,
        action: 'create',
        reason: `folder ${path}${pool.implicit ? ' (for disk images)' : ''}`,
        target: { kind: 'pool', desired: pool },
      });
      continue;
    }
    if (actual.origin !== 'nova' && !pool.implicit) {
      conflicts.push({
        kind: 'pool',
        name,
        path: ['storage', name],
        message: `a storage pool named "${name}" exists and Nova did not create it`,
      });
    } else if (actual.path !== path) {
      conflicts.push({
        kind: 'pool',
        name,
        path: ['storage', name, 'directory'],
        message: `storage pool "${name}" holds ${actual.path}, not ${path}`,
        hint: 'Nova does not move pools; pick another name',
      });
    } else if (!actual.active) {
      step({ kind: 'pool', name, action: 'start', target: { kind: 'pool', desired: pool } });
    }
  }
  for (const volume of desired.volumes) {
    const { pool, name, capacityBytes } = volume.spec;
    const actual = poolsByName.get(pool)?.volumes.find((v) => v.name === name);
    const label = `${pool}/${name}`;
    if (actual === undefined) {
      if (volume.createIfMissing) {
        step({
          kind: 'volume',
          name: label,
          action: 'create',
          reason: `${formatGi(capacityBytes)} ${volume.spec.format} for VM ${volume.vm}`,
          target: { kind: 'volume', desired: volume },
        });
      } else {
        conflicts.push({
          kind: 'volume',
          name: label,
          path: ['vm', volume.vm, 'storage'],
          message: `disk image ${label} of VM "${volume.vm}" does not exist`,
          hint: 'set create_if_missing = true, or create it',
        });
      }
    } else if (
      actual.capacityBytes < capacityBytes &&
      actual.origin === 'nova' &&
      actual.project === project
    ) {
      step({
        kind: 'volume',
        name: label,
        action: 'resize',
        reason: `${formatGi(actual.capacityBytes)} → ${formatGi(capacityBytes)}`,
        target: { kind: 'volume', desired: volume },
      });
    } else if (actual.capacityBytes < capacityBytes) {
      notes.push(
        `disk image ${label} is ${formatGi(actual.capacityBytes)}, smaller than the file's ${formatGi(capacityBytes)}; Nova grows only images it created`,
      );
    }
  }

  // ── VMs ──
  const owned = new Map(observed.ownedDomains.map((d) => [d.name, d]));
  for (const vm of desired.vms) {
    const { name } = vm.spec;
    const target: PlanTarget = { kind: 'vm', desired: vm };
    const actual = owned.get(name);
    if (actual === undefined) {
      const other = observed.domainOwners.get(name);
      if (other !== undefined) {
        conflicts.push({
          kind: 'vm',
          name,
          path: ['vm', name],
          message:
            other.origin === 'nova'
              ? `VM "${name}" belongs to Nova project "${other.project ?? '?'}"`
              : `a VM named "${name}" exists and Nova did not create it`,
          hint: 'give the VM another name in this file',
        });
        continue;
      }
      step({ kind: 'vm', name, action: 'create', reason: describeVm(vm), target });
      if (vm.state === 'running') step({ kind: 'vm', name, action: 'start', target });
      continue;
    }
    const changes = domainDifferences(vm.spec, {
      ...actual.config,
      kernel: actual.config.kernel,
      tpm: actual.config.tpm,
      lookingGlassMiB: actual.config.lookingGlassMiB,
    });
    if (changes.length > 0 || actual.mark.specHash !== vm.spec.ownership.specHash) {
      const drift = actual.mark.specHash === vm.spec.ownership.specHash;
      const running = actual.state !== 'stopped';
      step({
        kind: 'vm',
        name,
        action: 'update',
        reason: `${changes.length === 0 ? 'the file changed' : `${drift ? 'changed outside Nova: ' : ''}${describeChanges(changes)}`}${running && changes.length > 0 ? ' (applies at the next start)' : ''}`,
        changes,
        drift,
        target,
      });
    }
    if (vm.state === 'running' && actual.state !== 'running')
      step({
        kind: 'vm',
        name,
        action: 'start',
        ...(actual.state === 'paused' ? { reason: 'it is paused' } : {}),
        target,
      });
    if (vm.state === 'stopped' && actual.state !== 'stopped')
      step({ kind: 'vm', name, action: 'stop', target });
    if (actual.autostart !== vm.autostart) step(autostartStep('vm', name, vm.autostart));
  }

  // ── Containers ──
  for (const container of desired.containers) {
    const { name } = container.spec;
    const matches = observed.containers.filter((c) => c.name === name);
    const existing = matches.find((c) => c.origin === 'nova' && c.project === project);
    const foreign = matches.find((c) => c !== existing);
    if (existing === undefined && foreign !== undefined) {
      conflicts.push({
        kind: 'container',
        name,
        path: ['container', name],
        message:
          foreign.origin === 'nova'
            ? `container "${name}" belongs to Nova project "${foreign.project ?? '?'}"`
            : `a ${foreign.engine} container named "${name}" exists and Nova did not create it`,
        hint: 'give the container another name in this file',
      });
      continue;
    }
    const target: PlanTarget = {
      kind: 'container',
      desired: container,
      ...(existing === undefined ? {} : { existing }),
    };
    if (existing === undefined) {
      step({
        kind: 'container',
        name,
        action: 'create',
        reason: `${container.spec.image} on ${container.engine ?? 'the first reachable engine'}`,
        target,
      });
      if (container.state === 'running') step({ kind: 'container', name, action: 'start', target });
      continue;
    }
    if (container.engine !== undefined && existing.engine !== container.engine) {
      step({
        kind: 'container',
        name,
        action: 'recreate',
        reason: `moves from ${existing.engine} to ${container.engine}`,
        target,
      });
      if (container.state === 'running') step({ kind: 'container', name, action: 'start', target });
      continue;
    }
    // Containers are immutable (and their labels with them): any change makes a new one.
    if (existing.specHash !== container.spec.ownership.specHash) {
      const changes = containerDifferences(container.spec, existing.spec);
      step({
        kind: 'container',
        name,
        action: 'recreate',
        reason: describeChanges(changes),
        changes,
        target,
      });
      if (container.state === 'running') step({ kind: 'container', name, action: 'start', target });
      continue;
    }
    if (container.state === 'running' && existing.state !== 'running')
      step({ kind: 'container', name, action: 'start', target });
    if (container.state === 'stopped' && existing.state === 'running')
      step({ kind: 'container', name, action: 'stop', target });
  }

  // ── What Nova owns here and the file no longer names ──
  const leftovers: PlanStep[] = [];
  const wantedVms = new Set(desired.vms.map((vm) => vm.spec.name));
  for (const domain of observed.ownedDomains) {
    if (!wantedVms.has(domain.name))
      leftovers.push({
        kind: 'vm',
        name: domain.name,
        action: 'delete',
        reason: 'not in the file (with the disk images Nova created for it)',
      });
  }
  const wantedContainers = new Set(desired.containers.map((c) => c.spec.name));
  for (const container of observed.containers) {
    if (
      container.origin === 'nova' &&
      container.project === project &&
      !wantedContainers.has(container.name)
    ) {
      leftovers.push({
        kind: 'container',
        name: container.name,
        action: 'delete',
        reason: `not in the file (${container.engine})`,
        target: { kind: 'container-delete', existing: container },
      });
    }
  }
  const wantedEngineNetworks = new Set(desired.engineNetworks.map((n) => n.spec.name));
  for (const network of observed.engineNetworks) {
    if (network.origin === 'nova' && network.project === project && !wantedEngineNetworks.has(network.name)) {
      leftovers.push({
        kind: 'engine-network',
        name: network.name,
        action: 'delete',
        reason: `not in the file (${network.engine})`,
        target: { kind: 'engine-network-delete', existing: network },
      });
    }
  }
  const wantedNetworks = new Set(desired.networks.map((n) => n.spec.name));
  for (const network of observed.networks) {
    if (network.origin === 'nova' && network.project === project && !wantedNetworks.has(network.name)) {
      leftovers.push({ kind: 'network', name: network.name, action: 'delete', reason: 'not in the file' });
    }
  }
  const wantedBridges = new Set(desired.bridges.map((b) => b.spec.name));
  for (const bridge of observed.hostBridges) {
    if (bridge.origin === 'nova' && bridge.project === project && !wantedBridges.has(bridge.name)) {
      leftovers.push({
        kind: 'bridge',
        name: bridge.name,
        action: 'delete',
        reason:
          bridge.uplink === undefined
            ? 'not in the file'
            : `not in the file (${bridge.uplink} gets its addresses back)`,
      });
    }
  }
  const wantedPools = new Set(desired.pools.map((p) => p.spec.name));
  const usedPools = new Set(desired.volumes.map((v) => v.spec.pool));
  for (const pool of observed.pools) {
    if (
      pool.origin === 'nova' &&
      pool.shared !== true &&
      pool.project === project &&
      !wantedPools.has(pool.name) &&
      !usedPools.has(pool.name)
    ) {
      const remaining = pool.volumes.filter((v) => !(v.origin === 'nova' && v.project === project));
      if (remaining.length === 0)
        leftovers.push({
          kind: 'pool',
          name: pool.name,
          action: 'delete',
          reason: `not in the file (the folder ${pool.path} stays)`,
        });
    }
  }
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
    conflicts,
    issues: desired.issues,
    notes: [...desired.warnings, ...notes],
  };
}

const ACTION_ORDER: Record<StepAction, number> = {
  delete: 0,
  create: 1,
  recreate: 1,
  update: 2,
  resize: 2,
  autostart: 3,
  stop: 4,
  start: 5,
};

/** Resources before the instances that use them; starting after everything exists; deletes last. */
export function orderSteps(steps: PlanStep[]): PlanStep[] {
  const rank = (s: PlanStep): number => {
    if (s.action === 'delete') return 300 + DELETE_PHASE[s.kind];
    if (s.action === 'start' || s.action === 'stop') return 200 + PHASE[s.kind];
    return 100 + PHASE[s.kind] * 10 + ACTION_ORDER[s.action];
  };
  return steps
    .map((s, index) => ({ s, index }))
    .sort((a, b) => rank(a.s) - rank(b.s) || a.index - b.index)
    .map(({ s }) => s);
}

function formatGi(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}Gi`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}Mi`;
  return `${bytes} bytes`;
}

function describeNetwork(spec: NetworkSpec): string {
  const mode = spec.mode === 'nat' ? 'NAT' : spec.mode === 'isolated' ? 'internal' : 'bridged';
  if (spec.ipv4 === undefined) return `${mode} on ${spec.bridge}`;
  const dhcp = spec.ipv4.dhcp === undefined ? '' : `, DHCP ${spec.ipv4.dhcp.start}-${spec.ipv4.dhcp.end}`;
  return `${mode} ${spec.ipv4.address}/${spec.ipv4.prefix} on ${spec.bridge}${dhcp}`;
}

function describeVm(vm: DesiredVm): string {
  const nics = vm.spec.nics.map((nic) =>
    nic.source.type === 'network' ? nic.source.network : nic.source.bridge,
  );
  return `${vm.spec.vcpus} vCPU, ${formatGi(vm.spec.memoryBytes)}, ${vm.spec.type === 'kvm' ? 'kvm' : 'tcg'}${nics.length > 0 ? `, on ${nics.join(', ')}` : ''}`;
}

/** The plan as a stable JSON structure for tools and the GUI (no execution details). */
export function planToJson(plan: Plan, file: string): unknown {
  const count = (action: StepAction) => plan.steps.filter((s) => s.action === action).length;
  return {
    version: 1,
    file,
    project: plan.project,
    steps: plan.steps.map(({ kind, name, action, reason, changes, drift, uplink }) => ({
      kind,
      name,
      action,
      ...(reason === undefined ? {} : { reason }),
      ...(changes === undefined || changes.length === 0 ? {} : { changes }),
      ...(drift === true ? { drift: true } : {}),
      ...(uplink === undefined ? {} : { uplink }),
    })),
    conflicts: plan.conflicts.map(({ kind, name, message, hint }) => ({
      kind,
      name,
      message,
      ...(hint === undefined ? {} : { hint }),
    })),
    issues: plan.issues.map(({ path, ...rest }) => ({ ...rest, key: path.map(String).join('.') })),
    notes: plan.notes,
    summary: {
      create: count('create'),
      update: count('update') + count('resize') + count('autostart'),
      recreate: count('recreate'),
      delete: count('delete'),
      start: count('start'),
      stop: count('stop'),
    },
  };
}

const SYMBOLS: Record<StepAction, string> = {
  create: '+',
  update: '~',
  resize: '~',
  autostart: '~',
  recreate: '±',
  start: '>',
  stop: '■',
  delete: '-',
};

/** The plan for people: one line per step, like a diff. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  if (plan.steps.length === 0) {
    lines.push('Nothing to do: this host already matches the file.');
  } else {
    const width = Math.max(...plan.steps.map((s) => `${s.kind} ${s.name}`.length));
    for (const s of plan.steps) {
      const what = `${s.kind} ${s.name}`.padEnd(width);
      lines.push(
        `  ${SYMBOLS[s.action]} ${what}  ${s.action}${s.drift === true ? ' (drift)' : ''}${s.reason === undefined ? '' : `: ${s.reason}`}`,
      );
    }
    const json = planToJson(plan, '') as { summary: Record<string, number> };
    const parts = Object.entries(json.summary)
      .filter(([, n]) => n > 0)
      .map(([action, n]) => `${n} to ${action}`);
    lines.push('', `Plan: ${parts.join(', ')}.`);
  }
  for (const note of plan.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
