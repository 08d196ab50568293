// Benchmark: reading, validating, resolving and planning NovaFiles of 10, 100 and 1000 instances.
// Target: under 100 ms at 1000 instances, planning linear in size. Needs no services.
import { performance } from 'node:perf_hooks';

import { readNovaFile } from '@nova/core';
import {
  emptyObservedState,
  type ObservedState,
  planChanges,
  type ResolveContext,
  resolveDesiredState,
} from '@nova/core/node';

const SIZES = [10, 100, 1000];
const ROUNDS = 15;

/** A lab with `count` instances: half VMs, half containers, one NAT network per 50 instances. */
function novaFile(count: number): string {
  const lines = ['project = "bench"', ''];
  const networks = Math.max(1, Math.ceil(count / 50));
  for (let n = 0; n < networks; n++) {
    lines.push(
      `[network.net${n}]`,
      'profile = "nat"',
      `subnet = "10.${Math.floor(n / 200)}.${n % 200}.0/24"`,
      '',
    );
  }
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      lines.push(
        `[vm.vm${i}]`,
        'cpu = 2',
        'memory = "2Gi"',
        `network = "net${i % networks}"`,
        'accelerator = "tcg"',
        '',
        `[[vm.vm${i}.disk]]`,
        'name = "data"',
        'size = "10Gi"',
        '',
      );
    } else {
      lines.push(
        `[container.ct${i}]`,
        'capsule = "nginx:1.27"',
        `ports = ["${10_000 + i}:80"]`,
        'env.MODE = "bench"',
        'volumes = ["./data:/data"]',
        '',
      );
    }
  }
  return lines.join('\n');
}

const context: ResolveContext = {
  fileDir: '/srv/bench',
  kvm: { usable: true, reason: '' },
  libvirtNetworks: [],
  hostBridges: [],
  poolsByPath: new Map(),
  defaultEngine: 'docker',
};
const nothing: ObservedState = emptyObservedState();

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time<T>(task: () => T): { result: T; ms: number[] } {
  const ms: number[] = [];
  let result = task();
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    result = task();
    ms.push(performance.now() - start);
  }
  return { result, ms };
}

const rows: { size: number; bytes: number; read: number; resolve: number; plan: number; total: number }[] =
  [];
for (const size of SIZES) {
  const text = novaFile(size);
  const read = time(() => readNovaFile(text));
  if (!read.result.ok)
    throw new Error(`generated file does not read: ${JSON.stringify(read.result.errors.slice(0, 3))}`);
  const model = read.result.model;
  const resolved = time(() => resolveDesiredState(model, context));
  const planned = time(() => planChanges(resolved.result, nothing, { prune: false }));
  if (planned.result.steps.length === 0) throw new Error('the plan is empty');
  const r = median(read.ms);
  const s = median(resolved.ms);
  const p = median(planned.ms);
  rows.push({ size, bytes: text.length, read: r, resolve: s, plan: p, total: r + s + p });
}

console.log(`\nNovaFile scale, median of ${ROUNDS} rounds (ms)`);
console.log('instances   bytes      read+validate   resolve   plan    total');
for (const row of rows) {
  console.log(
    `${String(row.size).padStart(9)}   ${String(row.bytes).padStart(8)}   ${row.read.toFixed(2).padStart(13)}   ${row.resolve.toFixed(2).padStart(7)}   ${row.plan.toFixed(2).padStart(5)}   ${row.total.toFixed(2).padStart(6)}`,
  );
}
const [small, , large] = rows;
if (small !== undefined && large !== undefined) {
  console.log(
    `time per instance, 1000 vs 10: ${(large.total / large.size / (small.total / small.size)).toFixed(2)} (1.00 = linear)`,
  );
  console.log(`1000 instances: ${large.total.toFixed(1)} ms against a target of 100 ms`);
}
