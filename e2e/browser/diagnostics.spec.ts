// The Diagnostics page: every check of `nova diag` with its status and fix, and a support bundle made
// with progress, saved on the Nova host and downloaded into the browser.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { requireLab } from '../support/lab.js';

let nova: RunningBrowserMode;
/** Where this test's backend writes bundles (its "Downloads"), so that the test finds and removes them. */
const downloads = mkdtempSync(join(tmpdir(), 'nova-diag-downloads-'));

test.beforeAll(async () => {
  requireLab();
  const before = process.env['XDG_DOWNLOAD_DIR'];
  process.env['XDG_DOWNLOAD_DIR'] = downloads;
  try {
    nova = await startBrowserMode();
  } finally {
    if (before === undefined) delete process.env['XDG_DOWNLOAD_DIR'];
    else process.env['XDG_DOWNLOAD_DIR'] = before;
  }
});

test.afterAll(async () => {
  await nova.stop();
  rmSync(downloads, { recursive: true, force: true });
});

test('shows every check with its status, and the lab’s services as OK', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Diagnostics' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostics' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Checks' });
  for (const check of [
    'libvirt (qemu:///system)',
    'libvirt-dbus (org.libvirt)',
    'Nova helper (dev.nova.Helper1)',
    'Container engine: Docker',
    'Container engine: Podman',
    'libvirt default network',
  ]) {
    await expect(
      table.getByRole('row', { name: new RegExp(`^${check.replace(/[()]/g, '\\$&')} OK\\b`) }),
    ).toBeVisible();
  }
  // Every check of nova diag has a row: KVM too, whatever its status here.
  await expect(table.getByRole('row', { name: /^KVM (OK|Warning|Failed|Skipped)\b/ })).toBeVisible();
  await expect(table.getByRole('row', { name: /^Disk space / })).toBeVisible();
  await expect(page.getByText(/^\d+ checks: \d+ OK/)).toBeVisible();
});

test('creates a support bundle with progress, saves it on the host and downloads it', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Diagnostics' }).click();
  await page.getByLabel('Redaction').selectOption('strict');
  await page.getByLabel('Include recent metrics').uncheck();
  await page.getByRole('button', { name: 'Create support bundle' }).click();
  await expect(page.getByRole('progressbar', { name: 'Support bundle progress' })).toBeVisible();
  await expect(page.getByText(/^Step \d of \d+: /)).toBeVisible();
  await expect(page.getByText(/Support bundle created: nova-support-\d{8}-\d{6}\.tar\.gz/)).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByRole('progressbar', { name: 'Support bundle progress' })).toHaveCount(0);

  // Written on the Nova host, in its download folder, readable by its owner only.
  const onHost = readdirSync(downloads).filter((name) => name.endsWith('.tar.gz'));
  expect(onHost).toHaveLength(1);
  const hostFile = join(downloads, onHost[0] ?? '');
  expect(statSync(hostFile).mode & 0o777).toBe(0o600);
  await expect(page.getByText(hostFile)).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Download nova-support-/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(onHost[0]);
  const saved = join(downloads, 'downloaded.tar.gz');
  await download.saveAs(saved);
  const listing = execFileSync('tar', ['-tzf', saved], { encoding: 'utf8' });
  expect(listing).toMatch(/^nova-support-[^/]+\/manifest\.json$/m);
  expect(listing).toMatch(/\/diag\.json$/m);
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', saved, '--wildcards', '*/manifest.json'], { encoding: 'utf8' }),
  ) as { options: { redact: string; metrics: boolean } };
  expect(manifest.options).toMatchObject({ redact: 'strict', metrics: false });

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('has no serious or critical axe violation in any theme', async ({ page }) => {
  await page.goto(nova.url);
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    await page.evaluate((choice) => {
      localStorage.setItem('nova.theme', choice);
      location.hash = '#/diagnostics';
    }, theme);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expect(page.getByRole('table', { name: 'Checks' })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      theme,
    ).toEqual([]);
  }
});
