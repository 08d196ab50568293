import {
  HELPER_BUS_NAME,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  type HelperMethodName,
  helperMethods,
} from '@nova/core';
import { BoundedCaller, connectSystemBus } from '@nova/core/node';
import { DBusError, type MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HELPER_EXAMPLES } from '../support/helper-examples.js';
import { mustRun, requireLab, run } from '../support/lab.js';

// Hostile input for every method, sent as root (so that polkit lets it through to the checks): each
// must be refused as invalid input, and the helper must go on serving.
const HOSTILE = [
  "a'b",
  'a"b',
  '<domain/>',
  'a&b',
  '../../etc/passwd',
  '/var/lib/../../etc/shadow',
  '$(reboot)',
  '`id`',
  'a;rm -rf /',
  'a|b',
  'a b',
  '-rf',
  '',
  'x'.repeat(100_000),
  'naïve\u0000',
];
/** Keys whose values name or locate something: where a hostile value must never get through. */
const IDENTIFIERS = new Set([
  'name',
  'project',
  'snapshot',
  'clone',
  'bridge',
  'interface',
  'pool',
  'mac',
  'network',
  'volume',
  'path',
  'uplink',
  'engine',
  'names',
  'address',
  'start',
  'end',
  'loader',
  'initrd',
  'nvramTemplate',
  'romFile',
  'instanceId',
  'hostname',
  'container',
  'containers',
  'reference',
  'source',
  'target',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every copy of `value` with one identifier string replaced by `replacement`. */
function variants(value: Json, replacement: string, key = ''): Json[] {
  if (typeof value === 'string') return IDENTIFIERS.has(key) ? [replacement] : [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) =>
      variants(item, replacement, key).map((changed) =>
        value.map((original, i) => (i === index ? changed : original)),
      ),
    );
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      variants(v, replacement, k).map((changed) => ({ ...value, [k]: changed })),
    );
  }
  return [];
}

describe('hostile input', () => {
  let bus: MessageBus;
  let caller: BoundedCaller;

  const call = async (member: string, signature: string, body: unknown[]): Promise<string> => {
    try {
      await caller.call({
        destination: HELPER_BUS_NAME,
        path: HELPER_OBJECT_PATH,
        interface: HELPER_INTERFACE,
        member,
        signature,
        body,
      });
      return 'ok';
    } catch (err) {
      return err instanceof DBusError ? err.type : String(err);
    }
  };

  const helperPid = async (): Promise<number> => {
    const [pid] = await caller.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'GetConnectionUnixProcessID',
      signature: 's',
      body: [HELPER_BUS_NAME],
    });
    return Number(pid);
  };

  beforeAll(async () => {
    requireLab();
    bus = await connectSystemBus();
    caller = new BoundedCaller(bus);
    expect(await call('GetStatus', 's', ['{}'])).toBe('ok');
  });

  afterAll(async () => {
    // Should a hostile variant ever get through, what it made does not outlive the test.
    for (const [method, input] of [
      ['DeleteDomain', { name: 'example', project: 'nova-test-examples', removeVolumes: true }],
      ['DeleteNetwork', { name: 'example', project: 'nova-test-examples' }],
      ['DeleteHostBridge', { name: 'nv-example', project: 'nova-test-examples' }],
      ['DeletePool', { name: 'example', project: 'nova-test-examples' }],
      [
        'RemoveContainer',
        { engine: 'docker', container: 'example', project: 'nova-test-examples', force: true },
      ],
      ['RemoveEngineNetwork', { engine: 'docker', name: 'example', project: 'nova-test-examples' }],
      ['RemoveEngineVolume', { engine: 'docker', name: 'example', project: 'nova-test-examples' }],
    ] as const) {
      await call(method, 's', [JSON.stringify(input)]);
    }
    bus.disconnect();
  });

  it('has an example for every method', () => {
    expect(Object.keys(HELPER_EXAMPLES).sort()).toEqual(Object.keys(helperMethods).sort());
  });

  it('refuses quotes, markup, ../, shell metacharacters and huge strings in every identifier of every method', async () => {
    const pid = await helperPid();
    const accepted: string[] = [];
    let sent = 0;
    for (const method of Object.keys(helperMethods) as HelperMethodName[]) {
      for (const hostile of HOSTILE) {
        for (const input of variants(HELPER_EXAMPLES[method] as Json, hostile)) {
          sent += 1;
          const answer = await call(method, 's', [JSON.stringify(input)]);
          if (answer !== 'dev.nova.Helper1.Error.InvalidInput')
            accepted.push(`${method} ${JSON.stringify(input).slice(0, 160)} → ${answer}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(sent).toBeGreaterThan(500);
    expect(await helperPid()).toBe(pid);
  });

  it('refuses requests of the wrong D-Bus types, unknown keys and oversized requests for every method', async () => {
    const pid = await helperPid();
    for (const method of Object.keys(helperMethods)) {
      expect(await call(method, 'i', [1]), method).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(await call(method, '', []), method).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(await call(method, 'ss', ['{}', '{}']), method).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(await call(method, 's', ['not json']), method).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(
        await call(method, 's', [
          JSON.stringify({ ...(HELPER_EXAMPLES[method as HelperMethodName] as object), surprise: 1 }),
        ]),
        method,
      ).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(await call(method, 's', [`"${'x'.repeat(300 * 1024)}"`]), method).toBe(
        'dev.nova.Helper1.Error.InvalidInput',
      );
    }
    expect(await call('GetStatus', 's', ['{}'])).toBe('ok');
    expect(await helperPid()).toBe(pid);
  });

  it('refuses a VM whose disk or kernel is a host file outside every storage pool, also through a link in a pool', async () => {
    const link = `/var/lib/nova/disks/nova-test-link-${process.pid}.img`;
    await mustRun('ln', ['-sf', '/etc/shadow', link]);
    try {
      const define = (spec: object) =>
        call('DefineDomain', 's', [
          JSON.stringify({ spec: { ...(HELPER_EXAMPLES.DefineDomain.spec as object), ...spec } }),
        ]);
      const disk = (path: string) => ({
        disks: [
          {
            source: { type: 'file', path },
            format: 'raw',
            bus: 'virtio',
            target: 'vda',
            readonly: true,
            device: 'disk',
          },
        ],
      });
      expect(await define(disk('/etc/shadow'))).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(await define(disk(link))).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect(await define({ kernel: { path: '/etc/shadow' } })).toBe('dev.nova.Helper1.Error.InvalidInput');
      expect((await run('virsh', ['-c', 'qemu:///system', 'dominfo', 'example'])).code).not.toBe(0);
    } finally {
      await run('rm', ['-f', link]);
    }
  });
});
