import { ManagedNetwork } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  defineDomain,
  mustRun,
  readJson,
  removeContainer,
  requireLab,
  run,
  runNova,
  startContainer,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

// `nova network` against the real helper, libvirt and Docker: a NAT network the tiny guest joins (and
// takes a lease from), a refused DHCP range, and a container on a Docker network.
const natName = uniqueName('netnat');
const badName = uniqueName('netbad');
const engineName = uniqueName('neteng');
const vm = uniqueName('netvm');
const container = uniqueName('netct');
const id = natName.slice(-6);
// Subnets of their own for this run (the overlap check refuses one in use, so a clash would show).
const second = 100 + (Number.parseInt(id.slice(0, 2), 16) % 100);
const third = Number.parseInt(id.slice(2, 4), 16) % 250;
const natSubnet = `10.${String(second)}.${String(third)}.0/24`;
const natPrefix = `10.${String(second)}.${String(third)}.`;
const engineSubnet = `10.${String(second)}.${String(third + 1)}.0/24`;

const Ok = z.object({ ok: z.literal(true) }).loose();
const Failed = z.object({
  ok: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});

async function inspect(name: string, kind?: string) {
  const result = await runNova([
    'network',
    'inspect',
    name,
    '--json',
    ...(kind === undefined ? [] : ['--kind', kind]),
  ]);
  expect(result.code, result.stderr).toBe(0);
  return readJson(result.stdout, ManagedNetwork);
}

/** The tiny guest with no interface: the one Nova attaches becomes its eth0, which it asks DHCP on. */
const guestWithoutNic = (name: string) =>
  tinyGuestXml(name).replace(/<interface[\s\S]*?<\/interface>\s*/, '');

describe('nova network', () => {
  beforeAll(async () => {
    requireLab();
    await defineDomain(guestWithoutNic(vm));
  });

  afterAll(async () => {
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm]);
    for (const name of [natName, badName]) {
      await run('virsh', ['-c', 'qemu:///system', 'net-destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'net-undefine', name]);
    }
    await removeContainer(container);
    await run('docker', ['network', 'rm', engineName]);
  });

  it('refuses a DHCP range outside the subnet, says which addresses to use, exits 2 and creates nothing', async () => {
    const result = await runNova([
      'network',
      'create',
      badName,
      '--subnet',
      natSubnet,
      '--dhcp-range',
      `${natPrefix}10-10.${String(second)}.${String(third + 1)}.20`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `DHCP range ${natPrefix}10–10.${String(second)}.${String(third + 1)}.20 is outside the subnet ${natSubnet}`,
    );
    expect(result.stderr).toContain(`between ${natPrefix}2 and ${natPrefix}254`);
    const json = await runNova([
      'network',
      'create',
      badName,
      '--subnet',
      natSubnet,
      '--dhcp-range',
      `${natPrefix}1-${natPrefix}20`,
      '--json',
    ]);
    expect(json.code).toBe(2);
    expect(readJson(json.stdout, Failed).error).toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('includes the gateway') as unknown,
    });
    expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', badName])).code).not.toBe(0);
  });

  it('creates a NAT network, attaches the running tiny guest, sees its lease, detaches it and deletes the network', async () => {
    const created = await runNova([
      'network',
      'create',
      natName,
      '--subnet',
      natSubnet,
      '--dhcp-range',
      `${natPrefix}100-${natPrefix}120`,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(readJson(created.stdout, Ok)).toMatchObject({ kind: 'libvirt', name: natName });
    const fresh = await inspect(natName);
    expect(fresh).toMatchObject({
      kind: 'libvirt',
      origin: 'nova',
      project: 'cli',
      mode: 'nat',
      active: true,
      autostart: true,
      subnet: natSubnet,
      gateway: `${natPrefix}1`,
      dhcp: { start: `${natPrefix}100`, end: `${natPrefix}120` },
      members: [],
    });
    expect(fresh.health.checks.find((check) => check.check === 'dhcp')).toMatchObject({ ok: true });

    await virsh('start', vm);
    const attached = await runNova(['network', 'attach', natName, vm, '--foreign', '--json']);
    expect(attached.code, attached.stderr).toBe(0);
    const { mac, live } = readJson(attached.stdout, z.object({ mac: z.string(), live: z.boolean() }).loose());
    expect(live).toBe(true);
    expect(await virsh('dumpxml', '--inactive', vm)).toContain(mac);

    const deadline = Date.now() + 90_000;
    let network = await inspect(natName);
    while (!network.leases.some((lease) => lease.mac === mac) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      network = await inspect(natName);
    }
    const lease = network.leases.find((entry) => entry.mac === mac);
    expect(lease, 'the guest should take a DHCP lease on the new network').toBeDefined();
    const last = Number(lease?.address.split('.')[3]);
    expect(lease?.address.startsWith(natPrefix)).toBe(true);
    expect(last).toBeGreaterThanOrEqual(100);
    expect(last).toBeLessThanOrEqual(120);
    expect(network.members).toContainEqual(expect.objectContaining({ kind: 'vm', name: vm, mac }));

    // A network with members is not deleted without --force; the refusal names them.
    const refused = await runNova(['network', 'delete', natName, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`VM ${vm} (${mac})`);
    expect(refused.stderr).toContain('--force');

    const detached = await runNova(['network', 'detach', natName, vm, '--foreign', '--json']);
    expect(detached.code, detached.stderr).toBe(0);
    expect(readJson(detached.stdout, Ok)).toMatchObject({ macs: [mac] });
    expect(await virsh('dumpxml', '--inactive', vm)).not.toContain(mac);
    expect((await inspect(natName)).members).toEqual([]);

    const off = await runNova(['network', 'autostart', natName, 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect((await inspect(natName)).autostart).toBe(false);

    const deleted = await runNova(['network', 'delete', natName, '--yes', '--json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', natName])).code).not.toBe(0);
  });

  it('puts a container on a Docker network and takes it off, and tells apart networks of the same name', async () => {
    await startContainer(container);
    const created = await runNova([
      'network',
      'create',
      engineName,
      '--engine',
      'docker',
      '--subnet',
      engineSubnet,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(await inspect(engineName)).toMatchObject({ kind: 'docker', origin: 'nova', subnet: engineSubnet });

    // The container is not Nova's: changing it needs --foreign.
    const refused = await runNova(['network', 'attach', engineName, container]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--foreign');

    const attached = await runNova(['network', 'attach', engineName, container, '--foreign']);
    expect(attached.code, attached.stderr).toBe(0);
    const networks = await mustRun('docker', [
      'inspect',
      '--format',
      '{{json .NetworkSettings.Networks}}',
      container,
    ]);
    expect(Object.keys(JSON.parse(networks) as object)).toContain(engineName);
    expect((await inspect(engineName)).members).toContainEqual(
      expect.objectContaining({ kind: 'container', name: container, engine: 'docker' }),
    );

    const detached = await runNova(['network', 'detach', engineName, container, '--foreign']);
    expect(detached.code, detached.stderr).toBe(0);
    expect((await inspect(engineName)).members).toEqual([]);

    const deleted = await runNova(['network', 'delete', engineName, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await run('docker', ['network', 'inspect', engineName])).code).not.toBe(0);

    // Docker and Podman both have a network named "bridge".
    const ambiguous = await runNova(['network', 'inspect', 'bridge']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('docker network "bridge"');
    expect(ambiguous.stderr).toContain('podman network "bridge"');
    expect(ambiguous.stderr).toContain('--kind');
    expect((await inspect('bridge', 'docker')).kind).toBe('docker');
  });
});
