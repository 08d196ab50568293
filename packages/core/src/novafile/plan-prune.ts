// What Nova owns in a project and the NovaFile no longer names: the steps that delete it, which a plan
// runs only when asked to prune. Pure.
import type { ObservedState, PlanStep } from './plan-types.js';
import type { DesiredState } from './resolve-types.js';

/** Delete steps for the project's resources the file no longer names; a pool only once it is empty. */
export function leftoverSteps(desired: DesiredState, observed: ObservedState, project: string): PlanStep[] {
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
  return leftovers;
}
