import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { helperMethods } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  defineDomain,
  DENIED_USER,
  domainState,
  GUEST_DIR,
  readJson,
  requireLab,
  run,
  runNova,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

// `nova vm`, `nova network` and `nova storage` against the real helper: a VM Nova created (through a
// NovaFile), one defined with virsh behind Nova's back (foreign), and disk images in nova-disks.
const project = uniqueName('cli');
const suffix = project.slice(-6);
const novaVm = `clivm-${suffix}`;
const clone = `clivm-${suffix}-copy`;
const foreignVm = uniqueName('foreign');
const volume = `cli-${suffix}.qcow2`;
const POOL = 'nova-disks';
const dir = mkdtempSync(join(tmpdir(), 'nova-cli-vm-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');

const novaFile = [
  `project = "${project}"`,
  '',
  `[vm.${novaVm}]`,
  'cpu = 1',
  'memory = "128Mi"',
  'accelerator = "tcg"',
  'network = "default"',
  'state = "stopped"',
  '',
  `[vm.${novaVm}.boot]`,
  `kernel = "${GUEST_DIR}/vmlinuz"`,
  `initrd = "${GUEST_DIR}/initrd.img"`,
  'cmdline = "console=ttyS0"',
  '',
  `[[vm.${novaVm}.disk]]`,
  'name = "data"',
  'size = "64Mi"',
  '',
].join('\n');

const Ok = z.looseObject({ ok: z.literal(true) });

/** `nova ARGS` as root, expected to succeed; its stdout. */
async function nova(...args: string[]): Promise<string> {
  const result = await runNova(args);
  expect(result.code, `nova ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

const exists = {
  domain: async (name: string) => (await run('virsh', ['-c', 'qemu:///system', 'dominfo', name])).code === 0,
  volume: async (name: string) =>
    (await run('virsh', ['-c', 'qemu:///system', 'vol-info', '--pool', POOL, name])).code === 0,
};

async function removeDomainCompletely(name: string): Promise<void> {
  await run('virsh', ['-c', 'qemu:///system', 'destroy', name]);
  await run('virsh', ['-c', 'qemu:///system', 'undefine', name, '--snapshots-metadata', '--nvram']);
}

describe('nova vm, network and storage commands against the lab', () => {
  beforeAll(async () => {
    requireLab();
    await defineDomain(tinyGuestXml(foreignVm));
    writeFileSync(file, novaFile);
    const applied = await runNova(['-c', file, 'apply', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
  });

  afterAll(async () => {
    // Whatever a failed test left: Nova's own prune first, then by hand.
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    for (const name of [novaVm, clone, foreignVm]) await removeDomainCompletely(name);
    for (const name of [`${novaVm}-data.qcow2`, `${clone}-data.qcow2`, volume]) {
      await run('virsh', ['-c', 'qemu:///system', 'vol-delete', '--pool', POOL, name]);
    }
  });

  it('lists both VMs with their origin (vm list --json)', async () => {
    const list = readJson(await nova('vm', 'list', '--json'), helperMethods.ListDomains.output);
    expect(list.domains.find((d) => d.name === novaVm)).toMatchObject({
      state: 'stopped',
      origin: 'nova',
      vcpus: 1,
      memoryBytes: 128 * 1024 * 1024,
    });
    expect(list.domains.find((d) => d.name === foreignVm)).toMatchObject({
      state: 'stopped',
      origin: 'external',
    });
  });

  it('shows a VM in detail (vm info), readable and as JSON', async () => {
    const info = readJson(await nova('vm', 'info', novaVm, '--json'), helperMethods.GetDomainInfo.output);
    expect(info).toMatchObject({
      name: novaVm,
      state: 'stopped',
      origin: 'nova',
      project,
      persistent: true,
      autostart: false,
      vcpus: 1,
      snapshots: 0,
    });
    expect(info.disks).toContainEqual(
      expect.objectContaining({
        source: { type: 'volume', pool: POOL, volume: `${novaVm}-data.qcow2` },
        format: 'qcow2',
      }),
    );
    expect(info.nics).toContainEqual(
      expect.objectContaining({ source: { type: 'network', network: 'default' } }),
    );
    const readable = await nova('vm', 'info', foreignVm);
    expect(readable).toMatch(new RegExp(`^Name\\s+${foreignVm}$`, 'm'));
    expect(readable).toMatch(/^Owner\s+not Nova/m);
    expect(await nova('status', 'vm', novaVm)).toMatch(
      new RegExp(`^Owner\\s+Nova, project ${project}$`, 'm'),
    );
  });

  it('prints the persistent XML (vm xml --inactive)', async () => {
    expect(await nova('vm', 'xml', novaVm, '--inactive')).toContain(`<name>${novaVm}</name>`);
  });

  it('takes, lists, reverts to and deletes a snapshot of the stopped Nova VM', async () => {
    const created = JSON.parse(
      await nova('vm', 'snapshot', 'create', novaVm, 'first', '--description', 'before the test', '--json'),
    ) as unknown;
    expect(created).toMatchObject({ ok: true, name: 'first', description: 'before the test' });
    expect(await virsh('snapshot-list', novaVm, '--name')).toContain('first');

    const listed = readJson(
      await nova('vm', 'snapshot', 'list', novaVm, '--json'),
      helperMethods.ListSnapshots.output,
    );
    expect(listed.snapshots).toEqual([
      expect.objectContaining({ name: 'first', description: 'before the test', current: true }),
    ]);
    expect(await nova('vm', 'snapshot', 'list', novaVm)).toMatch(/^first\s+\S+\s+\S+\s+\*/m);

    expect(await nova('vm', 'snapshot', 'revert', novaVm, 'first')).toBe(
      `Reverted VM "${novaVm}" to snapshot "first"; it is stopped.\n`,
    );
    expect(await domainState(novaVm)).toBe('shut off');

    await nova('vm', 'snapshot', 'delete', novaVm, 'first');
    expect((await virsh('snapshot-list', novaVm, '--name')).trim()).toBe('');
    expect(await nova('vm', 'snapshot', 'list', novaVm)).toBe(`VM "${novaVm}" has no snapshots.\n`);
  });

  it('clones the stopped Nova VM with its own copy of the disk, and deletes the clone with it', async () => {
    const cloned = readJson(await nova('vm', 'clone', novaVm, clone, '--json'), Ok);
    expect(cloned).toMatchObject({ name: clone, volumes: [`${POOL}/${clone}-data.qcow2`] });
    expect(await exists.domain(clone)).toBe(true);
    expect(await exists.volume(`${clone}-data.qcow2`)).toBe(true);
    const original = await virsh('domblklist', novaVm, '--details');
    const copy = await virsh('domblklist', clone, '--details');
    expect(copy).toContain(`${clone}-data.qcow2`);
    expect(copy).not.toContain(`${novaVm}-data.qcow2`);
    expect(original).toContain(`${novaVm}-data.qcow2`);

    const deleted = readJson(await nova('vm', 'delete', clone, '--with-disks', '--yes', '--json'), Ok);
    expect(deleted).toMatchObject({ removedVolumes: [`${POOL}/${clone}-data.qcow2`] });
    expect(await exists.domain(clone)).toBe(false);
    expect(await exists.volume(`${clone}-data.qcow2`)).toBe(false);
    expect(await exists.volume(`${novaVm}-data.qcow2`)).toBe(true);
  });

  it('refuses to delete without --yes when there is no terminal, and changes nothing', async () => {
    const result = await runNova(['vm', 'delete', novaVm]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Pass --yes');
    expect(await exists.domain(novaVm)).toBe(true);
  });

  it('turns autostart on and off', async () => {
    await nova('vm', 'autostart', novaVm, 'on');
    expect(await virsh('dominfo', novaVm)).toMatch(/^Autostart:\s+enable$/m);
    await nova('vm', 'autostart', novaVm, 'off');
    expect(await virsh('dominfo', novaVm)).toMatch(/^Autostart:\s+disable$/m);
  });

  it('starts, pauses, resumes and forces off the Nova VM', async () => {
    expect(await nova('vm', 'start', novaVm)).toBe(`VM "${novaVm}" is running.\n`);
    expect(await domainState(novaVm)).toBe('running');
    expect(readJson(await nova('vm', 'pause', novaVm, '--json'), Ok)).toMatchObject({ state: 'paused' });
    expect(await domainState(novaVm)).toBe('paused');
    await nova('vm', 'resume', novaVm);
    expect(await domainState(novaVm)).toBe('running');
    const stats = readJson(await nova('vm', 'stats', novaVm, '--json'), helperMethods.GetDomainStats.output);
    expect(stats.stats).toEqual([expect.objectContaining({ name: novaVm, state: 'running' })]);
    expect(await nova('vm', 'stop', novaVm, '--force')).toBe(`VM "${novaVm}" is stopped (forced off).\n`);
    expect(await domainState(novaVm)).toBe('shut off');
  });

  it('takes a VM by its UUID as well as its name, and still checks whose it is', async () => {
    const uuid = (await virsh('domuuid', novaVm)).trim();
    expect(await nova('vm', 'start', uuid)).toBe(`VM "${uuid}" is running.\n`);
    expect(readJson(await nova('vm', 'pause', uuid, '--json'), Ok)).toMatchObject({ state: 'paused' });
    expect(await domainState(novaVm)).toBe('paused');
    const info = readJson(await nova('vm', 'info', uuid, '--json'), helperMethods.GetDomainInfo.output);
    expect(info).toMatchObject({ name: novaVm, uuid, state: 'paused' });
    await nova('vm', 'stop', uuid, '--force');
    expect(await domainState(novaVm)).toBe('shut off');

    const foreignUuid = (await virsh('domuuid', foreignVm)).trim();
    const refused = await runNova(['vm', 'start', foreignUuid]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`VM "${foreignVm}" was not created by Nova`);
    expect(await domainState(foreignVm)).toBe('shut off');

    const unknown = await runNova(['vm', 'pause', '00000000-0000-4000-8000-00000000dead']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('there is no VM with UUID 00000000-0000-4000-8000-00000000dead');
  });

  it('keeps the original Nova’s verbs: run vm and stop vm', async () => {
    await nova('run', 'vm', novaVm);
    expect(await domainState(novaVm)).toBe('running');
    await nova('stop', 'vm', novaVm, '--force');
    expect(await domainState(novaVm)).toBe('shut off');
  });

  it('changes a VM Nova did not create only with --foreign, and says so', async () => {
    const refused = await runNova(['vm', 'start', foreignVm]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not created by Nova');
    expect(refused.stderr).toContain('--foreign');
    expect(await domainState(foreignVm)).toBe('shut off');

    await nova('vm', 'start', foreignVm, '--foreign');
    expect(await domainState(foreignVm)).toBe('running');
    await nova('vm', 'stop', foreignVm, '--force', '--foreign');
    expect(await domainState(foreignVm)).toBe('shut off');
  });

  it('refuses a project that is not the VM’s own (--project)', async () => {
    const result = await runNova(['vm', 'start', novaVm, '--project', `${project}-other`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`belongs to Nova project "${project}"`);
    expect(await domainState(novaVm)).toBe('shut off');
  });

  it('lists libvirt’s default network (network libvirt list --json)', async () => {
    const { networks } = readJson(
      await nova('network', 'libvirt', 'list', '--json'),
      helperMethods.ListNetworks.output,
    );
    expect(networks.find((n) => n.name === 'default')).toMatchObject({ origin: 'external', active: true });
  });

  it('creates, resizes and deletes a disk image in nova-disks', async () => {
    const created = readJson(
      await nova(
        'storage',
        'volume',
        'create',
        POOL,
        volume,
        '--size',
        '16Mi',
        '--project',
        project,
        '--json',
      ),
      Ok,
    );
    expect(String(created['path'])).toContain(volume);
    expect(await virsh('vol-info', '--pool', POOL, volume, '--bytes')).toMatch(
      /^Capacity:\s+16777216 bytes$/m,
    );

    const listed = JSON.parse(await nova('storage', 'volume', 'list', POOL, '--json')) as {
      volumes: { name: string }[];
    };
    expect(listed.volumes).toContainEqual(
      expect.objectContaining({ pool: POOL, name: volume, format: 'qcow2', origin: 'nova', project }),
    );

    await nova('storage', 'volume', 'resize', POOL, volume, '--size', '32Mi');
    expect(await virsh('vol-info', '--pool', POOL, volume, '--bytes')).toMatch(
      /^Capacity:\s+33554432 bytes$/m,
    );

    const unconfirmed = await runNova(['storage', 'volume', 'delete', POOL, volume]);
    expect(unconfirmed.code).toBe(2);
    expect(await exists.volume(volume)).toBe(true);
    await nova('storage', 'volume', 'delete', POOL, volume, '--yes');
    expect(await exists.volume(volume)).toBe(false);
  });

  it('exits 3 for a user polkit does not grant, and the VM stays off', async () => {
    const result = await runNova(['vm', 'start', novaVm], { user: DENIED_USER });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not authorized');
    expect(await domainState(novaVm)).toBe('shut off');
  });
});
