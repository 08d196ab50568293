import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { VersionReport } from '@nova/core';
import { afterAll, describe, expect, it } from 'vitest';

import { GUEST_DIR, readJson, requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';

// accelerator = "auto" must pick KVM where it works, and fall back to TCG, saying why, where it does
// not. Nested KVM here passes libvirt's capability check and then fails to run a guest: the case
// that matters. Where KVM works, the VM simply runs under KVM.
const MARKER = '/var/lib/nova/kvm-unusable';
const project = uniqueName('kvm');
const vm = `vm-${project.slice(-6)}`;
const dir = mkdtempSync(join(tmpdir(), 'nova-kvm-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const saved = existsSync(MARKER) ? readFileSync(MARKER, 'utf8') : undefined;

describe('accelerator = "auto"', () => {
  afterAll(async () => {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm]);
    if (saved === undefined) rmSync(MARKER, { force: true });
    else writeFileSync(MARKER, saved);
  });

  it('runs the VM under KVM where KVM works, else falls back to TCG and remembers why', async () => {
    requireLab();
    rmSync(MARKER, { force: true });
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
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect((await virsh('domstate', vm)).trim()).toBe('running');
    const type = /<domain type='(\w+)'/.exec(await virsh('dumpxml', vm))?.[1];
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
    const report = readJson((await runNova(['version', '--json'])).stdout, VersionReport);
    expect(report.components.find((c) => c.name === 'kvm')?.status).not.toBe('ok');
    // The next plan agrees with what runs, and says why.
    const plan = await runNova(['-c', file, 'plan']);
    expect(plan.stdout).toContain('Nothing to do');
    expect(plan.stdout).toMatch(/Note: VM .* runs under tcg, because KVM is not usable here: /);
  });
});
