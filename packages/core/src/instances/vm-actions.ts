// The lifecycle verbs of a VM, as the desktop app and `nova vm` both carry them out: each is one
// helper call (so one polkit check) on the VM the target names, by its UUID (the app's rows) or its
// name (what a person types). A click and a command take this same path.
import type { HelperCall, HelperOutput, VmTarget } from '../contract/helper/index.js';

/** How a VM is stopped: asked to shut down (and forced off after the timeout, if so asked), or forced off. */
export type StopHow =
  { mode: 'shutdown'; timeoutSeconds: number; forceAfterTimeout: boolean } | { mode: 'destroy' };

export const vmActions = {
  /** Starts the VM, or resumes it if it is paused. */
  start: (helper: HelperCall, target: VmTarget): Promise<HelperOutput<'StartDomain'>> =>
    helper('StartDomain', target),
  stop: (helper: HelperCall, target: VmTarget, how: StopHow): Promise<HelperOutput<'StopDomain'>> =>
    helper('StopDomain', { ...target, ...how }),
  reboot: (helper: HelperCall, target: VmTarget): Promise<HelperOutput<'RebootDomain'>> =>
    helper('RebootDomain', target),
  pause: (helper: HelperCall, target: VmTarget): Promise<HelperOutput<'PauseDomain'>> =>
    helper('PauseDomain', target),
  resume: (helper: HelperCall, target: VmTarget): Promise<HelperOutput<'ResumeDomain'>> =>
    helper('ResumeDomain', target),
  /** Forces the VM off and undefines it with its snapshots, and with the disk images Nova made if asked. */
  delete: (
    helper: HelperCall,
    target: VmTarget,
    removeVolumes: boolean,
  ): Promise<HelperOutput<'DeleteDomain'>> => helper('DeleteDomain', { ...target, removeVolumes }),
};
