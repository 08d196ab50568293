import { InstanceList } from '@nova/core';
import { BoundedCaller, connectSystemBus, LIBVIRT_BUS_NAME, mapBounded } from '@nova/core/node';
import type { MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineEmptyDomains,
  readJson,
  requireLab,
  runNova,
  undefineDomains,
  uniqueName,
} from '../support/lab.js';

// Why this test exists: cockpit-machines, shown 200 VMs, lists only 126–142 of them because
// it sends one call per VM at once and the bus refuses calls past 128 pending replies. Nova must list
// every one of many more, every time. (`npm run bench` shows the refused calls of the naive way.)
const COUNT = 1000;
const prefix = uniqueName('scale');
const names = Array.from({ length: COUNT }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

describe(`listing ${COUNT} defined VMs`, () => {
  let bus: MessageBus;
  let caller: BoundedCaller;
  const paths: string[] = [];

  beforeAll(async () => {
    requireLab();
    bus = await connectSystemBus();
    caller = new BoundedCaller(bus);
    paths.push(...(await defineEmptyDomains(caller, names)));
  });

  afterAll(async () => {
    await undefineDomains(caller, paths);
    bus.disconnect();
  });

  it('lists all of them, three times in a row', async () => {
    for (let round = 0; round < 3; round++) {
      const result = await runNova(['list', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const listed = new Set(readJson(result.stdout, InstanceList).instances.map((i) => i.name));
      const missing = names.filter((name) => !listed.has(name));
      expect(missing, `round ${round + 1}`).toEqual([]);
    }
  });

  it('keeps its calls on one connection well under the bus limit, all answered', async () => {
    const probe = new BoundedCaller(bus);
    const replies = await mapBounded(paths, paths.length, (path) =>
      probe.call({
        destination: LIBVIRT_BUS_NAME,
        path,
        interface: 'org.libvirt.Domain',
        member: 'GetXMLDesc',
        signature: 'u',
        body: [0],
      }),
    );
    expect(replies).toHaveLength(COUNT);
    expect(probe.peakInFlight).toBeLessThanOrEqual(32);
    expect(probe.peakInFlight).toBeGreaterThan(1);
  });
});
