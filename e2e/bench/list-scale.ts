// Benchmark: listing many VMs over the system bus, the cockpit-machines way (one call per domain, all
// at once) against Nova's (bounded calls with retry, and `nova list` end to end through the helper).
// Run as root with the lab up: npm run bench -- [--count 1000]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { InstanceList } from '@nova/core';
import { BoundedCaller, connectSystemBus, LIBVIRT_BUS_NAME, LIMITS_EXCEEDED } from '@nova/core/node';
import { DBusError, Message } from 'dbus-next';

import {
  defineEmptyDomains,
  readJson,
  requireLab,
  runNova,
  undefineDomains,
  uniqueName,
} from '../support/lab.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' } },
});
const count = Number(values.count);
const rounds = Number(values.rounds);

/** Runs `task` once per round, timing each; returns the times and the first round's result. */
async function measure<T>(task: () => Promise<T>): Promise<{ first: T; ms: number[] }> {
  const ms: number[] = [];
  const results: T[] = [];
  for (let round = 0; round < Math.max(rounds, 1); round++) {
    const start = performance.now();
    results.push(await task());
    ms.push(performance.now() - start);
  }
  const [first] = results;
  if (first === undefined) throw new Error('no round ran');
  return { first, ms };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

requireLab();
const bus = await connectSystemBus();
const setup = new BoundedCaller(bus);
const prefix = uniqueName('bench');
const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
process.stdout.write(`defining ${count} domains… `);
const paths = await defineEmptyDomains(setup, names);
process.stdout.write('done\n');

try {
  const getXmlCall = (path: string) => ({
    destination: LIBVIRT_BUS_NAME,
    path,
    interface: 'org.libvirt.Domain',
    member: 'GetXMLDesc',
    signature: 'u',
    body: [0],
  });
  const answered = (outcomes: PromiseSettledResult<unknown>[]) =>
    outcomes.filter((o) => o.status === 'fulfilled').length;

  // Baseline: every call at once on one connection, as cockpit-machines does.
  const naive = await measure(async () => {
    const outcomes = await Promise.allSettled(paths.map((path) => bus.call(new Message(getXmlCall(path)))));
    const refused = outcomes.filter(
      (o) => o.status === 'rejected' && o.reason instanceof DBusError && o.reason.type === LIMITS_EXCEEDED,
    ).length;
    return { answered: answered(outcomes), refused };
  });

  // Nova: the same calls through the bounded caller.
  const bounded = await measure(async () => {
    const caller = new BoundedCaller(bus);
    const outcomes = await Promise.allSettled(paths.map((path) => caller.call(getXmlCall(path))));
    return { answered: answered(outcomes), retried: caller.retried };
  });

  // End to end: `nova list --json` through the helper, process start included.
  const cli = await measure(async () => {
    const listed = new Set(
      readJson((await runNova(['list', '--json'])).stdout, InstanceList).instances.map((i) => i.name),
    );
    return names.filter((name) => listed.has(name)).length;
  });

  const naiveMs = median(naive.ms);
  const boundedMs = median(bounded.ms);
  console.log(`\nlisting ${count} domains, median of ${rounds} rounds`);
  console.log(
    `  baseline, all calls at once : ${naive.first.answered}/${count} answered, ${naive.first.refused} refused by the bus, ${naiveMs.toFixed(0)} ms`,
  );
  console.log(
    `  Nova's bounded caller       : ${bounded.first.answered}/${count} answered, ${bounded.first.retried} retried, ${boundedMs.toFixed(0)} ms`,
  );
  console.log(
    `  nova list --json (helper)   : ${cli.first}/${count} listed, ${median(cli.ms).toFixed(0)} ms`,
  );
  console.log(
    `  completeness ratio (Nova / baseline): ${(bounded.first.answered / Math.max(naive.first.answered, 1)).toFixed(2)}`,
  );
  console.log(`  time ratio (Nova / baseline)        : ${(boundedMs / naiveMs).toFixed(2)}`);
} finally {
  await undefineDomains(setup, paths);
  bus.disconnect();
}
