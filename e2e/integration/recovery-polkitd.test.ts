// polkitd killed with SIGKILL while a window and `nova metrics serve` run (the harness is
// e2e/support/recovery.ts). The bus would start it again at the next call, so it is held down for a
// while. Without polkit the helper authorizes nothing: it answers backend-unavailable naming polkit,
// never "not authorized" (nobody was refused). The helper sees polkit leave the bus and tells its
// subscribers: the window says libvirt's VMs are unavailable because of polkit; the exporter keeps
// nova_helper_up at 1 (the helper answered) and sets nova_backend_up{backend="polkit"} to 0; `nova list`
// exits 4, not 3. Once polkit may run again, the helper's next check starts it, the helper says polkit
// is back, and Nova lists anew: a VM defined with virsh meanwhile shows.
import { HelperClient, NovaError } from '@nova/core/node';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { BACKENDS, killAndRecover, type Rig, scrape, startRig, stopRig } from '../support/recovery.js';

let rig: Rig | undefined;

beforeAll(async () => {
  rig = await startRig();
}, 180_000);

afterAll(() => stopRig(rig), 180_000);

it('recovers from polkitd killed: the helper says polkit is unreachable, not a refusal, and all is listed once it is back', async () => {
  const current = rig;
  if (current === undefined) throw new Error('the window and the exporter did not start');
  const outcome = await killAndRecover(current, BACKENDS.polkitd, {
    whileDown: async () => {
      const client = await HelperClient.connect();
      try {
        const refused: unknown = await client.call('GetStatus', {}).catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(NovaError);
        expect((refused as NovaError).code).toBe('backend-unavailable');
        expect((refused as NovaError).message).toMatch(/^polkit is not reachable/);
      } finally {
        client.close();
      }
      // The helper itself answered all along.
      expect(await scrape(current, { name: 'nova_helper_up' })).toBe(1);
    },
  });
  expect(outcome.list.stderr).toMatch(/nova: libvirt: polkit is not reachable/);
  expect(outcome.list.stderr).not.toMatch(/not authorized/);
}, 180_000);
