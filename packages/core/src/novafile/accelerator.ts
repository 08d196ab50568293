// The accelerator a VM runs under: KVM (hardware virtualization) or TCG (QEMU's emulation, libvirt's
// domain type "qemu"). accelerator = "auto" takes KVM where libvirt can use it; apply falls back to TCG
// when QEMU then fails to start the VM under KVM after all.
import type { DomainSpec } from '../contract/specs.js';
import type { VmModel } from './schema.js';
import { specHash } from './spec-hash.js';

/** The message start of the helper's error when QEMU could not run a VM under KVM here. */
export const KVM_FAILED = 'KVM cannot run VMs on this host';

/** The domain type for a VM, and why, when "auto" chose it. */
export function chooseAccelerator(
  vm: Pick<VmModel, 'accelerator'>,
  kvm: { usable: boolean; reason: string },
): { type: DomainSpec['type']; note: string | undefined } {
  const type =
    vm.accelerator === 'kvm' ? 'kvm' : vm.accelerator === 'tcg' ? 'qemu' : kvm.usable ? 'kvm' : 'qemu';
  const note =
    vm.accelerator === 'auto'
      ? type === 'kvm'
        ? 'kvm'
        : `tcg, because KVM is not usable here: ${kvm.reason}`
      : undefined;
  return { type, note };
}

/** The same VM under another accelerator, its hash recomputed as resolving would. */
export function withAccelerator(spec: DomainSpec, type: DomainSpec['type']): DomainSpec {
  const draft: DomainSpec = { ...spec, type, ownership: { ...spec.ownership, specHash: '' } };
  return { ...draft, ownership: { ...draft.ownership, specHash: specHash(draft) } };
}
