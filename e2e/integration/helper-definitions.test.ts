// The helper remembers domain definitions between listings (a thousand XML reads made one) and forgets
// one whenever libvirt signals about that domain: what ListDomains says follows a change made with
// virsh behind Nova's back at once, not a minute later.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HelperClient, NOVA_LIBVIRT_XMLNS } from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { removeDomain, requireLab, tinyGuestXml, uniqueName, virsh } from '../support/lab.js';

const name = uniqueName('defs');
let client: HelperClient;

beforeAll(async () => {
  requireLab();
  client = await HelperClient.connect();
  const file = join(tmpdir(), `${name}.xml`);
  await writeFile(file, tinyGuestXml(name));
  await virsh('define', file);
});

afterAll(async () => {
  client.close();
  await removeDomain(name);
});

const listed = async () => (await client.call('ListDomains', {})).domains.find((d) => d.name === name);

describe('ListDomains with remembered definitions', () => {
  it('sees Nova’s mark set with virsh metadata on the next listing', async () => {
    expect(await listed()).toMatchObject({ origin: 'external' });
    await listed();
    await virsh(
      'metadata',
      name,
      '--uri',
      NOVA_LIBVIRT_XMLNS,
      '--key',
      'nova',
      '--set',
      '<instance managed="yes"/>',
      '--config',
    );
    // The signal travels libvirtd → libvirt-dbus → the helper; give it a moment, far below the minute.
    const deadline = Date.now() + 2000;
    let origin = (await listed())?.origin;
    while (origin !== 'nova' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      origin = (await listed())?.origin;
    }
    expect(origin).toBe('nova');
  });

  it('sees a domain redefined with more memory (virsh define) on the next listing', async () => {
    const before = await listed();
    const file = join(tmpdir(), `${name}-big.xml`);
    const xml = (await virsh('dumpxml', '--inactive', name))
      .replace(/<memory unit='KiB'>\d+<\/memory>/, "<memory unit='KiB'>262144</memory>")
      .replace(
        /<currentMemory unit='KiB'>\d+<\/currentMemory>/,
        "<currentMemory unit='KiB'>262144</currentMemory>",
      );
    await writeFile(file, xml);
    await virsh('define', file);
    const deadline = Date.now() + 2000;
    let memory = (await listed())?.memoryBytes;
    while (memory !== 262144 * 1024 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      memory = (await listed())?.memoryBytes;
    }
    expect(before?.memoryBytes).not.toBe(262144 * 1024);
    expect(memory).toBe(262144 * 1024);
  });
});

describe('ListDomainFacts', () => {
  const facts = async (names?: string[]) =>
    (await client.call('ListDomainFacts', names === undefined ? {} : { names })).domains;

  it('says a domain’s networks, autostart and activity, and follows virsh autostart and start', async () => {
    expect((await facts()).find((d) => d.name === name)).toMatchObject({
      networks: ['default'],
      autostart: false,
      active: false,
    });
    // libvirt sends no event for autostart: it is read from libvirt at each call.
    await virsh('autostart', name);
    expect(await facts([name])).toEqual([
      expect.objectContaining({ name, networks: ['default'], autostart: true, active: false }),
    ]);
    await virsh('autostart', '--disable', name);
    await virsh('start', name);
    try {
      expect(await facts([name])).toEqual([
        expect.objectContaining({ name, networks: ['default'], autostart: false, active: true }),
      ]);
    } finally {
      await virsh('destroy', name);
    }
    expect(await facts([name])).toEqual([expect.objectContaining({ active: false })]);
  });

  it('answers only for the domains named, and nothing for a name no domain has', async () => {
    expect((await facts([name, 'no-such-domain-here'])).map((d) => d.name)).toEqual([name]);
  });
});
