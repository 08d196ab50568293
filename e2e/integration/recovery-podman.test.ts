// Podman's API service killed with SIGKILL while a window and `nova metrics serve` run (the harness is
// e2e/support/recovery.ts). Its event stream ends: the window says Podman is unavailable (its socket is
// left behind, and nothing answers it), the exporter's nova_backend_up{backend="podman"} drops to 0,
// `nova list` exits 4 naming podman. The stream reconnects with a growing wait (at most 5 s); once the
// service is back Nova lists Podman anew and follows it, so a container started right then shows.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { BACKENDS, killAndRecover, type Rig, startRig, stopRig } from '../support/recovery.js';

let rig: Rig | undefined;

beforeAll(async () => {
  rig = await startRig();
}, 180_000);

afterAll(() => stopRig(rig), 180_000);

it('recovers from Podman’s service killed: unavailable named at once, its new container shown once it is back', async () => {
  if (rig === undefined) throw new Error('the window and the exporter did not start');
  const outcome = await killAndRecover(rig, BACKENDS.podman);
  expect(outcome.list.stderr).toMatch(/nova: podman: .*podman/);
}, 180_000);
