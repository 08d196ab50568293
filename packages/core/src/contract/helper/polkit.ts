// The polkit actions of the helper's methods: one per operation, with its texts and defaults.

export type PolkitDefault = 'yes' | 'no' | 'auth_self' | 'auth_admin' | 'auth_self_keep' | 'auth_admin_keep';

export interface PolkitActionSpec {
  description: string;
  message: string;
  defaults: { allowAny: PolkitDefault; allowInactive: PolkitDefault; allowActive: PolkitDefault };
}

/** Reads: no password for a user at the machine (an active local session); nothing for others. */
const READ = { allowAny: 'no', allowInactive: 'no', allowActive: 'yes' } as const;
/** Changes: an administrator's password, remembered for a few minutes. */
const CHANGE = { allowAny: 'no', allowInactive: 'no', allowActive: 'auth_admin_keep' } as const;

const read = (what: string) => ({
  description: `See ${what}`,
  message: `Authentication is required to see ${what}`,
  defaults: READ,
});
const change = (what: string) => ({
  description: what.charAt(0).toUpperCase() + what.slice(1),
  message: `Authentication is required to ${what}`,
  defaults: CHANGE,
});

/** One polkit action per operation. `apps/helper/data/dev.nova.policy` is generated from this table. */
export const POLKIT_ACTIONS = {
  'dev.nova.status.read': {
    description: 'See whether Nova can reach libvirt and KVM',
    message: 'Authentication is required to read the status of Nova’s virtualization services',
    defaults: { allowAny: 'yes', allowInactive: 'yes', allowActive: 'yes' },
  },
  'dev.nova.vm.read': read('virtual machines, their state, statistics, addresses and snapshots'),
  'dev.nova.vm.define': change('create or change the definition of a virtual machine'),
  'dev.nova.vm.start': change('start a virtual machine'),
  'dev.nova.vm.stop': change('shut down or force off a virtual machine'),
  'dev.nova.vm.reboot': change('reboot a virtual machine'),
  'dev.nova.vm.pause': change('pause a virtual machine'),
  'dev.nova.vm.resume': change('resume a paused virtual machine'),
  'dev.nova.vm.delete': change('delete a virtual machine'),
  'dev.nova.vm.autostart': change('change whether a virtual machine starts with the host'),
  'dev.nova.vm.snapshot-create': change('take a snapshot of a virtual machine'),
  'dev.nova.vm.snapshot-revert': change('revert a virtual machine to a snapshot'),
  'dev.nova.vm.snapshot-delete': change('delete a snapshot of a virtual machine'),
  'dev.nova.vm.clone': change('clone a virtual machine with its disks'),
  'dev.nova.vm.nic-attach': change('attach a network interface to a virtual machine'),
  'dev.nova.vm.nic-detach': change('detach a network interface from a virtual machine'),
  'dev.nova.network.read': read('virtual networks, host interfaces and bridges, and DHCP leases'),
  'dev.nova.network.create': change('create a virtual network'),
  'dev.nova.network.start': change('start a virtual network'),
  'dev.nova.network.stop': change('stop a virtual network'),
  'dev.nova.network.autostart': change('change whether a virtual network starts with the host'),
  'dev.nova.network.delete': change('delete a virtual network'),
  'dev.nova.bridge.create': change('create a host bridge (with NAT and DHCP, or with an uplink)'),
  'dev.nova.bridge.delete': change('delete a host bridge'),
  'dev.nova.bridge.attach': change('add a host interface to a bridge'),
  'dev.nova.bridge.detach': change('take a host interface out of a bridge'),
  'dev.nova.bridge.stp': change('turn the spanning tree protocol of a bridge on or off'),
  'dev.nova.storage.read': read('storage pools and disk images'),
  'dev.nova.pool.create': change('create a storage pool'),
  'dev.nova.pool.delete': change('delete a storage pool'),
  'dev.nova.volume.create': change('create a disk image'),
  'dev.nova.volume.resize': change('resize a disk image'),
  'dev.nova.volume.delete': change('delete a disk image'),
  'dev.nova.volume.upload': change('copy a file into a storage pool as a disk image'),
  'dev.nova.container.read': read('the containers of root-owned engines, their details and their load'),
  'dev.nova.container.logs': change('read the logs of a container of a root-owned engine'),
  'dev.nova.container.create': change('create a container in a root-owned engine'),
  'dev.nova.container.start': change('start a container of a root-owned engine'),
  'dev.nova.container.stop': change('stop a container of a root-owned engine'),
  'dev.nova.container.restart': change('restart a container of a root-owned engine'),
  'dev.nova.container.pause': change('pause a container of a root-owned engine'),
  'dev.nova.container.resume': change('resume a paused container of a root-owned engine'),
  'dev.nova.container.delete': change('remove a container of a root-owned engine'),
  'dev.nova.container.exec': change('run a command inside a container of a root-owned engine'),
  'dev.nova.container.network-connect': change(
    'connect a container of a root-owned engine to one of that engine’s networks',
  ),
  'dev.nova.container.network-disconnect': change(
    'disconnect a container of a root-owned engine from one of that engine’s networks',
  ),
  'dev.nova.image.read': read('the images of root-owned container engines'),
  'dev.nova.image.pull': change('pull an image into a root-owned container engine'),
  'dev.nova.image.import': change('import an image from a file into a root-owned container engine'),
  'dev.nova.image.delete': change('remove an image from a root-owned container engine'),
  'dev.nova.engine-network.read': read('the networks and volumes of root-owned container engines'),
  'dev.nova.engine-network.create': change('create a network in a root-owned container engine'),
  'dev.nova.engine-network.delete': change('remove a network of a root-owned container engine'),
  'dev.nova.engine-volume.create': change('create a volume in a root-owned container engine'),
  'dev.nova.engine-volume.delete': change('remove a volume of a root-owned container engine'),
  'dev.nova.events.read': read(
    'changes to virtual machines, containers, networks and host interfaces as they happen',
  ),
} as const satisfies Record<string, PolkitActionSpec>;

export type PolkitActionId = keyof typeof POLKIT_ACTIONS;
