// Planning the networks: the host bridges of external networks, the libvirt networks, and the engine
// networks of containers. Each adds its steps and conflicts to the plan being made. Pure.
import { autostartStep, describeChanges, describeNetwork, networkDifferences } from './plan-describe.js';
import type { ObservedState, PlanDraft, PlanStep, PlanTarget } from './plan-types.js';
import type { DesiredState } from './resolve-types.js';

/** Host bridges: Nova makes them, but never takes an uplink from another bridge or moves one. */
export function planBridges(desired: DesiredState, observed: ObservedState, draft: PlanDraft): void {
  const { project, conflicts } = draft;
  const step = (s: PlanStep) => draft.steps.push(s);
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
}

/** libvirt networks: made, recreated when they differ from the file, started, autostart set. */
export function planNetworks(desired: DesiredState, observed: ObservedState, draft: PlanDraft): void {
  const { project, conflicts } = draft;
  const step = (s: PlanStep) => draft.steps.push(s);
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
}

/** Engine networks: made when missing; Nova does not change an existing one. */
export function planEngineNetworks(desired: DesiredState, observed: ObservedState, draft: PlanDraft): void {
  const { project, conflicts } = draft;
  const step = (s: PlanStep) => draft.steps.push(s);
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
}
