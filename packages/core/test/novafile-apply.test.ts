import { describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import { type ApplyBackend, type ApplyEvent, applyPlan } from '../src/novafile/apply.js';
import { emptyObservedState, type ObservedState, planChanges } from '../src/novafile/plan.js';
import { readNovaFile } from '../src/novafile/read.js';
import { KVM_FAILED, resolveDesiredState } from '../src/novafile/resolve.js';

// A recording backend double: this file tests the executor's order, progress and rollback; the lab
// suite applies for real.
function recorder(failOn?: string): { backend: ApplyBackend; calls: string[] } {
  const calls: string[] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]): Promise<void> => {
      const first = args[0];
      const label = `${name} ${
        typeof first === 'object' && first !== null && 'name' in first
          ? String(first.name)
          : args
              .filter((a) => typeof a === 'string')
              .slice(-1)
              .join('')
      }`.trim();
      calls.push(label);
      if (failOn !== undefined && label === failOn) throw new NovaError('failed', `${label} broke`);
      await Promise.resolve();
    };
  const backend: ApplyBackend = {
    createHostBridge: async (spec) => record('createHostBridge')(spec),
    deleteHostBridge: async (project, name) => record('deleteHostBridge')(project, name),
    defineNetwork: record('defineNetwork'),
    startNetwork: record('startNetwork'),
    setNetworkAutostart: record('setNetworkAutostart'),
    deleteNetwork: record('deleteNetwork'),
    definePool: record('definePool'),
    deletePool: record('deletePool'),
    createVolume: async (project, spec) => record('createVolume')(project, spec.name),
    resizeVolume: record('resizeVolume'),
    deleteVolume: async (project, pool, name) => record('deleteVolume')(project, pool, name),
    defineDomain: async (spec) => {
      await record('defineDomain')(spec);
      return { created: true };
    },
    startDomain: record('startDomain'),
    stopDomain: record('stopDomain'),
    setDomainAutostart: record('setDomainAutostart'),
    deleteDomain: async (project, name) => record('deleteDomain')(project, name),
    createContainer: async (_engine, spec) => record('createContainer')(spec),
    startContainer: async (_engine, _project, name) => record('startContainer')(name),
    stopContainer: async (_engine, _project, name) => record('stopContainer')(name),
    removeContainer: async (_engine, _project, name) => record('removeContainer')(name),
    createEngineNetwork: async (_engine, spec) => record('createEngineNetwork')(spec),
    removeEngineNetwork: async (_engine, _project, name) => record('removeEngineNetwork')(name),
  };
  return { backend, calls };
}

const FILE = `project = "lab"
[network.lab]
subnet = "10.60.0.0/24"
[vm.web]
network = "lab"
memory = "256Mi"
[container.api]
capsule = "nova-test/busybox:latest"
`;

function plan() {
  const read = readNovaFile(FILE);
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  const desired = resolveDesiredState(read.model, {
    fileDir: '/srv/lab',
    kvm: { usable: true, reason: '' },
    libvirtNetworks: [],
    hostBridges: [],
    poolsByPath: new Map(),
    defaultEngine: 'docker',
  });
  const empty: ObservedState = emptyObservedState();
  return planChanges(desired, empty, { prune: false });
}

describe('applyPlan', () => {
  it('runs every step in order and reports progress', async () => {
    const { backend, calls } = recorder();
    const events: ApplyEvent[] = [];
    const report = await applyPlan(plan(), backend, (event) => events.push(event));
    expect(report.ok).toBe(true);
    expect(calls).toEqual([
      'defineNetwork lab',
      'definePool nova-disks',
      'createVolume web.qcow2',
      'defineDomain web',
      'createContainer api',
      'startDomain web',
      'startContainer api',
    ]);
    expect(events.filter((e) => e.type === 'step' && e.status === 'done')).toHaveLength(7);
  });

  it('undoes what this run created, newest first, when a step fails', async () => {
    const { backend, calls } = recorder('startDomain web');
    const report = await applyPlan(plan(), backend);
    expect(report.ok).toBe(false);
    expect(report.failed).toMatchObject({
      step: { kind: 'vm', name: 'web', action: 'start' },
      error: { code: 'failed', message: 'startDomain web broke' },
    });
    expect(calls.slice(6)).toEqual([
      'removeContainer api',
      'deleteDomain web',
      'deleteVolume web.qcow2',
      'deletePool nova-disks',
      'deleteNetwork lab',
    ]);
    expect(report.rolledBack.map((r) => [r.description, r.ok])).toEqual([
      ['remove container api', true],
      ['delete VM web', true],
      ['delete disk image nova-disks/web.qcow2', true],
      ['delete storage pool nova-disks', true],
      ['delete network lab', true],
    ]);
  });

  it('reports a rollback step that fails and goes on with the others', async () => {
    const { backend } = recorder('createContainer api');
    const broken = {
      ...backend,
      deleteDomain: () => Promise.reject(new NovaError('backend-unavailable', 'libvirt is unreachable')),
    };
    const report = await applyPlan(plan(), broken);
    expect(report.rolledBack.map((r) => [r.description, r.ok, r.error?.message])).toEqual([
      ['delete VM web', false, 'libvirt is unreachable'],
      ['delete disk image nova-disks/web.qcow2', true, undefined],
      ['delete storage pool nova-disks', true, undefined],
      ['delete network lab', true, undefined],
    ]);
  });

  // KVM that passes libvirt's capability check and then fails to run a guest (nested virtualization)
  // cannot be produced on demand on a real host: this double's start fails the way the helper reports it.
  it('starts a VM under TCG, saying why, when KVM chosen by accelerator "auto" fails to run it', async () => {
    const { backend, calls } = recorder();
    const defined: string[] = [];
    let starts = 0;
    const kvmFails: ApplyBackend = {
      ...backend,
      defineDomain: async (spec) => {
        defined.push(spec.type);
        return backend.defineDomain(spec);
      },
      startDomain: async (project, name) => {
        starts += 1;
        if (starts === 1) throw new NovaError('failed', `${KVM_FAILED}: kvm run failed Invalid argument`);
        await backend.startDomain(project, name);
      },
    };
    const events: ApplyEvent[] = [];
    const report = await applyPlan(plan(), kvmFails, (event) => events.push(event));
    expect(report.ok).toBe(true);
    expect(defined).toEqual(['kvm', 'qemu']);
    expect(calls.filter((call) => call === 'startDomain web')).toHaveLength(1);
    expect(events).toContainEqual({
      type: 'note',
      message: `VM web: ${KVM_FAILED}: kvm run failed Invalid argument; starting it under TCG instead (much slower)`,
    });
  });

  it('does not hide a start failure that is not KVM’s behind a TCG retry', async () => {
    const { backend } = recorder();
    const defined: string[] = [];
    const broken: ApplyBackend = {
      ...backend,
      defineDomain: async (spec) => {
        defined.push(spec.type);
        return backend.defineDomain(spec);
      },
      startDomain: () => Promise.reject(new NovaError('failed', 'Cannot access storage file')),
    };
    const report = await applyPlan(plan(), broken);
    expect(report.ok).toBe(false);
    expect(report.failed?.error.message).toBe('Cannot access storage file');
    expect(defined).toEqual(['kvm']);
  });
});
