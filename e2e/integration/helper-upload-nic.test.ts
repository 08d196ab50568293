import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type HelperInput, type HelperMethodName, helperMethods, type HelperOutput } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  GRANTED_USER,
  mustRun,
  removeDomain,
  requireLab,
  run,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';
import { makeDirectoryPool } from '../support/storage-pools.js';

const id = uniqueName('upnic').slice(-6);
const volume = `upload-${id}.qcow2`;
// A pool of this test's own: the helper's upload is tested, not Nova's default pool.
const poolName = `nova-test-upload-${id}`;
let pool: Awaited<ReturnType<typeof makeDirectoryPool>>;

async function callAs<M extends HelperMethodName>(
  user: string | undefined,
  method: M,
  input: HelperInput<M>,
): Promise<{ ok: true; value: HelperOutput<M> } | { ok: false; error: string }> {
  const args = [
    '--system',
    '--print-reply',
    '--dest=dev.nova.Helper1',
    '/dev/nova/Helper1',
    `dev.nova.Helper1.${method}`,
    `string:${JSON.stringify(input)}`,
  ];
  const result =
    user === undefined
      ? await run('dbus-send', args)
      : await run('runuser', ['-u', user, '--', 'dbus-send', ...args]);
  if (result.code !== 0) return { ok: false, error: result.stderr.trim() };
  const json = /string "([\s\S]*)"\s*$/.exec(result.stdout)?.[1] ?? 'null';
  return { ok: true, value: helperMethods[method].output.parse(JSON.parse(json)) as HelperOutput<M> };
}

describe('uploading a file into a pool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nova-upload-'));
  let uid = 0;
  let gid = 0;

  beforeAll(async () => {
    requireLab();
    pool = await makeDirectoryPool(poolName);
    uid = Number((await mustRun('id', ['-u', GRANTED_USER])).trim());
    gid = Number((await mustRun('id', ['-g', GRANTED_USER])).trim());
    chmodSync(dir, 0o755);
    await mustRun('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'mine.qcow2'), '64M']);
    chownSync(join(dir, 'mine.qcow2'), uid, gid);
    await mustRun('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'secret.qcow2'), '64M']);
    chmodSync(join(dir, 'secret.qcow2'), 0o600);
    await mustRun('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-b',
      '/etc/shadow',
      '-F',
      'raw',
      join(dir, 'sneaky.qcow2'),
    ]);
    chmodSync(join(dir, 'sneaky.qcow2'), 0o644);
  });

  afterAll(async () => {
    await callAs(undefined, 'DeleteVolume', { pool: poolName, name: volume });
    await pool.remove();
  });

  it('copies a file the user can read, as a qcow2 image in the pool', async () => {
    const result = await callAs(GRANTED_USER, 'UploadVolume', {
      pool: poolName,
      name: volume,
      source: join(dir, 'mine.qcow2'),
      format: 'qcow2',
    });
    expect(result).toMatchObject({
      ok: true,
      value: { format: 'qcow2', path: join(pool.path, volume) },
    });
    expect(await virsh('vol-info', '--pool', poolName, volume)).toMatch(/Capacity:\s+64\.00 MiB/);
  });

  it('refuses a file the user could not read, even though the helper is root', async () => {
    const result = await callAs(GRANTED_USER, 'UploadVolume', {
      pool: poolName,
      name: `x-${volume}`,
      source: join(dir, 'secret.qcow2'),
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('Error dev.nova.Helper1.Error.NotAuthorized: cannot read');
    expect(
      (await run('virsh', ['-c', 'qemu:///system', 'vol-info', '--pool', poolName, `x-${volume}`])).code,
    ).not.toBe(0);
  });

  it('refuses an image that points at a backing file on the host', async () => {
    const result = await callAs(GRANTED_USER, 'UploadVolume', {
      pool: poolName,
      name: `y-${volume}`,
      source: join(dir, 'sneaky.qcow2'),
    });
    expect(!result.ok && result.error).toContain('is an image on top of a backing file (/etc/shadow)');
    expect((await run('ls', ['-A', pool.path])).stdout).not.toContain('.nova-upload-');
  });
});

describe('network interfaces of a running VM', () => {
  const vm = `nova-test-nic-${id}`;
  const mac = `52:54:00:${id.slice(0, 2)}:${id.slice(2, 4)}:${id.slice(4, 6)}`;

  beforeAll(async () => {
    await defineDomain(tinyGuestXml(vm));
    await virsh('start', vm);
  });

  afterAll(async () => {
    await removeDomain(vm);
  });

  it('attaches a NIC live and to the definition, then detaches it (for a VM Nova did not create: foreign)', async () => {
    const refused = await callAs(undefined, 'AttachNic', {
      name: vm,
      nic: { source: { type: 'bridge', bridge: 'virbr0' }, model: 'virtio', mac },
    });
    expect(!refused.ok && refused.error).toContain('was not created by Nova');
    const attached = await callAs(undefined, 'AttachNic', {
      name: vm,
      foreign: true,
      nic: { source: { type: 'bridge', bridge: 'virbr0' }, model: 'virtio', mac },
    });
    expect(attached).toEqual({ ok: true, value: { mac, live: true } });
    expect(await virsh('domiflist', vm)).toContain(mac);
    expect(await virsh('domiflist', vm, '--inactive')).toContain(mac);
    expect(await callAs(undefined, 'DetachNic', { name: vm, foreign: true, mac })).toEqual({
      ok: true,
      value: { live: true },
    });
    expect(await virsh('domiflist', vm, '--inactive')).not.toContain(mac);
  });
});
