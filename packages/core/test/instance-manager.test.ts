import { describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import type { ContainerSummary, DomainSummary } from '../src/contract/helper/index.js';
import {
  type ContainerDiscovery,
  type ContainerSource,
  InstanceManager,
  type VmSource,
  worstSourceError,
} from '../src/instances/instance-manager.js';
import type { SourceStatus } from '../src/model/instance.js';

// In-memory sources stand in for the helper and the engines: this file tests the merge alone.
const domain = (name: string, uuid: string, extra: Partial<DomainSummary> = {}): DomainSummary => ({
  uuid,
  name,
  state: 'running',
  origin: 'external',
  vcpus: 1,
  memoryBytes: 1024,
  ...extra,
});
const container = (name: string, id: string, extra: Partial<ContainerSummary> = {}): ContainerSummary => ({
  containerId: id,
  name,
  state: 'running',
  origin: 'external',
  image: 'busybox',
  ...extra,
});

function vmSource(result: DomainSummary[] | Error): VmSource {
  return {
    endpoint: 'qemu:///system via test',
    listDomains: () =>
      result instanceof Error
        ? Promise.reject(result)
        : Promise.resolve({ connection: 'qemu:///system', domains: result }),
  };
}

function engine(
  engineName: 'docker' | 'podman',
  result: ContainerSummary[] | Error,
  via: 'direct' | 'helper' = 'direct',
): ContainerSource {
  return {
    engine: engineName,
    endpoint: `unix:///${engineName}.sock`,
    via,
    listContainers: () => (result instanceof Error ? Promise.reject(result) : Promise.resolve(result)),
  };
}

function discovery(...found: (ContainerSource | SourceStatus)[]): ContainerDiscovery {
  return { discover: () => Promise.resolve(found) };
}

const UUID_A = '00000000-0000-4000-8000-00000000000a';
const UUID_B = '00000000-0000-4000-8000-00000000000b';

describe('InstanceManager.list', () => {
  it('merges VMs and containers of every engine into one list, VMs first, then by name', async () => {
    const manager = new InstanceManager(
      vmSource([domain('zeta', UUID_A, { origin: 'nova' }), domain('alpha', UUID_B, { state: 'stopped' })]),
      discovery(
        engine('docker', [container('web', 'c1')]),
        engine('podman', [container('db', 'c2')], 'helper'),
      ),
    );
    const list = await manager.list();
    expect(list.instances.map((i) => [i.kind, i.name, i.state, i.origin])).toEqual([
      ['vm', 'alpha', 'stopped', 'external'],
      ['vm', 'zeta', 'running', 'nova'],
      ['container', 'db', 'running', 'external'],
      ['container', 'web', 'running', 'external'],
    ]);
    expect(list.instances.map((i) => i.id)).toEqual([
      `vm/${UUID_B}`,
      `vm/${UUID_A}`,
      'container/podman/c2',
      'container/docker/c1',
    ]);
    const podman = list.instances.find((i) => i.name === 'db');
    expect(podman).toMatchObject({ kind: 'container', engine: 'podman', via: 'helper', image: 'busybox' });
    expect(list.sources.map((s) => [s.id, s.status, s.count])).toEqual([
      ['libvirt', 'ok', 2],
      ['docker', 'ok', 1],
      ['podman', 'ok', 1],
    ]);
  });

  it('keeps the other sources when libvirt fails, and says why in its status', async () => {
    const manager = new InstanceManager(
      vmSource(new NovaError('backend-unavailable', 'libvirt is unreachable')),
      discovery(engine('docker', [container('web', 'c1')])),
    );
    const list = await manager.list();
    expect(list.instances.map((i) => i.name)).toEqual(['web']);
    expect(list.sources[0]).toMatchObject({
      id: 'libvirt',
      status: 'unavailable',
      error: { code: 'backend-unavailable', message: 'libvirt is unreachable' },
    });
    expect(worstSourceError(list)?.code).toBe('backend-unavailable');
  });

  it('reports an engine that fails while listing without losing the VMs', async () => {
    const manager = new InstanceManager(
      vmSource([domain('vm1', UUID_A)]),
      discovery(engine('docker', new Error('socket hang up'))),
    );
    const list = await manager.list();
    expect(list.instances.map((i) => i.name)).toEqual(['vm1']);
    expect(list.sources[1]).toMatchObject({
      id: 'docker',
      status: 'unavailable',
      error: { code: 'failed', message: 'socket hang up' },
    });
  });

  it('passes absent engines through as statuses that are not errors', async () => {
    const manager = new InstanceManager(
      vmSource([]),
      discovery({ id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' }),
    );
    const list = await manager.list();
    expect(list.sources[1]).toEqual({ id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' });
    expect(worstSourceError(list)).toBeUndefined();
  });
});

describe('worstSourceError', () => {
  it('prefers not-authorized over backend-unavailable over failed', async () => {
    const manager = new InstanceManager(
      vmSource(new NovaError('backend-unavailable', 'down')),
      discovery(
        engine('docker', new NovaError('failed', 'odd')),
        engine('podman', new NovaError('not-authorized', 'polkit refused action dev.nova.vm.read'), 'helper'),
      ),
    );
    const worst = worstSourceError(await manager.list());
    expect(worst?.code).toBe('not-authorized');
    expect(worst?.message).toContain('dev.nova.vm.read');
  });
});

describe('InstanceManager.list reusing a list read before', () => {
  function counting<T extends (...args: never[]) => Promise<unknown>>(fn: T): { fn: T; calls: () => number } {
    let calls = 0;
    return {
      fn: ((...args: never[]) => {
        calls++;
        return fn(...args);
      }) as T,
      calls: () => calls,
    };
  }

  it('asks again only the sources that changed, and takes the others as they were', async () => {
    const vms = vmSource([domain('alpha', UUID_A)]);
    const listDomains = counting(() => vms.listDomains());
    const docker = engine('docker', [container('web', 'c1')]);
    const listDocker = counting(() => docker.listContainers());
    const manager = new InstanceManager(
      { ...vms, listDomains: listDomains.fn },
      discovery({ ...docker, listContainers: listDocker.fn }),
    );
    const first = await manager.list();
    expect([listDomains.calls(), listDocker.calls()]).toEqual([1, 1]);

    const second = await manager.list({ reuse: { list: first, changed: new Set(['docker']) } });
    expect([listDomains.calls(), listDocker.calls()]).toEqual([1, 2]);
    expect(second).toEqual(first);

    await manager.list({ reuse: { list: first, changed: new Set(['libvirt']) } });
    expect([listDomains.calls(), listDocker.calls()]).toEqual([2, 2]);
  });

  it('asks again a source that had failed, or that now answers at another endpoint', async () => {
    const docker = engine('docker', [container('web', 'c1')]);
    const listDocker = counting(() => docker.listContainers());
    const manager = new InstanceManager(
      vmSource(new NovaError('backend-unavailable', 'libvirt is down')),
      discovery({ ...docker, listContainers: listDocker.fn }),
    );
    const first = await manager.list();
    const moved = {
      ...first,
      sources: first.sources.map((source) =>
        source.id === 'docker' ? { ...source, endpoint: 'unix:///elsewhere.sock' } : source,
      ),
    };
    const again = await manager.list({ reuse: { list: moved, changed: new Set() } });
    expect(listDocker.calls()).toBe(2);
    expect(again.sources[0]).toMatchObject({ id: 'libvirt', status: 'unavailable' });
  });
});
