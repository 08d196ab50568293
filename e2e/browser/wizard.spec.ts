// The VM wizard in the GUI against the real backend: fill it by label for the tiny guest, see the
// NovaFile change as a diff, write and apply it, and land on the overview with the new VM selected.
// Its template source against a registry served from 127.0.0.1: a signed template opened from
// `#/wizard?template=<id>` is downloaded, verified, written and booted; one that failed a check is
// not applied until the person consents. Its image goes to the storage pool chosen in the gallery or
// the wizard: nova-disks (taken away first, so it is made on first use, which the progress says) or a
// pool of this test's own.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, type Page, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';
import {
  DEFAULT_POOL,
  makeDirectoryPool,
  poolExists,
  poolIsRunning,
  restorePool,
  takeAwayPool,
  type TakenPool,
} from '../support/storage-pools.js';
import { startTemplateRegistry, type TemplateRegistry } from '../support/template-registry.js';

const project = uniqueName('wizard-gui');
const vm = `${project}-vm`;
const templateVm = `${project}-tpl`;
const pooledVm = `${project}-pv`;
const writtenVm = `${project}-wr`;
const otherPool = `${project}-pool`;
let other: Awaited<ReturnType<typeof makeDirectoryPool>> | undefined;
let takenPool: TakenPool | undefined;
const dir = mkdtempSync(join(tmpdir(), 'nova-wizard-gui-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const ORIGINAL = `# A lab the wizard adds to: this comment and the project line stay as they are.\nproject = "${project}"\n`;
let nova: RunningBrowserMode;
let registry: TemplateRegistry;
const saved = { config: process.env['NOVA_CONFIG_DIR'], cache: process.env['XDG_CACHE_HOME'] };

function restoreEnv(name: string, value: string | undefined) {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}

test.beforeAll(async () => {
  requireLab();
  takenPool = await takeAwayPool(DEFAULT_POOL);
  other = await makeDirectoryPool(otherPool);
  writeFileSync(file, ORIGINAL);
  registry = await startTemplateRegistry();
  writeFileSync(
    join(registry.configDir, 'templates.toml'),
    `enable_builtin = false\nregistries = ["${registry.indexUrl}"]\n`,
  );
  // Browser mode inherits these: its backend reads the registry's config and trust store, and
  // downloads into a cache of this test's own.
  process.env['NOVA_CONFIG_DIR'] = registry.configDir;
  process.env['XDG_CACHE_HOME'] = join(dir, 'cache');
  nova = await startBrowserMode({ cwd: dir });
});

test.afterAll(async () => {
  // Undefined when browser mode failed to start: the cleanup below still runs.
  await (nova as RunningBrowserMode | undefined)?.stop();
  restoreEnv('NOVA_CONFIG_DIR', saved.config);
  restoreEnv('XDG_CACHE_HOME', saved.cache);
  writeFileSync(file, `project = "${project}"\n`);
  await runNova(['-c', file, 'apply', '--yes', '--prune']);
  for (const name of [vm, templateVm, pooledVm]) {
    await run('virsh', ['-c', 'qemu:///system', 'destroy', name]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', name, '--nvram']);
  }
  for (const name of [templateVm, writtenVm])
    await run('virsh', ['-c', 'qemu:///system', 'vol-delete', '--pool', DEFAULT_POOL, `${name}.qcow2`]);
  await other?.remove();
  // Undefined when beforeAll failed before taking the pool away: then nothing was taken.
  if (takenPool !== undefined) await restorePool(takenPool);
  await (registry as TemplateRegistry | undefined)?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openWizard(page: Page, hash: string) {
  await page.goto(nova.url);
  await page.evaluate((target) => {
    location.hash = target;
  }, hash);
  await expect(page.getByRole('heading', { level: 1, name: 'New VM' })).toBeVisible();
  await expect(page.getByRole('group', { name: /Step 1 of \d+: Source/ })).toBeVisible();
}

const stepButton = (page: Page, title: RegExp) =>
  page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: title });

test('makes the tiny guest step by step and lands on it in the overview, running', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'New VM' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'New VM' })).toBeVisible();

  // Source
  await page.getByRole('radio', { name: 'Tiny test guest' }).check();
  await page.getByRole('button', { name: 'Next' }).click();

  // Name: a bad one is refused inline, tied to the field; Next stays on the step.
  await expect(page.getByRole('group', { name: /Step 2 of \d+: Name/ })).toBeVisible();
  const name = page.getByLabel('Name');
  await name.fill('bad name!');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveAccessibleDescription(/"bad name!" is not a valid name/);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('group', { name: /Step 2 of \d+: Name/ })).toBeVisible();
  await name.fill(vm);
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Next' }).click();

  // CPU and memory: the NovaFile's size rule, as you type.
  await expect(page.getByLabel('vCPUs')).toHaveValue('1');
  const memory = page.getByLabel('Memory');
  await memory.fill('12XB');
  await expect(memory).toHaveAccessibleDescription(/"XB" is not a size unit/);
  await memory.fill('128Mi');
  await expect(memory).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Next' }).click();

  // Disks, network, firmware: the defaults.
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByLabel('Network')).toHaveValue('default');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('checkbox', { name: 'Secure Boot' }).check();
  await expect(page.getByRole('checkbox', { name: 'Secure Boot' })).toHaveAccessibleDescription(
    /Secure Boot needs UEFI firmware/,
  );
  await page.getByRole('checkbox', { name: 'Secure Boot' }).uncheck();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Accelerator').selectOption('tcg');

  // The diff: only added lines, marked with + as text.
  const diff = page.getByLabel('Diff');
  await expect(diff).toContainText(`+ [vm.${vm}]`);
  await expect(diff).toContainText('+ accelerator = "tcg"');
  await expect(diff).toContainText(`  project = "${project}"`);
  // Dry run: nothing written yet.
  expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);

  await page.getByRole('button', { name: 'Write and apply' }).click();
  await expect(page).toHaveURL(/#\/overview\?select=vm%2F/, { timeout: 30_000 });
  await expect(page.getByRole('complementary', { name: `Details of ${vm}` })).toBeVisible();
  const row = page.getByRole('table', { name: 'Instances' }).getByRole('row', { name: new RegExp(vm) });
  await expect(row).toContainText('Running');
  expect((await virsh('domstate', vm)).trim()).toBe('running');
  const written = readFileSync(file, 'utf8');
  expect(written.startsWith(ORIGINAL)).toBe(true);
  expect(written).toContain(`[vm.${vm}]`);
});

test('the gallery and the wizard offer the host’s storage pools, and the image goes to the one chosen', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const folder = other?.path ?? '';
  await page.goto(nova.url);
  await page.evaluate(() => {
    location.hash = '#/templates?select=tiny-minisign';
  });
  const galleryPool = page.getByRole('combobox', { name: 'Storage pool' });
  await expect(galleryPool).toBeEnabled();
  // nova-disks first, marked when choosing it would create it; then the host's pools.
  const made = (await poolExists(DEFAULT_POOL)) ? '' : ' (will be created)';
  await expect(galleryPool.getByRole('option').first()).toHaveText(`nova-disks — /var/lib/nova/disks${made}`);
  await expect(galleryPool).toHaveValue(DEFAULT_POOL);
  await expect(galleryPool.getByRole('option', { name: `${otherPool} — ${folder}` })).toHaveCount(1);
  await galleryPool.selectOption(otherPool);
  await page.getByRole('button', { name: 'Deploy…' }).click();
  await expect(page).toHaveURL(new RegExp(`#/wizard\\?template=tiny-minisign&pool=${otherPool}$`));

  // The wizard keeps the pool chosen: its Disks step shows it, and the section names the copy in it.
  await expect(page.getByRole('combobox', { name: 'Template' })).toHaveValue('tiny-minisign');
  await stepButton(page, /Name/).click();
  await page.getByLabel('Name').fill(pooledVm);
  await stepButton(page, /Disks/).click();
  const pool = page.getByRole('combobox', { name: 'Storage pool' });
  await expect(pool).toHaveValue(otherPool);
  await expect(pool).toHaveAccessibleDescription(
    `The template’s image is copied into this pool as ${pooledVm}.qcow2, the VM’s system disk.`,
  );
  await stepButton(page, /Accelerator/).click();
  await page.getByLabel('Accelerator').selectOption('tcg');
  await expect(page.getByLabel('Diff')).toContainText(`+ image = "${folder}/${pooledVm}.qcow2"`);

  await page.getByRole('button', { name: 'Write and apply' }).click();
  await expect(page).toHaveURL(/#\/overview\?select=vm%2F/, { timeout: 90_000 });
  expect((await virsh('domstate', pooledVm)).trim()).toBe('running');
  expect(await virsh('vol-info', '--pool', otherPool, `${pooledVm}.qcow2`)).toMatch(/Type:\s+file/);
  expect(readFileSync(file, 'utf8')).toContain(`image = "${folder}/${pooledVm}.qcow2"`);
});

test('nova-disks is marked “will be created” before its first use, and the progress says it was made', async ({
  page,
}) => {
  test.setTimeout(90_000);
  // As on a host where Nova never ran (an earlier test of this file may have made it).
  await takeAwayPool(DEFAULT_POOL);
  await openWizard(page, '#/wizard?template=tiny-minisign');
  await stepButton(page, /Name/).click();
  await page.getByLabel('Name').fill(writtenVm);
  await stepButton(page, /Disks/).click();
  const pool = page.getByRole('combobox', { name: 'Storage pool' });
  await expect(pool).toHaveValue(DEFAULT_POOL);
  await expect(pool.getByRole('option', { selected: true })).toHaveText(
    'nova-disks — /var/lib/nova/disks (will be created)',
  );
  await stepButton(page, /Accelerator/).click();
  await page.getByLabel('Accelerator').selectOption('tcg');
  await page.getByRole('button', { name: 'Write only' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Written to' })).toBeVisible({ timeout: 60_000 });
  const progress = page.getByRole('list', { name: 'Progress' });
  await expect(progress).toContainText(
    'storage pool nova-disks did not exist: created it in /var/lib/nova/disks',
  );
  await expect(progress).toContainText('copying the image into storage pool nova-disks');
  expect(await poolIsRunning(DEFAULT_POOL)).toBe(true);
  expect(readFileSync(file, 'utf8')).toContain(`[vm.${writtenVm}]`);
});

test('a signed template opened from the gallery’s link is chosen, written, applied and running', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openWizard(page, '#/wizard?template=tiny-minisign');
  await expect(page.getByRole('radio', { name: 'Template' })).toBeChecked();
  await expect(page.getByRole('combobox', { name: 'Template' })).toHaveValue('tiny-minisign');
  await expect(page.getByRole('checkbox', { name: /Deploy anyway/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('group', { name: /Step 2 of \d+: Name/ })).toBeVisible();
  await page.getByLabel('Name').fill(templateVm);
  await page.getByRole('button', { name: 'Next' }).click();
  // The template's defaults.
  await expect(page.getByLabel('vCPUs')).toHaveValue('1');
  await expect(page.getByLabel('Memory')).toHaveValue('128Mi');
  await stepButton(page, /Accelerator/).click();
  await page.getByLabel('Accelerator').selectOption('tcg');

  const diff = page.getByLabel('Diff');
  await expect(diff).toContainText(`+ [vm.${templateVm}]`);
  await expect(diff).toContainText('+ accelerator = "tcg"');
  expect(readFileSync(file, 'utf8')).not.toContain(`[vm.${templateVm}]`);

  await page.getByRole('button', { name: 'Write and apply' }).click();
  await expect(page).toHaveURL(/#\/overview\?select=vm%2F/, { timeout: 90_000 });
  await expect(page.getByRole('complementary', { name: `Details of ${templateVm}` })).toBeVisible();
  const row = page
    .getByRole('table', { name: 'Instances' })
    .getByRole('row', { name: new RegExp(templateVm) });
  await expect(row).toContainText('Running');
  expect((await virsh('domstate', templateVm)).trim()).toBe('running');
  // The image is the verified copy in nova-disks.
  const written = readFileSync(file, 'utf8');
  expect(written).toContain(`[vm.${templateVm}]`);
  expect(written).toMatch(new RegExp(`image = ".*/${templateVm}\\.qcow2"`));
  expect(registry.requests.some((request) => request.path === '/tiny.qcow2')).toBe(true);
});

test('a template that failed a check is not applied until the person consents', async ({ page }) => {
  const name = `${project}-nc`;
  await openWizard(page, '#/wizard?template=tiny-unknown-key');
  await expect(page.getByRole('combobox', { name: 'Template' })).toHaveValue('tiny-unknown-key');
  await expect(page.getByText('template "tiny-unknown-key" failed its signature check')).toBeVisible();
  // Every other answer is fine: the failed check alone holds the apply back.
  await stepButton(page, /Name/).click();
  await page.getByLabel('Name').fill(name);
  await stepButton(page, /Accelerator/).click();
  await page.getByLabel('Accelerator').selectOption('tcg');
  const apply = page.getByRole('button', { name: 'Write and apply' });
  await expect(page.getByText('1 answer needs a fix first (Source).')).toBeVisible();
  await expect(apply).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Write only' })).toBeDisabled();

  await stepButton(page, /Source/).click();
  const consent = page.getByRole('checkbox', {
    name: 'Deploy anyway: I accept that its signature check failed',
  });
  await consent.check();
  await expect(apply).toBeEnabled();
  await expect(page.getByText('template "tiny-unknown-key" failed its signature check')).toHaveCount(0);
  await consent.uncheck();
  await expect(apply).toBeDisabled();
  expect(readFileSync(file, 'utf8')).not.toContain(`[vm.${name}]`);
});
