// The VM wizard in the GUI against the real backend: fill it by label for the tiny guest, see the
// NovaFile change as a diff, write and apply it, and land on the overview with the new VM selected.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';

const project = uniqueName('wizard-gui');
const vm = `${project}-vm`;
const dir = mkdtempSync(join(tmpdir(), 'nova-wizard-gui-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const ORIGINAL = `# A lab the wizard adds to: this comment and the project line stay as they are.\nproject = "${project}"\n`;
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  writeFileSync(file, ORIGINAL);
  nova = await startBrowserMode({ cwd: dir });
});

test.afterAll(async () => {
  await nova.stop();
  writeFileSync(file, `project = "${project}"\n`);
  await runNova(['-c', file, 'apply', '--yes', '--prune']);
  await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
  await run('virsh', ['-c', 'qemu:///system', 'undefine', vm, '--nvram']);
});

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
