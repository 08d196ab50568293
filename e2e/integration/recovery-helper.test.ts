// Nova's helper killed with SIGKILL while a window and `nova metrics serve` run (the harness is
// e2e/support/recovery.ts). The bus would start it again at the next call, so it is held down for a
// while. Nova sees its bus name lose its owner: the window says libvirt is unavailable because the
// helper went away, the exporter's nova_helper_up drops to 0, `nova list` exits 4 naming the helper.
// Once it may run again, the backend asks for its subscription (which starts a new helper), follows its
// signals again and lists anew: a VM defined with virsh meanwhile shows without a reload.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { BACKENDS, killAndRecover, type Rig, startRig, stopRig } from '../support/recovery.js';

let rig: Rig | undefined;

beforeAll(async () => {
  rig = await startRig();
}, 180_000);

afterAll(() => stopRig(rig), 180_000);

it('recovers from the helper killed: unavailable named at once, followed and listed again once it is back', async () => {
  if (rig === undefined) throw new Error('the window and the exporter did not start');
  const outcome = await killAndRecover(rig, BACKENDS.helper);
  expect(outcome.list.stderr).toMatch(/nova: libvirt: .*Nova.s helper/);
}, 180_000);
