import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';
import { startTemplateRegistry, type TemplateRegistry } from '../support/template-registry.js';

// The wizard's template source on the lab: the catalog comes from a registry served on 127.0.0.1; the
// template's image is downloaded, verified and copied into nova-disks by the template deploy, and the
// wizard's section (with that copy as its image) is written and applied. A template that failed a
// check is refused without consent.
const project = uniqueName('wizard-tpl');
const vm = `${project}-vm`;
const dir = mkdtempSync(join(tmpdir(), 'nova-wizard-tpl-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
let registry: TemplateRegistry;

const wizard = (...args: string[]) =>
  runNova(['-c', file, 'wizard', 'vm', ...args], {
    env: { NOVA_CONFIG_DIR: registry.configDir, XDG_CACHE_HOME: join(dir, 'cache') },
  });

describe('nova wizard vm --template (registry on 127.0.0.1)', () => {
  beforeAll(async () => {
    requireLab();
    registry = await startTemplateRegistry();
    writeFileSync(
      join(registry.configDir, 'templates.toml'),
      `enable_builtin = false\nregistries = ["${registry.indexUrl}"]\n`,
    );
    writeFileSync(file, `project = "${project}"\n`);
  });

  afterAll(async () => {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm, '--nvram']);
    await run('virsh', ['-c', 'qemu:///system', 'vol-delete', '--pool', 'nova-disks', `${vm}.qcow2`]);
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a template that failed its checks unless the person consents, and writes nothing', async () => {
    const result = await wizard(`${vm}-x`, '--template', 'tiny-unknown-key', '--accelerator', 'tcg');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('template "tiny-unknown-key" failed its signature check');
    expect(readFileSync(file, 'utf8')).toBe(`project = "${project}"\n`);
  });

  it('deploys the image into nova-disks, writes the wizard’s section with it, and starts the VM', async () => {
    const result = await wizard(
      vm,
      '--template',
      'tiny-minisign',
      '--accelerator',
      'tcg',
      '--apply',
      '--yes',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`+image = "/var/lib/nova/disks/${vm}.qcow2"`);
    expect(result.stdout).toMatch(/copying the image into storage pool nova-disks/);
    expect((await virsh('domstate', vm)).trim()).toBe('running');
    const written = readFileSync(file, 'utf8');
    expect(written).toContain(`[vm.${vm}]`);
    expect(written).toMatch(/image = "\/.+\.qcow2"/);
    expect(written).toContain('accelerator = "tcg"');
  });
});
