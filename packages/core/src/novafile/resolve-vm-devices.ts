// A VM's devices besides its disks, as the domain spec has them: network interfaces, PCI devices passed
// through (a GPU and its audio function), and the cloud-init configuration. Pure.
import type { DomainNicSpec, DomainSpec } from '../contract/specs.js';
import { absolute } from './resolve-names.js';
import type { ResolveContext, ResolveIssue } from './resolve-types.js';
import type { NovaFileModel, VmModel } from './schema.js';
import { profileOf } from './semantics.js';
import { shortHash } from './spec-hash.js';

/** The VM's interfaces: on a network the file declares, or on a libvirt network or bridge of the host. */
export function resolveNics(
  name: string,
  vm: VmModel,
  model: NovaFileModel,
  context: ResolveContext,
  issues: ResolveIssue[],
): DomainNicSpec[] {
  const nics: DomainNicSpec[] = [];
  const attach = (
    network: string,
    model_: DomainNicSpec['model'],
    mac: string | undefined,
    path: (string | number)[],
  ) => {
    const declared = model.network[network];
    let source: DomainNicSpec['source'] | undefined;
    if (declared !== undefined) {
      const profile = profileOf(declared);
      if (profile === undefined) {
        issues.push({
          path,
          message: `VM "${name}" cannot join ${declared.type} network "${network}": it is for containers`,
          hint: 'use a bridge network (profile nat, internal or external)',
        });
        return;
      }
      source = { type: 'network', network };
    } else if (context.libvirtNetworks.includes(network)) {
      source = { type: 'network', network };
    } else if (context.hostBridges.includes(network)) {
      source = { type: 'bridge', bridge: network };
    } else {
      issues.push({
        path,
        message: `network "${network}" of VM "${name}" does not exist on this host`,
        hint: `declare it as [network.${network}]`,
      });
      return;
    }
    nics.push({ source, model: model_, ...(mac === undefined ? {} : { mac: mac.toLowerCase() }) });
  };
  if (vm.network !== undefined) attach(vm.network, 'virtio', undefined, ['vm', name, 'network']);
  vm.nic.forEach((nic, index) => {
    attach(nic.network, nic.model, nic.mac, ['vm', name, 'nic', index, 'network']);
  });
  return nics;
}

/** The PCI devices passed through to the VM: its GPU, and the GPU's audio function if named. */
export function resolveHostdevs(
  name: string,
  vm: VmModel,
  context: ResolveContext,
  issues: ResolveIssue[],
): DomainSpec['hostdevs'] {
  const hostdevs: DomainSpec['hostdevs'] = [];
  if (vm.gpu_passthrough) {
    if (vm.gpu === undefined) {
      issues.push({
        path: ['vm', name, 'gpu_passthrough'],
        message: `VM "${name}" asks for GPU passthrough but names no GPU`,
        hint: `add [vm.${name}.gpu] with device_address = "0000:01:00.0" (see lspci -D)`,
      });
    } else {
      hostdevs.push({
        address: vm.gpu.device_address.toLowerCase(),
        ...(vm.gpu.romfile === undefined ? {} : { romFile: absolute(context.fileDir, vm.gpu.romfile) }),
      });
      if (vm.gpu.audio_device !== undefined) hostdevs.push({ address: vm.gpu.audio_device.toLowerCase() });
    }
  }
  return hostdevs;
}

/**
 * What the NoCloud seed for the VM holds, when the file configures cloud-init. The instance id changes
 * with what the seed holds, so that cloud-init in the guest runs again after a change.
 */
export function resolveCloudInit(
  name: string,
  vm: VmModel,
  context: ResolveContext,
  issues: ResolveIssue[],
): DomainSpec['cloudInit'] {
  if (vm.cloud_init === undefined) return undefined;
  const config = vm.cloud_init;
  let userData = config.user_data ?? '#cloud-config\n{}\n';
  if (config.user_data_file !== undefined) {
    const file = absolute(context.fileDir, config.user_data_file);
    const content = context.userDataFiles?.get(file);
    if (content === undefined) {
      issues.push({
        path: ['vm', name, 'cloud_init', 'user_data_file'],
        message: `cannot read ${file}`,
        hint: 'check the path; it is relative to the NovaFile',
      });
    } else {
      userData = content;
    }
  }
  const hostname = config.hostname ?? (/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/.test(name) ? name : undefined);
  const identity = `${userData}\n${config.ssh_authorized_keys.join('\n')}\n${hostname ?? ''}`;
  return {
    instanceId: `${name}-${shortHash(identity, 8)}`,
    ...(hostname === undefined ? {} : { hostname }),
    userData,
    publicKeys: config.ssh_authorized_keys,
  };
}
