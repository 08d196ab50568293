// Benchmark: what the helper costs. A read through the helper (polkit check, JSON, contract checks)
// against the same libvirt call made directly to libvirt-dbus, as a ratio; and one stats call for
// 1, 50 and 500 defined domains. Run as root with the lab up: npm run bench -- helper
import { performance } from 'node:perf_hooks';

import {
  BoundedCaller,
  connectSystemBus,
  HelperClient,
  LIBVIRT_BUS_NAME,
  LIBVIRT_QEMU_PATH,
} from '@nova/core/node';

import { defineEmptyDomains, requireLab, undefineDomains, uniqueName } from '../support/lab.js';

const ROUNDS = 200;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(rounds: number, task: () => Promise<unknown>): Promise<number> {
  await task();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

requireLab();
const bus = await connectSystemBus();
const direct = new BoundedCaller(bus);
const helper = new HelperClient(bus);
const setup = new BoundedCaller(bus);

const viaHelper = await time(ROUNDS, () => helper.call('GetDomainStats', {}));
const viaLibvirt = await time(ROUNDS, () =>
  direct.call({
    destination: LIBVIRT_BUS_NAME,
    path: LIBVIRT_QEMU_PATH,
    interface: 'org.libvirt.Connect',
    member: 'GetAllDomainStats',
    signature: 'uu',
    body: [1 | 2 | 4 | 8 | 16 | 32, 0],
  }),
);
console.log(`\nread round trip, median of ${ROUNDS} (ms)`);
console.log(`  direct to libvirt-dbus (GetAllDomainStats)   : ${viaLibvirt.toFixed(2)}`);
console.log(`  through the helper (GetDomainStats, polkit) : ${viaHelper.toFixed(2)}`);
console.log(`  ratio helper / direct                         : ${(viaHelper / viaLibvirt).toFixed(2)}`);

console.log('\nstats of all domains in one call, through the helper, median of 20 (ms)');
const prefix = uniqueName('statsbench');
let defined: string[] = [];
try {
  for (const count of [1, 50, 500]) {
    const names = Array.from(
      { length: count - defined.length },
      (_, i) => `${prefix}-${String(defined.length + i).padStart(4, '0')}`,
    );
    defined = [...defined, ...(await defineEmptyDomains(setup, names))];
    const ms = await time(20, () => helper.call('GetDomainStats', {}));
    const { stats } = await helper.call('GetDomainStats', {});
    console.log(
      `  ${String(count).padStart(4)} defined (${stats.length} in all on the host): ${ms.toFixed(2)}`,
    );
  }
} finally {
  await undefineDomains(setup, defined);
  bus.disconnect();
}
