import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { HelperSignalName, HelperSignalPayload } from '@nova/core';
import { HELPER_INTERFACE, HELPER_OBJECT_PATH } from '@nova/core';
import { HelperClient } from '@nova/core/node';
import { Message, MessageType } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  mustRun,
  removeDomain,
  requireLab,
  run,
  startLibvirtd,
  stopLibvirtd,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

// Clients never poll: changes made behind Nova's back arrive as the helper's signals.
type Received = { [S in HelperSignalName]: { signal: S; payload: HelperSignalPayload<S> } }[HelperSignalName];

const vm = uniqueName('events');
const id = vm.slice(-6);
const veth = `nvev${id}`;
const peer = `nvep${id}`;

describe('signals from the helper', () => {
  let client: HelperClient;
  let unsubscribe: () => Promise<void>;
  const received: Received[] = [];

  async function next(match: (event: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = received.findIndex(match);
      const [found] = index === -1 ? [] : received.splice(index, 1);
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(
          `no such signal within ${timeoutMs} ms; got ${JSON.stringify(received).slice(0, 2000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const helperPid = async (): Promise<string> =>
    /uint32 (\d+)/.exec(
      await mustRun('dbus-send', [
        '--system',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetConnectionUnixProcessID',
        'string:dev.nova.Helper1',
      ]),
    )?.[1] ?? '';

  beforeAll(async () => {
    requireLab();
    await defineDomain(tinyGuestXml(vm));
    await virsh('start', vm);
    await mustRun('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', peer]);
    client = await HelperClient.connect();
    unsubscribe = await client.subscribe((signal, payload) => {
      received.push({ signal, payload } as Received);
    });
  });

  afterAll(async () => {
    await unsubscribe();
    client.close();
    await startLibvirtd();
    await removeDomain(vm);
    await run('ip', ['link', 'del', veth]);
  });

  it('tells when a VM is suspended and resumed with virsh', async () => {
    await virsh('suspend', vm);
    expect(
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.event === 'suspended',
      ),
    ).toMatchObject({ payload: { state: 'paused' } });
    await virsh('resume', vm);
    expect(
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.event === 'resumed',
      ),
    ).toMatchObject({ payload: { state: 'running' } });
  });

  it('tells a VM’s changes in the order libvirt made them, also when one needs libvirt asked', async () => {
    // "defined" (the running VM's definition updated) does not say the state: the helper asks libvirt.
    // "suspended" says it and is told without asking; it must still come after "defined". One virsh
    // run makes both, back to back.
    const file = join(mkdtempSync(join(tmpdir(), 'nova-dom-')), 'domain.xml');
    writeFileSync(file, await virsh('dumpxml', '--inactive', vm));
    received.length = 0;
    await virsh(`define ${file} ; suspend ${vm} ; resume ${vm}`);
    const told = () =>
      received.flatMap((e) => (e.signal === 'DomainChanged' && e.payload.name === vm ? [e.payload] : []));
    await expect.poll(() => told().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    expect(told().map((payload) => payload.event)).toEqual(['defined', 'suspended', 'resumed']);
    expect(told().at(-1)?.state).toBe('running');
    received.length = 0;
  });

  it('ignores a signal that claims to be the helper’s but comes from another connection', async () => {
    const forger = await HelperClient.connect();
    // The bus does deliver it: this raw listener sees it arrive.
    let delivered = false;
    const raw = (message: { member?: string; body?: unknown[] }) => {
      if (message.member === 'DomainChanged' && String(message.body?.[0]).includes('forged-vm'))
        delivered = true;
    };
    client.bus.on('message', raw);
    try {
      const target = (client.bus as unknown as { name: string | null }).name;
      if (target === null) throw new Error('the client has no unique bus name');
      const forged = new Message({
        type: MessageType.SIGNAL,
        destination: target,
        path: HELPER_OBJECT_PATH,
        interface: HELPER_INTERFACE,
        member: 'DomainChanged',
        signature: 's',
        body: [
          JSON.stringify({
            event: 'stopped',
            name: 'forged-vm',
            uuid: '00000000-0000-4000-8000-000000000000',
            state: 'stopped',
          }),
        ],
      });
      forger.bus.send(forged);
      // A real change after the forged one: once it arrives, the forged one would have too.
      await virsh('suspend', vm);
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.state === 'paused',
      );
      expect(delivered).toBe(true);
      expect(received.some((e) => e.signal === 'DomainChanged' && e.payload.name === 'forged-vm')).toBe(
        false,
      );
      await virsh('resume', vm);
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.state === 'running',
      );
    } finally {
      client.bus.removeListener('message', raw);
      forger.close();
    }
  });

  it('tells when a VM is forced off', async () => {
    await virsh('destroy', vm);
    expect(
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.event === 'stopped',
      ),
    ).toMatchObject({ payload: { state: 'stopped' } });
  });

  it('tells when a libvirt network stops and starts', async () => {
    const name = uniqueName('evnet').slice(0, 20);
    const file = join(mkdtempSync(join(tmpdir(), 'nova-net-')), 'net.xml');
    writeFileSync(file, `<network><name>${name}</name><bridge name='nvb${id}'/></network>`);
    await virsh('net-create', file);
    expect(
      await next(
        (e) => e.signal === 'NetworkChanged' && e.payload.name === name && e.payload.event === 'started',
      ),
    ).toBeDefined();
    await virsh('net-destroy', name);
    expect(await next((e) => e.signal === 'NetworkChanged' && e.payload.event === 'stopped')).toBeDefined();
  });

  it('tells when a host link comes up and goes down (ip link set …)', async () => {
    await mustRun('ip', ['link', 'set', peer, 'up']);
    await mustRun('ip', ['link', 'set', veth, 'up']);
    expect(
      await next(
        (e) => e.signal === 'HostLinkChanged' && e.payload.name === veth && e.payload.state === 'UP',
      ),
    ).toBeDefined();
    await mustRun('ip', ['link', 'set', veth, 'down']);
    expect(
      await next(
        (e) => e.signal === 'HostLinkChanged' && e.payload.name === veth && e.payload.state === 'DOWN',
      ),
    ).toBeDefined();
  });

  it('goes on delivering events after libvirt-dbus itself is killed', async () => {
    received.length = 0;
    await run('pkill', ['-x', 'libvirt-dbus']);
    // The helper sees org.libvirt change hands, calls it (the bus starts a new libvirt-dbus, which then
    // follows libvirt's events) and says libvirt is available again, with the fresh list.
    expect(
      await next(
        (e) =>
          e.signal === 'BackendChanged' &&
          e.payload.backend === 'libvirt' &&
          e.payload.status === 'available',
      ),
    ).toBeDefined();
    await virsh('start', vm);
    expect(
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.event === 'started',
      ),
    ).toBeDefined();
    await virsh('destroy', vm);
    expect(
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.event === 'stopped',
      ),
    ).toBeDefined();
  });

  it('says libvirt is unavailable when libvirtd stops, and gives fresh state when it is back, without restarting', async () => {
    const before = await helperPid();
    received.length = 0;
    await stopLibvirtd();
    expect(
      await next((e) => e.signal === 'BackendChanged' && e.payload.status === 'unavailable'),
    ).toMatchObject({ payload: { backend: 'libvirt' } });
    await startLibvirtd();
    const back = await next((e) => e.signal === 'BackendChanged' && e.payload.status === 'available');
    expect(back.signal === 'BackendChanged' && back.payload.domains?.some((d) => d.name === vm)).toBe(true);
    expect(await helperPid()).toBe(before);
    // And the events flow again after the restart.
    await virsh('start', vm);
    expect(
      await next(
        (e) => e.signal === 'DomainChanged' && e.payload.name === vm && e.payload.event === 'started',
      ),
    ).toBeDefined();
  });
});
