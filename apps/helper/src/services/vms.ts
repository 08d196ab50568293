// The helper's methods for VMs (libvirt domains), one file for each of the contract's groups: reads,
// lifecycle, snapshots, and clones with network interfaces.
import type { HelperGroupImplementation } from '../dispatcher.js';
import type { HelperContext } from './context.js';
import { vmCloneAndNicMethods } from './vm-clone-nics.js';
import { vmLifecycleMethods } from './vm-lifecycle.js';
import { vmReadMethods } from './vm-reads.js';
import { vmSnapshotMethods } from './vm-snapshots.js';

export function vmMethods(
  ctx: HelperContext,
): HelperGroupImplementation<'vmReads' | 'vmLifecycle' | 'vmSnapshots' | 'vmCloneAndNics'> {
  return {
    ...vmReadMethods(ctx),
    ...vmLifecycleMethods(ctx),
    ...vmSnapshotMethods(ctx),
    ...vmCloneAndNicMethods(ctx),
  };
}
