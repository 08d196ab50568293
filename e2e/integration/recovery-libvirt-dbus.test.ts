// libvirt-dbus killed with SIGKILL while a window and `nova metrics serve` run (the harness is
// e2e/support/recovery.ts). The bus would start it again at the next call, so it is held down for a
// while. The helper sees org.libvirt lose its owner and tells its subscribers at once: the window says
// libvirt is unavailable and names libvirt-dbus, the exporter's nova_backend_up{backend="libvirt"} drops
// to 0, `nova list` exits 4 naming it. Once it may run again, the helper's next health check starts it
// (libvirt-dbus connects to libvirtd and registers its event callbacks), the helper says libvirt is
// back, and Nova lists anew: a VM defined with virsh meanwhile (its event went nowhere) shows.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { BACKENDS, killAndRecover, type Rig, startRig, stopRig } from '../support/recovery.js';

let rig: Rig | undefined;

beforeAll(async () => {
  rig = await startRig();
}, 180_000);

afterAll(() => stopRig(rig), 180_000);

it('recovers from libvirt-dbus killed: unavailable named at once, listed again once the bus may start it', async () => {
  if (rig === undefined) throw new Error('the window and the exporter did not start');
  const outcome = await killAndRecover(rig, BACKENDS['libvirt-dbus']);
  expect(outcome.list.stderr).toMatch(/nova: libvirt: .*libvirt-dbus/);
}, 180_000);
