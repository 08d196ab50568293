import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';
import {
  DEFAULT_POOL,
  makeDirectoryPool,
  poolIsRunning,
  restorePool,
  takeAwayPool,
  type TakenPool,
} from '../support/storage-pools.js';
import { startTemplateRegistry, type TemplateRegistry } from '../support/template-registry.js';

// The wizard's template source on the lab: the catalog comes from a registry served on 127.0.0.1; the
// template's image is downloaded, verified and copied into nova-disks by the template deploy, and the
// wizard's section (with that copy as its image) is written and applied. A template that failed a
// check is refused without consent. It starts as on a host where Nova never ran: nova-disks is taken
// away (and put back at the end), so the wizard must make it; --pool puts the image in another pool.
const project = uniqueName('wizard-tpl');
const vm = `${project}-vm`;
const dir = mkdtempSync(join(tmpdir(), 'nova-wizard-tpl-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const otherPool = `${project}-pool`;
const inOtherPool = `${project}-op`;
let registry: TemplateRegistry;
let takenPool: TakenPool | undefined;
let other: Awaited<ReturnType<typeof makeDirectoryPool>> | undefined;

const wizard = (...args: string[]) =>
  runNova(['-c', file, 'wizard', 'vm', ...args], {
    env: { NOVA_CONFIG_DIR: registry.configDir, XDG_CACHE_HOME: join(dir, 'cache') },
  });

describe('nova wizard vm --template (registry on 127.0.0.1)', () => {
  beforeAll(async () => {
    requireLab();
    takenPool = await takeAwayPool(DEFAULT_POOL);
    other = await makeDirectoryPool(otherPool);
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
    for (const name of [vm, inOtherPool]) {
      await run('virsh', ['-c', 'qemu:///system', 'destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'undefine', name, '--nvram']);
    }
    await run('virsh', ['-c', 'qemu:///system', 'vol-delete', '--pool', DEFAULT_POOL, `${vm}.qcow2`]);
    await other?.remove();
    // Undefined when beforeAll failed before taking the pool away: then nothing was taken.
    if (takenPool !== undefined) await restorePool(takenPool);
    await (registry as TemplateRegistry | undefined)?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a template that failed its checks unless the person consents, and writes nothing', async () => {
    const result = await wizard(`${vm}-x`, '--template', 'tiny-unknown-key', '--accelerator', 'tcg');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('template "tiny-unknown-key" failed its signature check');
    expect(readFileSync(file, 'utf8')).toBe(`project = "${project}"\n`);
  });

  it('makes nova-disks on first use, deploys the image into it, writes the wizard’s section with it, and starts the VM', async () => {
    expect(await poolIsRunning(DEFAULT_POOL)).toBe(false);
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
    expect(result.stdout).toContain(
      'storage pool nova-disks did not exist: created it in /var/lib/nova/disks',
    );
    expect(await poolIsRunning(DEFAULT_POOL)).toBe(true);
    expect(result.stdout).toMatch(/copying the image into storage pool nova-disks/);
    expect((await virsh('domstate', vm)).trim()).toBe('running');
    const written = readFileSync(file, 'utf8');
    expect(written).toContain(`[vm.${vm}]`);
    expect(written).toMatch(/image = "\/.+\.qcow2"/);
    expect(written).toContain('accelerator = "tcg"');
  });

  it('--pool copies the image into the pool chosen, and the section names that copy', async () => {
    const folder = other?.path ?? '';
    const result = await wizard(
      inOtherPool,
      '--template',
      'tiny-minisign',
      '--pool',
      otherPool,
      '--accelerator',
      'tcg',
      '--write',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`+image = "${folder}/${inOtherPool}.qcow2"`);
    expect(result.stdout).toContain(`copying the image into storage pool ${otherPool}`);
    expect(readFileSync(file, 'utf8')).toContain(`image = "${folder}/${inOtherPool}.qcow2"`);
    const info = await virsh('vol-info', '--pool', otherPool, `${inOtherPool}.qcow2`);
    expect(info).toMatch(/Type:\s+file/);
  });

  it('refuses a pool that does not exist, naming the pools there are, and writes nothing', async () => {
    const before = readFileSync(file, 'utf8');
    const result = await wizard(`${vm}-np`, '--template', 'tiny-minisign', '--pool', `${project}-none`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`pool: there is no storage pool named "${project}-none" on this host`);
    expect(result.stderr).toContain(otherPool);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
