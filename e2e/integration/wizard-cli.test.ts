import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { readJson, requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';
import {
  DEFAULT_POOL,
  poolIsRunning,
  restorePool,
  takeAwayPool,
  type TakenPool,
} from '../support/storage-pools.js';

// `nova wizard vm` from a script (flags only, no terminal) on the lab: bad answers are refused with the
// NovaFile's message and write nothing; --apply writes the tiny guest's section and boots it under
// TCG; a failing apply undoes what it created and leaves the file as it was. It starts as on a host
// where Nova never ran: nova-disks is taken away (and put back at the end), so the wizard must make it
// for a disk, and keep it (it is shared) when the apply fails.
const project = uniqueName('wizard');
const vm = `${project}-vm`;
const failing = `${project}-bad`;
const dir = mkdtempSync(join(tmpdir(), 'nova-wizard-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const ORIGINAL = [
  '# The wizard adds to this file; this comment, the blank line and the order stay.',
  `project = "${project}"`,
  '',
  '[container.keep]   # not applied by the wizard',
  'capsule = "nova-test/busybox:latest"',
  '',
].join('\n');

const wizard = (...args: string[]) => runNova(['-c', file, 'wizard', 'vm', ...args]);
const volumeExists = async (name: string) =>
  (await run('virsh', ['-c', 'qemu:///system', 'vol-info', '--pool', 'nova-disks', name])).code === 0;
let takenPool: TakenPool | undefined;

describe('nova wizard vm (flags only, no terminal)', () => {
  beforeAll(async () => {
    requireLab();
    takenPool = await takeAwayPool(DEFAULT_POOL);
    writeFileSync(file, ORIGINAL);
  });

  afterAll(async () => {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    for (const name of [vm, failing]) {
      await run('virsh', ['-c', 'qemu:///system', 'destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'undefine', name, '--nvram']);
      await run('virsh', [
        '-c',
        'qemu:///system',
        'vol-delete',
        '--pool',
        'nova-disks',
        `${name}-disk1.qcow2`,
      ]);
    }
    // Undefined when beforeAll failed before taking the pool away: then nothing was taken.
    if (takenPool !== undefined) await restorePool(takenPool);
  });

  it('refuses answers that break the NovaFile’s rules, says which and how to fix them, and writes nothing', async () => {
    const badName = await wizard('bad name', '--tiny');
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('name: "bad name" is not a valid name');
    const broken = await wizard(vm, '--tiny', '--memory', '12XB', '--secure-boot', '--network', 'nowhere');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('the answers break 3 rules of the NovaFile');
    expect(broken.stderr).toContain('memory: "XB" is not a size unit');
    expect(broken.stderr).toContain('secureBoot: Secure Boot needs UEFI firmware');
    expect(broken.stderr).toContain(
      'network: network "nowhere" is neither declared in this file nor present on this host',
    );
    expect(broken.stderr).toContain('Nothing was written');
    const twoSources = await wizard(vm, '--tiny', '--iso', '/nowhere.iso');
    expect(twoSources.code).toBe(2);
    expect(twoSources.stderr).toContain('give one source, not 2');
    const noYes = await wizard(vm, '--tiny', '--apply');
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('Pass --yes');
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
  });

  it('dry run by default: prints the section as a diff and its JSON form, and writes nothing', async () => {
    const dry = await wizard(vm, '--tiny', '--accelerator', 'tcg');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`+[vm.${vm}]`);
    expect(dry.stdout).toContain('+accelerator = "tcg"');
    expect(dry.stdout).toContain('Dry run: nothing was written.');
    const json = await wizard(vm, '--tiny', '--json');
    expect(json.code, json.stderr).toBe(0);
    const parsed = readJson(
      json.stdout,
      z.object({ valid: z.boolean(), section: z.string(), diff: z.string(), written: z.boolean() }),
    );
    expect(parsed).toMatchObject({ valid: true, written: false });
    expect(parsed.section).toContain(`[vm.${vm}.boot]`);
    expect(parsed.diff).toContain('--- a/NovaFile');
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
  });

  it('--apply writes the section (the rest byte for byte) and boots the tiny guest as a TCG domain', async () => {
    const result = await wizard(
      vm,
      '--tiny',
      '--cpu',
      '1',
      '--memory',
      '128Mi',
      '--accelerator',
      'tcg',
      '--apply',
      '--yes',
    );
    expect(result.code, result.stderr).toBe(0);
    // Only this VM's steps, the last two; before them, on a host where no VM has booted from the lab's
    // kernel folder yet, the shared pool that holds it is made first.
    const steps = /Plan: (\d+) steps? for this VM/.exec(result.stdout)?.[1];
    expect(steps === '2' || steps === '3', result.stdout).toBe(true);
    expect(result.stdout).toContain(`[${String(Number(steps) - 1)}/${String(steps)}] create vm ${vm}: done`);
    expect(result.stdout).toContain(`[${String(steps)}/${String(steps)}] start vm ${vm}: done`);
    if (steps === '3') expect(result.stdout).toMatch(/\[1\/3\] create pool nova-\S+: done/);
    expect((await virsh('domstate', vm)).trim()).toBe('running');
    expect(await virsh('dumpxml', vm)).toMatch(/<domain type='qemu'/);
    const written = readFileSync(file, 'utf8');
    expect(written.startsWith(ORIGINAL)).toBe(true);
    expect(written.slice(ORIGINAL.length)).toMatch(
      new RegExp(`^\\n?\\[vm\\.${vm}\\]\\ncpu = 1\\nmemory = "128Mi"`),
    );
    // The container the file also names was left for `nova apply`.
    expect((await run('docker', ['inspect', 'keep'])).code).not.toBe(0);
    // The name is taken now, in the file and on the host.
    const again = await wizard(vm, '--tiny');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`already has a VM named "${vm}"`);
  });

  it('a failing apply removes the disk it created and takes the section out of the file again', async () => {
    const before = readFileSync(file, 'utf8');
    // libvirt refuses more than 255 vCPUs on this machine type: the VM step fails after the disk exists.
    const result = await wizard(failing, '--tiny', '--cpu', '300', '--disk', '64Mi', '--apply', '--yes');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'storage pool nova-disks did not exist: created it in /var/lib/nova/disks',
    );
    expect(result.stdout).toContain(`create volume nova-disks/${failing}-disk1.qcow2: done`);
    expect(result.stderr).toContain(`applying VM "${failing}" failed at create vm ${failing}`);
    expect(result.stderr).toContain('Rolled back 1 of 1 things it created.');
    expect(await volumeExists(`${failing}-disk1.qcow2`)).toBe(false);
    // The pool is Nova's shared default: made on first use, it stays.
    expect(await poolIsRunning(DEFAULT_POOL)).toBe(true);
    expect((await run('virsh', ['-c', 'qemu:///system', 'dominfo', failing])).code).not.toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
