// Planning storage: the pools (declared, or made up for a disk folder) and the disk images Nova creates
// or grows. Adds steps, conflicts and notes to the plan being made. Pure.
import { formatGi } from './plan-describe.js';
import type { ObservedState, PlanDraft, PlanStep } from './plan-types.js';
import type { DesiredState } from './resolve-types.js';

export function planStorage(desired: DesiredState, observed: ObservedState, draft: PlanDraft): void {
  const { project, conflicts, notes } = draft;
  const step = (s: PlanStep) => draft.steps.push(s);
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
}
