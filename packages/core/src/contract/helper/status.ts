// The helper's own status: its version, and whether libvirt and KVM are usable.
import { HelperStatus } from '../helper-types.js';
import { Empty } from './inputs.js';
import { helperMethod } from './method.js';

export const statusMethods = {
  GetStatus: helperMethod({
    action: 'dev.nova.status.read',
    summary: 'Helper version, and whether libvirt and KVM are usable',
    input: Empty,
    output: HelperStatus,
  }),
};
