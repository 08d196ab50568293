// Planning the containers: created, recreated when they move engine or the file changed them (a
// container cannot be changed in place), started or stopped as the file says. Adds steps and conflicts
// to the plan being made. Pure.
import { containerDifferences, describeChanges } from './plan-describe.js';
import type { ObservedState, PlanDraft, PlanStep, PlanTarget } from './plan-types.js';
import type { DesiredState } from './resolve-types.js';

export function planContainers(desired: DesiredState, observed: ObservedState, draft: PlanDraft): void {
  const { project, conflicts } = draft;
  const step = (s: PlanStep) => draft.steps.push(s);
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
}
