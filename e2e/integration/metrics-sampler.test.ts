// Live metrics on the lab: one sampler over a real TCG guest, a real container and the host's /proc.
// It yields CPU and memory points for both instances and the host while used, and closes the engines'
// stats streams (no more samples arrive) as soon as its last user lets go.
import type { ContainerStats } from '@nova/core';
import {
  type ContainerManager,
  createNovaServices,
  HOST_SERIES,
  type MetricPoint,
  MetricsSampler,
  metricsSources,
  type NovaServices,
} from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  removeContainer,
  removeDomain,
  requireLab,
  startContainer,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

const vmName = uniqueName('metrics-vm');
const idleVm = uniqueName('metrics-off');
const containerName = uniqueName('metrics-ct');
let services: NovaServices;
let vmId: string;
let containerId: string;

/** The engines as the sampler sees them, counting the samples their stats streams deliver. */
function countingContainers(containers: ContainerManager) {
  const state = { samples: 0, open: 0, opened: 0 };
  const wrapped = {
    engines: async () => {
      const found = await containers.engines();
      return {
        ...found,
        engines: found.engines.map((engine) =>
          Object.assign(Object.create(engine) as typeof engine, {
            streamStats: async (onSample: (sample: ContainerStats) => void, signal: AbortSignal) => {
              state.open++;
              state.opened++;
              try {
                await engine.streamStats((sample) => {
                  state.samples++;
                  onSample(sample);
                }, signal);
              } finally {
                state.open--;
              }
            },
          }),
        ),
      };
    },
  } as unknown as ContainerManager;
  return { state, wrapped };
}

async function until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  requireLab();
  services = createNovaServices();
  await defineDomain(tinyGuestXml(vmName));
  await virsh('start', vmName);
  await defineDomain(tinyGuestXml(idleVm));
  vmId = `vm/${(await virsh('domuuid', vmName)).trim()}`;
  containerId = `container/docker/${await startContainer(containerName)}`;
});

afterAll(async () => {
  await removeDomain(vmName);
  await removeDomain(idleVm);
  await removeContainer(containerName);
  services.close();
});

describe('the metrics sampler on the lab', () => {
  it('asks libvirt for the running domains only: a shut-off one has no load to sample', async () => {
    const active = (await services.helper('GetDomainStats', { activeOnly: true })).stats.map((s) => s.name);
    expect(active).toContain(vmName);
    expect(active).not.toContain(idleVm);
    // Without the flag (nova vm stats), every domain is there, shut-off ones too.
    const all = (await services.helper('GetDomainStats', {})).stats.map((s) => s.name);
    expect(all).toEqual(expect.arrayContaining([vmName, idleVm]));
  });

  it('yields CPU and memory of a running VM and a running container, and the host’s figures', async () => {
    const { state, wrapped } = countingContainers(services.containers);
    const sampler = new MetricsSampler(metricsSources({ helper: services.helper, containers: wrapped }));
    const seen = new Map<string, MetricPoint[]>();
    const off = sampler.onTick((tick) => {
      for (const [id, point] of tick.points) seen.set(id, [...(seen.get(id) ?? []), point]);
    });
    const release = sampler.acquire();
    try {
      const withCpu = (id: string) =>
        seen.get(id)?.find((p) => p.cpuPercent !== undefined && p.memoryBytes !== undefined);
      const vm = await until('VM point with CPU and memory', 30_000, () => withCpu(vmId));
      const container = await until('container point with CPU and memory', 30_000, () =>
        withCpu(containerId),
      );
      const host = await until('host point with CPU', 10_000, () => withCpu(HOST_SERIES));
      // A TCG guest booting keeps its vCPU busy: some CPU, bounded by its one vCPU (with slack for jitter).
      expect(vm.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(vm.cpuPercent).toBeLessThan(150);
      expect(vm.memoryBytes).toBeGreaterThan(16 * 2 ** 20);
      expect(container.memoryBytes).toBeGreaterThan(0);
      expect(host.cpuPercent).toBeLessThanOrEqual(100);
      expect(host.memoryTotalBytes).toBeGreaterThan(host.memoryBytes ?? Number.POSITIVE_INFINITY);
      // One point a second: the fine tier holds them in order, on whole seconds.
      const hostPoints = sampler.points(HOST_SERIES, 0);
      expect(hostPoints.length).toBeGreaterThanOrEqual(2);
      expect(hostPoints.every((p) => p.t % 1000 === 0)).toBe(true);
      expect(state.open).toBeGreaterThan(0);
    } finally {
      release();
      off();
    }

    // Released: the streams end (their promises settle), and no more samples or ticks come.
    expect(sampler.running).toBe(false);
    await until('the engines’ stats streams to close', 5_000, () => (state.open === 0 ? true : undefined));
    const samples = state.samples;
    const ticks = sampler.ticks;
    await sleep(3_000);
    expect(state.samples).toBe(samples);
    expect(sampler.ticks).toBe(ticks);
    expect(sampler.streaming).toBe(false);
    sampler.close();
  });
});
