import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { GUEST_DIR, mustRun, requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';

const project = uniqueName('seed');
const vm = `vm-${project.slice(-6)}`;
const dir = mkdtempSync(join(tmpdir(), 'nova-seed-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const seed = `/var/lib/nova/cloud-init/${vm}.iso`;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvNQkGPLv1U2vHVWuVkzN6rZ8tVQHdNn2vfhSa9kDxy lab@nova';

function novaFile(userDataFile = 'user-data.yaml'): string {
  return [
    `project = "${project}"`,
    `[vm.${vm}]`,
    'memory = "128Mi"',
    'accelerator = "tcg"',
    'state = "stopped"',
    `[vm.${vm}.boot]`,
    `kernel = "${GUEST_DIR}/vmlinuz"`,
    `[vm.${vm}.cloud_init]`,
    'hostname = "lab-box"',
    `user_data_file = "${userDataFile}"`,
    `ssh_authorized_keys = ["${KEY}"]`,
    '',
  ].join('\n');
}

const isoFile = async (path: string) => mustRun('isoinfo', ['-R', '-i', seed, '-x', path]);

describe('cloud-init seeds', () => {
  afterAll(async () => {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm]);
  });

  it('writes the seed with user data, host name and keys, and attaches it as a CD-ROM', async () => {
    requireLab();
    writeFileSync(join(dir, 'user-data.yaml'), '#cloud-config\npackages: [htop]\n');
    writeFileSync(file, novaFile());
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(seed)).toBe(true);
    expect(statSync(seed).mode & 0o077).toBe(0);
    expect(await isoFile('/user-data')).toBe('#cloud-config\npackages: [htop]\n');
    const metaData = JSON.parse(await isoFile('/meta-data')) as Record<string, unknown>;
    expect(metaData).toMatchObject({ 'local-hostname': 'lab-box', 'public-keys': [KEY] });
    expect(metaData['instance-id']).toMatch(new RegExp(`^${vm}-[0-9a-f]{8}$`));
    const xml = await virsh('dumpxml', vm);
    expect(xml).toMatch(new RegExp(`<disk type='file' device='cdrom'>[\\s\\S]*<source file='${seed}'/>`));
    expect((await runNova(['-c', file, 'plan'])).stdout).toContain('Nothing to do');
  });

  it('rewrites the seed with a new instance id when the user data changes', async () => {
    const before = JSON.parse(await isoFile('/meta-data')) as Record<string, unknown>;
    writeFileSync(join(dir, 'user-data.yaml'), '#cloud-config\npackages: [htop, tmux]\n');
    const plan = await runNova(['-c', file, 'plan']);
    expect(plan.stdout).toMatch(new RegExp(`~ vm ${vm}\\s+update: the file changed`));
    expect((await runNova(['-c', file, 'apply', '--yes'])).code).toBe(0);
    const after = JSON.parse(await isoFile('/meta-data')) as Record<string, unknown>;
    expect(after['instance-id']).not.toBe(before['instance-id']);
    expect(await isoFile('/user-data')).toContain('tmux');
  });

  it('removes the seed with the VM', async () => {
    writeFileSync(file, `project = "${project}"\n`);
    expect((await runNova(['-c', file, 'apply', '--yes', '--prune'])).code).toBe(0);
    expect(existsSync(seed)).toBe(false);
  });

  it('says where a missing user data file should be', async () => {
    writeFileSync(file, novaFile('missing.yaml'));
    const result = await runNova(['-c', file, 'plan']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${join(dir, 'missing.yaml')}`);
  });
});
