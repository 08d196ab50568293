import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  GUEST_DIR,
  mustRun,
  requireLab,
  run,
  runNova,
  TEST_IMAGE,
  uniqueName,
  virsh,
} from '../support/lab.js';

// The NovaFile end to end on the lab: a NAT network, a VM booting the tiny guest under TCG on it,
// and a container; apply, apply again, change, prune, and a failing apply that must leave nothing.
const project = uniqueName('apply');
const suffix = project.slice(-6);
const octet = 100 + (Number.parseInt(suffix, 16) % 100);
const network = `net-${suffix}`;
const vm = `vm-${suffix}`;
const container = `ct-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'nova-apply-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');

function novaFile({
  memory = '128Mi',
  withVm = true,
  image,
}: { memory?: string; withVm?: boolean; image?: string } = {}): string {
  return [
    `project = "${project}"`,
    '',
    `[network.${network}]`,
    'profile = "nat"',
    `subnet = "10.231.${octet}.0/24"`,
    `dhcp_range = "10.231.${octet}.50-10.231.${octet}.60"`,
    '',
    ...(withVm
      ? [
          `[vm.${vm}]`,
          'cpu = 1',
          `memory = "${memory}"`,
          'accelerator = "tcg"',
          `network = "${network}"`,
          ...(image === undefined ? [] : [`image = "${image}"`]),
          '',
          `[vm.${vm}.boot]`,
          `kernel = "${GUEST_DIR}/vmlinuz"`,
          `initrd = "${GUEST_DIR}/initrd.img"`,
          'cmdline = "console=ttyS0"',
          '',
          `[[vm.${vm}.disk]]`,
          'name = "data"',
          'size = "64Mi"',
          '',
        ]
      : []),
    `[container.${container}]`,
    `capsule = "${TEST_IMAGE}"`,
    'command = ["sleep", "3600"]',
    '',
  ].join('\n');
}

const PlanJson = z.object({
  steps: z.array(
    z.object({
      kind: z.string(),
      name: z.string(),
      action: z.string(),
      reason: z.string().optional(),
      drift: z.boolean().optional(),
      changes: z.array(z.object({ field: z.string(), want: z.string(), have: z.string() })).optional(),
    }),
  ),
  errors: z.array(z.object({ line: z.number(), message: z.string() })),
});

async function planJson(): Promise<z.infer<typeof PlanJson>> {
  const result = await runNova(['-c', file, 'plan', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return PlanJson.parse(JSON.parse(result.stdout));
}

async function leaseAddress(name: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await run('virsh', ['-c', 'qemu:///system', 'domifaddr', name, '--source', 'lease']);
    const match = /(\d+\.\d+\.\d+\.\d+)\/\d+/.exec(result.stdout);
    if (match?.[1] !== undefined) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return undefined;
}

const exists = {
  domain: async (name: string) => (await run('virsh', ['-c', 'qemu:///system', 'dominfo', name])).code === 0,
  network: async (name: string) =>
    (await run('virsh', ['-c', 'qemu:///system', 'net-info', name])).code === 0,
  container: async (name: string) => (await run('docker', ['inspect', name])).code === 0,
  volume: async (name: string) =>
    (await run('virsh', ['-c', 'qemu:///system', 'vol-info', '--pool', 'nova-disks', name])).code === 0,
};

describe('nova plan and apply against the lab', () => {
  beforeAll(() => {
    requireLab();
  });

  afterAll(async () => {
    // Whatever a failed test left: Nova's own prune first, then by hand.
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm, '--nvram']);
    await run('virsh', ['-c', 'qemu:///system', 'net-destroy', network]);
    await run('virsh', ['-c', 'qemu:///system', 'net-undefine', network]);
    await run('virsh', ['-c', 'qemu:///system', 'vol-delete', '--pool', 'nova-disks', `${vm}-data.qcow2`]);
    await run('docker', ['rm', '-f', container]);
  });

  it('plans the network first, then the disk, the VM and the container, then starts them', async () => {
    writeFileSync(file, novaFile());
    const plan = await planJson();
    expect(
      plan.steps
        .filter((s) => s.action !== 'create' || s.kind !== 'pool')
        .map((s) => `${s.action} ${s.kind} ${s.name}`),
    ).toEqual([
      `create network ${network}`,
      `create volume nova-disks/${vm}-data.qcow2`,
      `create vm ${vm}`,
      `create container ${container}`,
      `start vm ${vm}`,
      `start container ${container}`,
    ]);
  });

  it('applies it: the VM boots and takes a lease in the declared range, the container runs', async () => {
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Applied \d+ changes in/);
    expect((await virsh('domstate', vm)).trim()).toBe('running');
    expect(
      (
        await mustRun('docker', [
          'inspect',
          '-f',
          '{{.State.Running}} {{index .Config.Labels "dev.nova.project"}}',
          container,
        ])
      ).trim(),
    ).toBe(`true ${project}`);
    const address = await leaseAddress(vm, 90_000);
    expect(address, 'the guest should take a DHCP lease').toBeDefined();
    const last = Number(address?.split('.')[3]);
    expect(address?.startsWith(`10.231.${octet}.`)).toBe(true);
    expect(last).toBeGreaterThanOrEqual(50);
    expect(last).toBeLessThanOrEqual(60);
  });

  it('plans nothing on a second run, and a second apply changes nothing', async () => {
    expect((await planJson()).steps).toEqual([]);
    const again = await runNova(['-c', file, 'apply', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to do: this host already matches the file.');
  });

  it('plans an update when the memory changes', async () => {
    writeFileSync(file, novaFile({ memory: '192Mi' }));
    const plan = await planJson();
    expect(plan.steps).toEqual([
      expect.objectContaining({
        kind: 'vm',
        name: vm,
        action: 'update',
        changes: [{ field: 'memory', want: '192Mi', have: '128Mi' }],
      }),
    ]);
    writeFileSync(file, novaFile());
  });

  it('shows drift when the VM is changed outside Nova', async () => {
    await virsh('setmaxmem', vm, '160M', '--config');
    const plan = await planJson();
    expect(plan.steps).toEqual([expect.objectContaining({ kind: 'vm', action: 'update', drift: true })]);
    expect(plan.steps[0]?.reason).toContain('changed outside Nova: memory 160Mi → 128Mi');
    expect((await runNova(['-c', file, 'apply', '--yes'])).code).toBe(0);
    expect((await planJson()).steps).toEqual([]);
  });

  it('deletes the VM and its disk once it leaves the file, with --prune only', async () => {
    writeFileSync(file, novaFile({ withVm: false }));
    const cautious = await runNova(['-c', file, 'apply', '--yes']);
    expect(cautious.code).toBe(0);
    expect(cautious.stdout).toContain(`vm ${vm} is Nova's but no longer in the file`);
    expect(await exists.domain(vm)).toBe(true);
    const pruned = await runNova(['-c', file, 'apply', '--yes', '--prune']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(await exists.domain(vm)).toBe(false);
    expect(await exists.volume(`${vm}-data.qcow2`)).toBe(false);
    expect(await exists.network(network)).toBe(true);
  });

  it('leaves nothing behind when a step fails (an image path that does not exist)', async () => {
    writeFileSync(file, `project = "${project}"\n`);
    expect((await runNova(['-c', file, 'apply', '--yes', '--prune'])).code).toBe(0);
    expect(await exists.network(network)).toBe(false);
    expect(await exists.container(container)).toBe(false);

    writeFileSync(file, novaFile({ image: '/nonexistent/disk.qcow2' }));
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`failed`);
    expect(result.stderr).toMatch(/rolled back \d+ of \d+ things this run created/);
    expect(await exists.domain(vm)).toBe(false);
    expect(await exists.network(network)).toBe(false);
    expect(await exists.container(container)).toBe(false);
    expect(await exists.volume(`${vm}-data.qcow2`)).toBe(false);
  });

  it('refuses to apply without --yes when there is no terminal to ask on', async () => {
    writeFileSync(file, novaFile({ withVm: false }));
    const result = await runNova(['-c', file, 'apply']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('apply changes the host and there is no terminal to confirm on');
    expect(await exists.network(network)).toBe(false);
  });
});
