// Live instance state: a change made behind Nova's back (`docker stop`, `virsh suspend`) reaches the
// listeners of ContainerManager.watch and NovaServices.watchInstances, pushed by the engine or libvirt
// rather than found by polling, as main needs it to push `instances.changed` to the GUI. How fast is
// measured by the benchmarks (npm run bench -- gui-overview), not here.
import type { ContainerEvent, InstanceChange } from '@nova/core';
import { createNovaServices, type NovaServices } from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  mustRun,
  removeContainer,
  removeDomain,
  requireLab,
  startContainer,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error(`no ${what} within ${timeoutMs} ms`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

let services: NovaServices;

beforeAll(() => {
  requireLab();
  services = createNovaServices();
});

afterAll(() => {
  services.close();
});

describe.each(['docker', 'podman'] as const)('%s stop behind Nova’s back', (engine) => {
  const containers: string[] = [];
  const container = () => {
    const name = uniqueName(`${engine}-live`);
    containers.push(name);
    return name;
  };

  afterAll(async () => {
    for (const name of containers) await removeContainer(name, engine);
  });

  it('reaches ContainerManager.watch as it happens', async () => {
    const name = container();
    const id = await startContainer(name, engine);
    const events: ContainerEvent[] = [];
    let available = false;
    const stop = services.containers.watch({
      event: (event) => events.push(event),
      status: (status) => {
        if (status.engine === engine) available = status.status === 'available';
      },
    });
    try {
      await waitFor(() => (available ? true : undefined), 10_000, `${engine} event stream`);
      await mustRun(engine, ['stop', '-t', '0', name]);
      const event = await waitFor(
        () => events.find((e) => e.engine === engine && e.containerId === id && e.state === 'stopped'),
        30_000,
        'stop event',
      );
      expect(event.name).toBe(name);
    } finally {
      stop();
    }
  });

  it('reaches watchInstances as a change with the row’s id and new state', async () => {
    const name = container();
    const id = await startContainer(name, engine);
    const changes: InstanceChange[] = [];
    const stop = services.watchInstances((change) => changes.push(change));
    try {
      await waitFor(
        () =>
          changes.find(
            (c) => c.source === engine && c.instanceId === undefined && c.reason.includes('reachable'),
          ),
        10_000,
        `${engine} reachable`,
      );
      await mustRun(engine, ['stop', '-t', '0', name]);
      const change = await waitFor(
        () => changes.find((c) => c.instanceId === `container/${engine}/${id}` && c.state === 'stopped'),
        30_000,
        'stopped change',
      );
      // docker stop sends kill, die and stop: merged, the change says stopped; a busy machine may split
      // the burst, and then its first part already says the container exited.
      expect(change).toMatchObject({ source: engine, name });
      expect(change.reason).toMatch(new RegExp(`^${engine}: ${name} (stopped|exited)$`));
      await removeContainer(name, engine);
      const removed = await waitFor(
        () => changes.find((c) => c.instanceId === `container/${engine}/${id}` && c.removed === true),
        30_000,
        'removed change',
      );
      expect(removed.reason).toBe(`${engine}: ${name} removed`);
      // Events come in order: by the removal every change of the stop had arrived, the last one saying
      // stopped. (How kill, die and stop merge into one change is timed: the unit tests prove it.)
      const before = changes.filter(
        (c) => c.instanceId === `container/${engine}/${id}` && c.removed !== true,
      );
      expect(before.at(-1)?.state).toBe('stopped');
    } finally {
      stop();
    }
  });
});

describe('virsh behind Nova’s back', () => {
  const vm = uniqueName('live-vm');

  beforeAll(async () => {
    await defineDomain(tinyGuestXml(vm));
    await virsh('start', vm);
  });

  afterAll(async () => {
    await removeDomain(vm);
  });

  it('reaches watchInstances through the helper’s signals', async () => {
    const uuid = (await virsh('domuuid', vm)).trim();
    const changes: InstanceChange[] = [];
    const stop = services.watchInstances((change) => changes.push(change));
    try {
      await waitFor(
        () => changes.find((c) => c.source === 'libvirt' && c.reason.includes('reachable')),
        30_000,
        'libvirt reachable',
      );
      await virsh('suspend', vm);
      const change = await waitFor(
        () => changes.find((c) => c.instanceId === `vm/${uuid}` && c.state === 'paused'),
        30_000,
        'paused change',
      );
      expect(change).toMatchObject({ source: 'libvirt', name: vm, reason: `libvirt: ${vm} paused` });
    } finally {
      stop();
    }
  });
});
