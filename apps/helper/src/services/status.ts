import { NOVA_VERSION } from '@nova/core';

import type { HelperGroupImplementation } from '../dispatcher.js';
import type { HelperContext } from './context.js';

export function statusMethods(ctx: HelperContext): HelperGroupImplementation<'status'> {
  const { libvirt, kvm } = ctx;
  return {
    GetStatus: async () => {
      const libvirtCheck = await libvirt.check();
      const failure = await kvm.failure();
      const kvmCheck =
        libvirtCheck.status !== 'ok'
          ? { status: 'unavailable' as const, detail: 'unknown: libvirt is unreachable' }
          : failure !== undefined
            ? {
                status: 'absent' as const,
                detail: `KVM failed to run a VM here (${failure}); VMs run under TCG. Delete ${kvm.file} to try KVM again.`,
              }
            : await libvirt.checkKvm();
      return { helperVersion: NOVA_VERSION, libvirt: libvirtCheck, kvm: kvmCheck };
    },
  };
}
