import { type HelperInput, type HelperMethodName, helperMethods, type HelperOutput } from '@nova/core';
import { afterAll, describe, expect, it } from 'vitest';

import { GRANTED_USER, GUEST_DIR, requireLab, run, uniqueName } from '../support/lab.js';

// The granted test user, through the helper alone: a NAT bridge with DHCP, a VM on it, its lease.
const project = uniqueName('natvm');
const id = project.slice(-6);
const bridge = `nvn${id}`;
const vm = `vm-${id}`;
const octet = 150 + (Number.parseInt(id.slice(0, 2), 16) % 50);
const mac = `52:54:00:${id.slice(0, 2)}:${id.slice(2, 4)}:${id.slice(4, 6)}`;
const ownership = (name: string) => ({ project, name, specHash: 'a'.repeat(64) });

/** Calls the helper as the granted user with dbus-send, and reads the JSON reply. */
async function callAsGranted<M extends HelperMethodName>(
  method: M,
  input: HelperInput<M>,
): Promise<HelperOutput<M>> {
  const result = await run('runuser', [
    '-u',
    GRANTED_USER,
    '--',
    'dbus-send',
    '--system',
    '--print-reply',
    '--dest=dev.nova.Helper1',
    '/dev/nova/Helper1',
    `dev.nova.Helper1.${method}`,
    `string:${JSON.stringify(input)}`,
  ]);
  if (result.code !== 0) throw new Error(`${method}: ${result.stderr.trim()}`);
  const json = /string "([\s\S]*)"\s*$/.exec(result.stdout)?.[1];
  if (json === undefined) throw new Error(`${method}: no reply in ${result.stdout}`);
  return helperMethods[method].output.parse(JSON.parse(json)) as HelperOutput<M>;
}

describe('a NAT bridge and a VM on it, by a user polkit grants', () => {
  afterAll(async () => {
    await callAsGranted('DeleteDomain', { name: vm, project, removeVolumes: true }).catch(() => undefined);
    await callAsGranted('DeleteHostBridge', { name: bridge, project }).catch(() => undefined);
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm]);
  });

  it('creates the bridge, starts the VM on it, and sees the VM’s lease in the range', async () => {
    requireLab();
    await callAsGranted('CreateHostBridge', {
      spec: {
        name: bridge,
        ownership: ownership(bridge),
        stp: false,
        nat: {
          address: `10.196.${octet}.1`,
          prefix: 24,
          dhcp: { start: `10.196.${octet}.50`, end: `10.196.${octet}.60` },
        },
      },
      takeUplink: false,
    });
    // A VM may use only files inside a storage pool: the tiny guest's folder must be one.
    const { pools } = await callAsGranted('ListStorage', {});
    if (!pools.some((pool) => pool.path === GUEST_DIR)) {
      await callAsGranted('DefinePool', {
        spec: {
          name: 'nova-lab-guest',
          ownership: ownership('nova-lab-guest'),
          path: GUEST_DIR,
          shared: true,
          createFolder: false,
        },
      });
    }
    const bridges = await callAsGranted('ListHostBridges', {});
    expect(bridges.bridges.find((b) => b.name === bridge)).toMatchObject({ origin: 'nova', project });

    await callAsGranted('DefineDomain', {
      spec: {
        name: vm,
        ownership: ownership(vm),
        type: 'qemu',
        vcpus: 1,
        memoryBytes: 128 * 1024 * 1024,
        firmware: { type: 'bios', secureBoot: false },
        kernel: { path: `${GUEST_DIR}/vmlinuz`, initrd: `${GUEST_DIR}/initrd.img`, cmdline: 'console=ttyS0' },
        disks: [],
        nics: [{ source: { type: 'bridge', bridge }, model: 'virtio', mac }],
        hostdevs: [],
        graphics: false,
      },
    });
    expect(await callAsGranted('StartDomain', { name: vm, project })).toEqual({ state: 'running' });

    const deadline = Date.now() + 90_000;
    let lease: HelperOutput<'GetBridgeLeases'>['leases'][number] | undefined;
    while (lease === undefined && Date.now() < deadline) {
      lease = (await callAsGranted('GetBridgeLeases', { bridge })).leases.find((l) => l.mac === mac);
      if (lease === undefined) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(lease, 'the guest should take a DHCP lease from the bridge').toBeDefined();
    const last = Number(lease?.address.split('.')[3]);
    expect(lease?.address.startsWith(`10.196.${octet}.`)).toBe(true);
    expect(last).toBeGreaterThanOrEqual(50);
    expect(last).toBeLessThanOrEqual(60);
  });
});
