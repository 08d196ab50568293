// libvirtd killed with SIGKILL while a window and `nova metrics serve` run (the harness is
// e2e/support/recovery.ts). libvirt-dbus stays, but its calls fail and it is told nothing: the helper's
// health check (every 2 s while anyone listens) finds it, and the window says libvirt is unavailable,
// naming libvirtd (and how to start it); the exporter's nova_backend_up{backend="libvirt"} drops to 0,
// `nova list` exits 4. While it is down, a domain file is written where libvirtd loads its domains when
// it starts (what restoring a backup does): no event can tell Nova of it. When libvirtd is back, the
// helper's next call makes libvirt-dbus reconnect, which registers its event callbacks again; the
// helper says libvirt is back and Nova lists anew, so that VM shows, and a VM defined with virsh right
// after shows too.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { BACKENDS, killAndRecover, type Rig, startRig, stopRig } from '../support/recovery.js';

let rig: Rig | undefined;

beforeAll(async () => {
  rig = await startRig();
}, 180_000);

afterAll(() => stopRig(rig), 180_000);

it('recovers from libvirtd killed: unavailable named, and what it loads at start listed once it is back', async () => {
  if (rig === undefined) throw new Error('the window and the exporter did not start');
  const outcome = await killAndRecover(rig, BACKENDS.libvirtd);
  expect(outcome.list.stderr).toMatch(/nova: libvirt: libvirt is unreachable/);
}, 180_000);
