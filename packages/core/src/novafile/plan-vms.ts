// Planning the VMs: defined, updated when they differ from the file, started or stopped as it says, and
// autostart set. Adds steps and conflicts to the plan being made. Pure.
import { domainDifferences } from '../libvirt/domain-config.js';
import { autostartStep, describeChanges, describeVm } from './plan-describe.js';
import type { ObservedState, PlanDraft, PlanStep, PlanTarget } from './plan-types.js';
import type { DesiredState } from './resolve-types.js';

export function planVms(desired: DesiredState, observed: ObservedState, draft: PlanDraft): void {
  const { conflicts } = draft;
  const step = (s: PlanStep) => draft.steps.push(s);
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
}
