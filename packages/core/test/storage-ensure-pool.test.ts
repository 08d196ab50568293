// The storage a disk image needs, made on first use: ensureStoragePool against a fake helper (it
// records each call and answers ListStorage from a list of pools). The integration suite
// (e2e/integration/template-deploy.test.ts) runs it against the real helper on a host without nova-disks.
import { describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import type { HelperCall } from '../src/contract/helper/index.js';
import type { HelperMethodName, StoragePoolSummary } from '../src/contract/index.js';
import { readNovaFile } from '../src/novafile/read.js';
import { resolveDesiredState } from '../src/novafile/resolve.js';
import { ensureStoragePool } from '../src/storage/ensure-pool.js';
import { missingPoolHint, storagePoolChoices } from '../src/storage/pool-choices.js';

function pool(name: string, path: string, extra: Partial<StoragePoolSummary> = {}): StoragePoolSummary {
  return { name, path, active: true, autostart: true, origin: 'external', volumes: [], ...extra };
}

/** A fake helper over a list of pools: DefinePool adds or starts one, as the real helper does. */
function fakeHelper(pools: StoragePoolSummary[], refuse?: NovaError) {
  const calls: { method: HelperMethodName; input: unknown }[] = [];
  const helper = ((method: HelperMethodName, input: unknown) => {
    calls.push({ method, input });
    if (method === 'ListStorage') return Promise.resolve({ pools: structuredClone(pools) });
    if (method === 'DefinePool') {
      if (refuse !== undefined) return Promise.reject(refuse);
      const { spec } = input as { spec: { name: string; path: string } };
      const existing = pools.find((candidate) => candidate.name === spec.name);
      if (existing === undefined) pools.push(pool(spec.name, spec.path, { origin: 'nova', shared: true }));
      else existing.active = true;
      return Promise.resolve({});
    }
    return Promise.reject(new Error(`the fake helper has no ${method}`));
  }) as HelperCall;
  return { helper, calls, pools };
}

function progress() {
  const lines: string[] = [];
  return Object.assign((line: string) => lines.push(line), { lines });
}

describe('ensureStoragePool', () => {
  it('creates the default pool when it is missing, with the spec apply uses, and says so', async () => {
    const host = fakeHelper([pool('default', '/var/lib/libvirt/images')]);
    const said = progress();
    const ensured = await ensureStoragePool(host.helper, 'nova-disks', said, { project: 'lab' });
    expect(ensured).toEqual({ name: 'nova-disks', path: '/var/lib/nova/disks', action: 'created' });
    expect(said.lines).toEqual(['storage pool nova-disks did not exist: created it in /var/lib/nova/disks']);
    // The very spec NovaFile apply gives nova-disks for a VM's disk in /var/lib/nova/disks.
    const read = readNovaFile('project = "lab"\n[vm.web]\ncpu = 1\n');
    if (!read.ok) throw new Error('the file must read');
    const applied = resolveDesiredState(read.model, {
      fileDir: '/srv/lab',
      kvm: { usable: false, reason: 'test' },
      libvirtNetworks: [],
      hostBridges: [],
      poolsByPath: new Map(),
      defaultEngine: undefined,
    }).pools.find((desired) => desired.spec.name === 'nova-disks');
    expect(applied).toBeDefined();
    expect(host.calls.find((call) => call.method === 'DefinePool')?.input).toEqual({ spec: applied?.spec });
    // A second use finds it and does nothing more.
    const again = progress();
    expect(await ensureStoragePool(host.helper, 'nova-disks', again)).toMatchObject({ action: 'none' });
    expect(again.lines).toEqual([]);
    expect(host.calls.filter((call) => call.method === 'DefinePool')).toHaveLength(1);
  });

  it('does nothing but look when the pool exists and runs', async () => {
    const host = fakeHelper([pool('fast', '/srv/fast'), pool('nova-disks', '/var/lib/nova/disks')]);
    const said = progress();
    expect(await ensureStoragePool(host.helper, 'fast', said)).toEqual({
      name: 'fast',
      path: '/srv/fast',
      action: 'none',
    });
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage']);
    expect(said.lines).toEqual([]);
  });

  it('starts a stopped pool Nova made, and says so', async () => {
    const host = fakeHelper([
      pool('nova-disks', '/var/lib/nova/disks', {
        active: false,
        origin: 'nova',
        shared: true,
        project: 'a',
      }),
    ]);
    const said = progress();
    const ensured = await ensureStoragePool(host.helper, 'nova-disks', said, { project: 'b' });
    expect(ensured.action).toBe('started');
    expect(said.lines).toEqual(['storage pool nova-disks was not running: started it']);
    // The pool's own maker and folder: the helper starts a pool of Nova's it finds by name.
    expect(host.calls[1]?.input).toMatchObject({
      spec: { name: 'nova-disks', ownership: { project: 'a' }, path: '/var/lib/nova/disks', shared: true },
    });
    expect(host.pools[0]?.active).toBe(true);
  });

  it('refuses a stopped pool Nova did not make, saying how to start it', async () => {
    const host = fakeHelper([pool('theirs', '/srv/theirs', { active: false })]);
    const error = await ensureStoragePool(host.helper, 'theirs', progress()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NovaError);
    expect(error).toMatchObject({ code: 'conflict', message: 'storage pool "theirs" is not running' });
    expect((error as NovaError).detail).toContain('virsh -c qemu:///system pool-start theirs');
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage']);
  });

  it('refuses a pool the person named that does not exist, listing the pools there are and how to make one', async () => {
    const host = fakeHelper([
      pool('nova-disks', '/var/lib/nova/disks'),
      pool('default', '/var/lib/libvirt/images'),
    ]);
    const error = await ensureStoragePool(host.helper, 'fast', progress()).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'not-found', message: 'there is no storage pool named "fast"' });
    const detail = (error as NovaError).detail ?? '';
    expect(detail).toContain(
      'Storage pools on this host: default (/var/lib/libvirt/images), nova-disks (/var/lib/nova/disks).',
    );
    expect(detail).toContain('[storage.fast] with directory = "/path/to/folder"');
    expect(detail).toContain('nova apply');
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage']);
  });

  it('uses the pool that already holds the default folder under another name', async () => {
    const host = fakeHelper([pool('mydisks', '/var/lib/nova/disks')]);
    const said = progress();
    expect(await ensureStoragePool(host.helper, 'nova-disks', said)).toEqual({
      name: 'mydisks',
      path: '/var/lib/nova/disks',
      action: 'none',
    });
    expect(said.lines).toEqual([
      'using storage pool mydisks: it holds /var/lib/nova/disks, the folder of nova-disks',
    ]);
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage']);
  });

  it('keeps the helper’s code and hint when it refuses to create the pool', async () => {
    const host = fakeHelper([], new NovaError('not-authorized', 'polkit said no', 'ask your admin'));
    const error = await ensureStoragePool(host.helper, 'nova-disks', progress()).catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: 'not-authorized',
      message: 'cannot create storage pool nova-disks in /var/lib/nova/disks: polkit said no',
      detail: 'ask your admin',
    });
  });
});

describe('storage pool choices', () => {
  it('offer the default first, marked as not existing before its first use, then the others by name', () => {
    expect(storagePoolChoices([pool('zeta', '/z'), pool('alpha', '/a', { active: false })])).toEqual([
      {
        name: 'nova-disks',
        path: '/var/lib/nova/disks',
        isDefault: true,
        exists: false,
        active: false,
        madeByNova: true,
      },
      { name: 'alpha', path: '/a', isDefault: false, exists: true, active: false, madeByNova: false },
      { name: 'zeta', path: '/z', isDefault: false, exists: true, active: true, madeByNova: false },
    ]);
    const existing = storagePoolChoices([
      pool('a', '/a'),
      pool('nova-disks', '/var/lib/nova/disks', { origin: 'nova' }),
    ]);
    expect(existing.map((choice) => [choice.name, choice.isDefault, choice.exists])).toEqual([
      ['nova-disks', true, true],
      ['a', false, true],
    ]);
  });

  it('say so when the host has no pools at all', () => {
    expect(missingPoolHint('fast', [])).toMatch(/^There are no storage pools on this host yet\./);
  });
});
