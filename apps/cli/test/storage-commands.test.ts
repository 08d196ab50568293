import { type HelperOutput, NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { answering, nova } from './helper-double.js';

const GiB = 1024 ** 3;

const STORAGE: HelperOutput<'ListStorage'> = {
  pools: [
    {
      name: 'nova-disks',
      path: '/var/lib/nova/disks',
      active: true,
      autostart: true,
      origin: 'nova',
      shared: true,
      volumes: [
        {
          name: 'web-root.qcow2',
          path: '/var/lib/nova/disks/web-root.qcow2',
          capacityBytes: 10 * GiB,
          format: 'qcow2',
          origin: 'nova',
          project: 'demo',
        },
      ],
    },
    {
      name: 'default',
      path: '/var/lib/libvirt/images',
      active: true,
      autostart: false,
      origin: 'external',
      volumes: [
        {
          name: 'debian.iso',
          path: '/var/lib/libvirt/images/debian.iso',
          capacityBytes: 650 * 1024 * 1024,
          format: 'raw',
          origin: 'external',
        },
      ],
    },
  ],
};

describe('nova storage pool list', () => {
  it('prints every pool with state, owner, volume count and folder', async () => {
    const run = await nova(['storage', 'pool', 'list'], { ListStorage: STORAGE });
    expect(run.calls).toEqual([{ method: 'ListStorage', input: {} }]);
    expect(run.stdout.split('\n')).toEqual([
      'NAME        STATE   AUTOSTART  ORIGIN         VOLUMES  PATH',
      'default     active  no         external       1        /var/lib/libvirt/images',
      'nova-disks  active  yes        nova (shared)  1        /var/lib/nova/disks',
    ]);
    const json = await nova(['storage', 'pool', 'list', '--json'], { ListStorage: STORAGE });
    expect(JSON.parse(json.stdout)).toEqual(STORAGE);
  });
});

describe('nova storage volume', () => {
  it('list prints the images of every pool, or of one', async () => {
    const all = await nova(['storage', 'volume', 'list'], { ListStorage: STORAGE });
    expect(all.stdout.split('\n')).toEqual([
      'POOL        NAME            FORMAT  SIZE     ORIGIN       PATH',
      'nova-disks  web-root.qcow2  qcow2   10 GiB   nova (demo)  /var/lib/nova/disks/web-root.qcow2',
      'default     debian.iso      raw     650 MiB  external     /var/lib/libvirt/images/debian.iso',
    ]);
    const one = await nova(['storage', 'volume', 'list', 'default', '--json'], { ListStorage: STORAGE });
    expect(JSON.parse(one.stdout)).toEqual({
      volumes: [{ pool: 'default', ...STORAGE.pools[1]?.volumes[0] }],
    });
  });

  it('list of a pool that does not exist exits 1', async () => {
    const run = await nova(['storage', 'volume', 'list', 'nope'], { ListStorage: STORAGE });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('there is no storage pool named "nope"');
  });

  it('create parses the size and owns the image by project "default" unless told', async () => {
    const run = await nova(['storage', 'volume', 'create', 'nova-disks', 'data.qcow2', '--size', '10Gi'], {
      ListStorage: STORAGE,
      CreateVolume: { path: '/var/lib/nova/disks/data.qcow2' },
    });
    expect(run.calls).toEqual([
      { method: 'ListStorage', input: {} },
      {
        method: 'CreateVolume',
        input: {
          project: 'default',
          spec: { pool: 'nova-disks', name: 'data.qcow2', format: 'qcow2', capacityBytes: 10 * GiB },
        },
      },
    ]);
    expect(run.stdout).toBe(
      'Created disk image nova-disks/data.qcow2 (qcow2, 10 GiB) for project "default": /var/lib/nova/disks/data.qcow2',
    );
    const raw = await nova(
      ['storage', 'volume', 'create', 'nova-disks', 'data.img', '--size', '512M', '--format', 'raw'],
      { ListStorage: STORAGE, CreateVolume: { path: '/x' } },
    );
    expect(raw.calls[1]?.input).toMatchObject({
      project: 'default',
      spec: { format: 'raw', capacityBytes: 512_000_000 },
    });
    const owned = await nova(
      ['storage', 'volume', 'create', 'nova-disks', 'd', '--size', '1Gi', '--project', 'demo', '--json'],
      { ListStorage: STORAGE, CreateVolume: { path: '/var/lib/nova/disks/d' } },
    );
    expect(owned.calls[1]?.input).toMatchObject({ project: 'demo' });
    expect(JSON.parse(owned.stdout)).toEqual({ ok: true, path: '/var/lib/nova/disks/d' });
  });

  it('refuses a bad size, format or name before calling the helper (exit 2)', async () => {
    for (const args of [
      ['storage', 'volume', 'create', 'nova-disks', 'd', '--size', '10GB'],
      ['storage', 'volume', 'create', 'nova-disks', 'd', '--size', '10Ki'],
      ['storage', 'volume', 'create', 'nova-disks', 'd', '--size', '1Gi', '--format', 'vmdk'],
      ['storage', 'volume', 'create', 'nova-disks', 'd/e', '--size', '1Gi'],
      ['storage', 'volume', 'create', 'nova disks', 'd', '--size', '1Gi'],
      ['storage', 'volume', 'create', 'nova-disks', 'd'],
      ['storage', 'volume', 'resize', 'nova-disks', 'd', '--size', 'big'],
    ]) {
      const run = await nova(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.calls).toEqual([]);
    }
    const hint = await nova(['storage', 'volume', 'create', 'nova-disks', 'd', '--size', '10GB']);
    expect(hint.stderr).toContain('"GB" is not a size unit');
  });

  it('resize asks ResizeVolume with the new capacity', async () => {
    const run = await nova(
      ['storage', 'volume', 'resize', 'nova-disks', 'data.qcow2', '--size', '20Gi', '--project', 'demo'],
      { ResizeVolume: {} },
    );
    expect(run.calls).toEqual([
      {
        method: 'ResizeVolume',
        input: { project: 'demo', pool: 'nova-disks', name: 'data.qcow2', capacityBytes: 20 * GiB },
      },
    ]);
    expect(run.stdout).toBe('Disk image nova-disks/data.qcow2 is 20 GiB now.');
  });

  it('upload sends the absolute path of the file, and the format to insist on', async () => {
    const run = await nova(
      ['storage', 'volume', 'upload', 'nova-disks', 'base.qcow2', 'images/base.qcow2', '--format', 'qcow2'],
      {
        ListStorage: STORAGE,
        UploadVolume: { path: '/var/lib/nova/disks/base.qcow2', format: 'qcow2', sizeBytes: 196_616 },
      },
    );
    expect(run.calls).toEqual([
      { method: 'ListStorage', input: {} },
      {
        method: 'UploadVolume',
        input: {
          project: 'default',
          pool: 'nova-disks',
          name: 'base.qcow2',
          source: `${process.cwd()}/images/base.qcow2`,
          format: 'qcow2',
        },
      },
    ]);
    expect(run.stdout).toMatch(/^Copied .*images\/base\.qcow2 into nova-disks\/base\.qcow2 \(qcow2, /);
  });

  it('create and upload make nova-disks on first use, and say so', async () => {
    const defined: unknown[] = [];
    const answers = {
      ListStorage: { pools: STORAGE.pools.filter((pool) => pool.name !== 'nova-disks') },
      DefinePool: (input: unknown) => {
        defined.push(input);
        return {};
      },
      CreateVolume: { path: '/var/lib/nova/disks/d.qcow2' },
      UploadVolume: { path: '/var/lib/nova/disks/u.qcow2', format: 'qcow2', sizeBytes: 1 },
    };
    const created = await nova(
      ['storage', 'volume', 'create', 'nova-disks', 'd.qcow2', '--size', '1Gi'],
      answers,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.calls.map((call) => call.method)).toEqual(['ListStorage', 'DefinePool', 'CreateVolume']);
    expect(created.stderr).toBe(
      'nova: storage pool nova-disks did not exist: created it in /var/lib/nova/disks',
    );
    expect(defined[0]).toMatchObject({
      spec: {
        name: 'nova-disks',
        path: '/var/lib/nova/disks',
        shared: true,
        ownership: { project: 'default' },
      },
    });
    const uploaded = await nova(['storage', 'volume', 'upload', 'nova-disks', 'u.qcow2', 'u.qcow2'], answers);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.calls.map((call) => call.method)).toEqual(['ListStorage', 'DefinePool', 'UploadVolume']);
  });

  it('create and upload into a pool that does not exist fail with the pools there are, and write nothing', async () => {
    for (const args of [
      ['storage', 'volume', 'create', 'fast', 'd.qcow2', '--size', '1Gi'],
      ['storage', 'volume', 'upload', 'fast', 'u.qcow2', 'u.qcow2'],
    ]) {
      const run = await nova(args, { ListStorage: STORAGE });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.calls.map((call) => call.method)).toEqual(['ListStorage']);
      expect(run.stderr).toContain('there is no storage pool named "fast"');
      expect(run.stderr).toContain(
        'Storage pools on this host: default (/var/lib/libvirt/images), nova-disks (/var/lib/nova/disks).',
      );
    }
  });

  it('delete asks first, and refuses without --yes when there is no terminal', async () => {
    const refused = await nova(['storage', 'volume', 'delete', 'nova-disks', 'data.qcow2']);
    expect(refused.code).toBe(2);
    expect(refused.calls).toEqual([]);
    expect(refused.stderr).toContain('Pass --yes');
    const no = answering(false);
    const declined = await nova(['storage', 'volume', 'delete', 'nova-disks', 'data.qcow2'], {}, no);
    expect(declined.code).toBe(1);
    expect(declined.calls).toEqual([]);
    expect(no.questions).toEqual(['Delete disk image nova-disks/data.qcow2? Its data is lost.']);
    const run = await nova(['storage', 'volume', 'delete', 'nova-disks', 'data.qcow2', '--yes'], {
      DeleteVolume: {},
    });
    expect(run.calls).toEqual([
      { method: 'DeleteVolume', input: { pool: 'nova-disks', name: 'data.qcow2' } },
    ]);
    expect(run.stdout).toBe('Deleted disk image nova-disks/data.qcow2.');
  });

  it('exits 1 when the helper refuses an image Nova did not create', async () => {
    const run = await nova(['storage', 'volume', 'delete', 'default', 'debian.iso', '--yes'], {
      DeleteVolume: new NovaError(
        'conflict',
        'disk image "debian.iso" in pool "default" was not created by Nova',
      ),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('nova: disk image "debian.iso" in pool "default" was not created by Nova');
  });
});
