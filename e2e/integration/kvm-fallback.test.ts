import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { VersionReport } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GUEST_DIR, readJson, requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';

// accelerator = "auto" must pick KVM where it works, and fall back to TCG, saying why, where it does
// not. The first test makes KVM unusable for libvirt on any machine (libvirt's QEMU user loses
// /dev/kvm, so its domain capabilities stop offering KVM); the second takes the machine as it is.
const MARKER = '/var/lib/nova/kvm-unusable';
const KVM_DEVICE = '/dev/kvm';
const dir = mkdtempSync(join(tmpdir(), 'nova-kvm-'));
chmodSync(dir, 0o755);
const saved = existsSync(MARKER) ? readFileSync(MARKER, 'utf8') : undefined;
const made: { file: string; project: string; vm: string }[] = [];

function novaFile(): { file: string; project: string; vm: string } {
  const project = uniqueName('kvm');
  const vm = `vm-${project.slice(-6)}`;
  const file = join(dir, `${project}.toml`);
  writeFileSync(
    file,
    [
      `project = "${project}"`,
      `[vm.${vm}]`,
      'cpu = 1',
      'memory = "128Mi"',
      `[vm.${vm}.boot]`,
      `kernel = "${GUEST_DIR}/vmlinuz"`,
      `initrd = "${GUEST_DIR}/initrd.img"`,
      'cmdline = "console=ttyS0"',
      '',
    ].join('\n'),
  );
  const entry = { file, project, vm };
  made.push(entry);
  return entry;
}

async function kvmOffered(): Promise<boolean> {
  return (await run('virsh', ['-c', 'qemu:///system', 'domcapabilities', '--virttype', 'kvm'])).code === 0;
}

async function waitForKvmOffered(offered: boolean): Promise<void> {
  // libvirt notices the change of /dev/kvm at its next capability query and probes QEMU again.
  for (let i = 0; i < 120 && (await kvmOffered()) !== offered; i++)
    await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await kvmOffered(), `libvirt ${offered ? 'offers' : 'still offers'} KVM domains`).toBe(offered);
}

beforeAll(() => {
  requireLab();
  rmSync(MARKER, { force: true });
});

afterAll(async () => {
  for (const { file, project, vm } of made) {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm]);
  }
  if (saved === undefined) rmSync(MARKER, { force: true });
  else writeFileSync(MARKER, saved);
  rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe('accelerator = "auto"', () => {
  it('runs the VM under TCG, and says why, where libvirt cannot offer KVM', async () => {
    const device = existsSync(KVM_DEVICE) ? statSync(KVM_DEVICE) : undefined;
    const offeredBefore = await kvmOffered();
    if (device !== undefined) chmodSync(KVM_DEVICE, 0o600);
    try {
      await waitForKvmOffered(false);
      const { file, vm } = novaFile();
      const result = await runNova(['-c', file, 'apply', '--yes']);
      expect(result.code, result.stderr).toBe(0);
      expect((await virsh('domstate', vm)).trim()).toBe('running');
      expect(/<domain type='(\w+)'/.exec(await virsh('dumpxml', vm))?.[1]).toBe('qemu');
      // libvirt said so from the start: nothing failed, so nothing is remembered as failed.
      expect(existsSync(MARKER)).toBe(false);
      const report = readJson((await runNova(['version', '--json'])).stdout, VersionReport);
      expect(report.components.find((c) => c.name === 'kvm')?.status).not.toBe('ok');
      const plan = await runNova(['-c', file, 'plan']);
      expect(plan.stdout).toContain('Nothing to do');
      expect(plan.stdout).toMatch(/Note: VM .* runs under tcg, because KVM is not usable here: \S/);
    } finally {
      if (device !== undefined) chmodSync(KVM_DEVICE, device.mode & 0o7777);
    }
    if (device !== undefined) await waitForKvmOffered(offeredBefore);
  });

  it('runs the VM under KVM where KVM works here, else under TCG, and the plan agrees', async () => {
    const { file, vm } = novaFile();
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect((await virsh('domstate', vm)).trim()).toBe('running');
    const type = /<domain type='(\w+)'/.exec(await virsh('dumpxml', vm))?.[1];
    const plan = await runNova(['-c', file, 'plan']);
    expect(plan.stdout).toContain('Nothing to do');
    if (type === 'kvm') {
      expect(existsSync(MARKER)).toBe(false);
      return;
    }
    expect(type).toBe('qemu');
    const fellBack = /note: VM .*: KVM cannot run VMs on this host: .*; starting it under TCG instead/.test(
      result.stdout,
    );
    // Either KVM failed here and Nova remembered it, or libvirt said from the start that KVM is not usable.
    expect(existsSync(MARKER)).toBe(fellBack);
    expect(plan.stdout).toMatch(/Note: VM .* runs under tcg, because KVM is not usable here: /);
  });
});
