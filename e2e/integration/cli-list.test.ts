import { InstanceList, NOVA_VERSION, VersionReport } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  DENIED_USER,
  domainState,
  GRANTED_USER,
  readJson,
  removeContainer,
  removeDomain,
  REPO_ROOT,
  requireLab,
  run,
  runNova,
  startContainer,
  startLibvirtd,
  stopLibvirtd,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

const vmName = uniqueName('vm');
const ownedVmName = uniqueName('owned');
const containerName = uniqueName('ct');

describe('nova list against the lab', () => {
  beforeAll(async () => {
    requireLab();
    await defineDomain(tinyGuestXml(vmName));
    await virsh('start', vmName);
    await defineDomain(tinyGuestXml(ownedVmName, { novaOwned: true }));
    await startContainer(containerName);
  });

  afterAll(async () => {
    await startLibvirtd();
    await removeDomain(vmName);
    await removeDomain(ownedVmName);
    await removeContainer(containerName);
  });

  it('lists a VM defined with virsh and a container started with docker (as root)', async () => {
    const result = await runNova(['list', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = readJson(result.stdout, InstanceList);
    expect(list.instances.find((i) => i.name === vmName)).toMatchObject({
      kind: 'vm',
      state: 'running',
      origin: 'external',
      connection: 'qemu:///system',
      vcpus: 1,
      memoryBytes: 128 * 1024 * 1024,
    });
    expect(list.instances.find((i) => i.name === ownedVmName)).toMatchObject({
      kind: 'vm',
      state: 'stopped',
      origin: 'nova',
    });
    expect(list.instances.find((i) => i.name === containerName)).toMatchObject({
      kind: 'container',
      state: 'running',
      origin: 'external',
      engine: 'docker',
      image: 'nova-test/busybox:latest',
      via: 'direct',
    });
    expect(list.sources.find((s) => s.id === 'libvirt')).toMatchObject({ status: 'ok', via: 'helper' });
  });

  it('follows a change made behind its back (virsh suspend)', async () => {
    await virsh('suspend', vmName);
    try {
      const list = readJson((await runNova(['list', '--json'])).stdout, InstanceList);
      expect(list.instances.find((i) => i.name === vmName)?.state).toBe('paused');
    } finally {
      await virsh('resume', vmName);
    }
    expect(await domainState(vmName)).toBe('running');
  });

  it('prints a readable table without --json', async () => {
    const result = await runNova(['list']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAME\s+STATE\s+ORIGIN\s+WHERE$/);
    expect(lines.find((line) => line.includes(vmName))).toMatch(
      new RegExp(`^vm\\s+${vmName}\\s+running\\s+external\\s+qemu:///system$`),
    );
    expect(lines.find((line) => line.includes(containerName))).toMatch(
      /^container\s+\S+\s+running\s+external\s+docker$/,
    );
  });

  it('lists the same VM and container for a user polkit grants, the container through the helper', async () => {
    const result = await runNova(['list', '--json'], { user: GRANTED_USER });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = readJson(result.stdout, InstanceList);
    expect(list.instances.find((i) => i.name === vmName)).toMatchObject({ kind: 'vm', state: 'running' });
    expect(list.instances.find((i) => i.name === containerName)).toMatchObject({
      kind: 'container',
      engine: 'docker',
      via: 'helper',
    });
  });

  it('exits 3 for a user polkit does not grant, naming the refused action', async () => {
    const result = await runNova(['list', '--json'], { user: DENIED_USER });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not authorized: polkit refused action dev.nova.vm.read');
    const list = readJson(result.stdout, InstanceList);
    expect(list.instances.filter((i) => i.name === vmName || i.name === containerName)).toEqual([]);
    expect(list.sources.find((s) => s.id === 'libvirt')?.error?.code).toBe('not-authorized');
  });

  it('exits 4 and says libvirt is unreachable while libvirtd is stopped, still listing containers', async () => {
    await stopLibvirtd();
    try {
      const result = await runNova(['list', '--json']);
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/^nova: libvirt: libvirt is unreachable/m);
      const list = readJson(result.stdout, InstanceList);
      expect(list.sources.find((s) => s.id === 'libvirt')).toMatchObject({
        status: 'unavailable',
        error: { code: 'backend-unavailable' },
      });
      expect(list.instances.some((i) => i.name === containerName)).toBe(true);
      expect(list.instances.some((i) => i.kind === 'vm')).toBe(false);
    } finally {
      await startLibvirtd();
    }
    // And it recovers as soon as libvirtd is back.
    const again = await runNova(['list', '--json']);
    expect(again.code).toBe(0);
    expect(readJson(again.stdout, InstanceList).instances.some((i) => i.name === vmName)).toBe(true);
  });

  it('exits 4 and says so when there is no system bus', async () => {
    const result = await runNova(['list'], {
      env: { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('the system D-Bus is not running (no socket at /nonexistent/bus)');
  });

  it('exits 2 on a usage error', async () => {
    const result = await runNova(['list', '--yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--yaml'");
  });
});

describe('nova version against the lab', () => {
  it('reports the helper, libvirt, KVM and each engine, with why where one is missing', async () => {
    requireLab();
    const result = await runNova(['version', '--json']);
    expect(result.code).toBe(0);
    const report = readJson(result.stdout, VersionReport);
    expect(report.nova).toBe(NOVA_VERSION);
    const byName = Object.fromEntries(report.components.map((c) => [c.name, c]));
    expect(byName['helper']).toMatchObject({ status: 'ok', version: NOVA_VERSION });
    expect(byName['libvirt']).toMatchObject({ status: 'ok' });
    expect(byName['libvirt']?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(['ok', 'absent']).toContain(byName['kvm']?.status);
    expect(byName['docker']).toMatchObject({ status: 'ok', endpoint: 'unix:///var/run/docker.sock' });
    expect(byName['podman']).toMatchObject({ status: 'ok', endpoint: 'unix:///run/podman/podman.sock' });
    expect(byName['bolt']).toMatchObject({
      status: 'absent',
      detail: 'nothing listens at tcp://127.0.0.1:2375',
    });
  });

  it('runs as `npx nova` from the repository root', async () => {
    const result = await run('npx', ['--no-install', 'nova', 'version', '--json'], { cwd: REPO_ROOT });
    expect(result.code).toBe(0);
    expect(readJson(result.stdout, VersionReport).nova).toBe(NOVA_VERSION);
  });
});
