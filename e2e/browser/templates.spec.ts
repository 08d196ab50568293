// The template gallery against a registry served from 127.0.0.1 (plus the built-in templates): search
// and filters, provenance badges in words, Deploy opening the wizard, and a template that failed a
// check needing the consent checkbox before Deploy is enabled.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { requireLab } from '../support/lab.js';
import { startTemplateRegistry, type TemplateRegistry } from '../support/template-registry.js';

let registry: TemplateRegistry;
let nova: RunningBrowserMode;
const before = process.env['NOVA_CONFIG_DIR'];

test.beforeAll(async () => {
  requireLab();
  registry = await startTemplateRegistry();
  writeFileSync(join(registry.configDir, 'templates.toml'), `registries = ["${registry.indexUrl}"]\n`);
  // Browser mode inherits this: its backend reads this config folder and its trust store.
  process.env['NOVA_CONFIG_DIR'] = registry.configDir;
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  if (before === undefined) Reflect.deleteProperty(process.env, 'NOVA_CONFIG_DIR');
  else process.env['NOVA_CONFIG_DIR'] = before;
  await registry.close();
});

async function openGallery(page: Page, select?: string) {
  await page.goto(nova.url);
  await page.evaluate((id) => {
    location.hash = id === undefined ? '#/templates' : `#/templates?select=${id}`;
  }, select);
  await expect(page.getByRole('heading', { level: 1, name: 'Templates' })).toBeVisible();
}

const list = (page: Page) => page.getByRole('list', { name: 'Templates' });

test('searches and filters by kind, OS and tag', async ({ page }) => {
  await openGallery(page);
  await expect(list(page).getByRole('link', { name: 'Tiny test disk (tiny-minisign)' })).toBeVisible();
  await expect(list(page).getByRole('link', { name: /Debian 12 \(bookworm\) cloud image/ })).toBeVisible();

  await page.getByLabel('Search').fill('tiny-ssh');
  await expect(list(page).getByRole('listitem')).toHaveCount(1);
  await expect(list(page).getByRole('link', { name: 'Tiny test disk (tiny-ssh)' })).toBeVisible();
  await page.getByLabel('Search').fill('');

  await page.getByLabel('Kind').selectOption('container-stack');
  await expect(list(page).getByRole('link', { name: /LAMP stack/ })).toBeVisible();
  await expect(list(page).getByRole('link', { name: 'Tiny test stack' })).toBeVisible();
  await expect(list(page).getByRole('link', { name: 'Tiny test disk (tiny-minisign)' })).toHaveCount(0);
  await page.getByLabel('Kind').selectOption('');

  await page.getByLabel('OS').selectOption('alpine');
  await expect(list(page).getByRole('listitem')).toHaveCount(1);
  await expect(list(page).getByRole('link', { name: /Alpine Linux/ })).toBeVisible();
  await page.getByLabel('OS').selectOption('');

  await page.getByLabel('Tag').selectOption('unsigned');
  await expect(list(page).getByRole('listitem')).toHaveCount(1);
  await expect(list(page).getByRole('listitem')).toContainText('Failed: signature, publisher');
});

test('shows a signed template’s badges in words and deploys it through the wizard', async ({ page }) => {
  await openGallery(page, 'tiny-minisign');
  const badges = page.getByRole('list', { name: 'Provenance' });
  await expect(badges).toContainText('Checksum: checked at deploy');
  await expect(badges).toContainText(
    `Signature: checked at deploy — minisign signature by trusted key ${registry.keyId}`,
  );
  await expect(badges).toContainText('Publisher: verified');
  await expect(badges).toContainText("Source: verified — http on this host's loopback");
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  await page.getByRole('button', { name: 'Deploy…' }).click();
  await expect(page).toHaveURL(/#\/wizard\?template=tiny-minisign$/);
});

test('a template that failed a check needs consent naming the check before Deploy', async ({ page }) => {
  await openGallery(page, 'tiny-unknown-key');
  const badges = page.getByRole('list', { name: 'Provenance' });
  await expect(badges).toContainText(
    /Signature: failed — signed by minisign key [0-9A-F]{1,16}, which is not in your trust store/,
  );
  const deploy = page.getByRole('button', { name: 'Deploy…' });
  await expect(deploy).toBeDisabled();
  const consent = page.getByRole('checkbox', {
    name: /Deploy anyway: I accept that the signature check failed/,
  });
  await consent.check();
  await expect(deploy).toBeEnabled();
  await consent.uncheck();
  await expect(deploy).toBeDisabled();
  await consent.check();
  await deploy.click();
  await expect(page).toHaveURL(/#\/wizard\?template=tiny-unknown-key&consent=signature$/);
});

test('a container stack says how to deploy it, since the wizard makes VMs', async ({ page }) => {
  await openGallery(page, 'lamp-stack');
  const badges = page.getByRole('list', { name: 'Provenance' });
  await expect(badges).toContainText('Checksum: not applicable');
  await expect(badges).toContainText('Publisher: verified');
  await expect(page.getByText('nova template deploy lamp-stack --name NAME --apply')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deploy…' })).toHaveCount(0);
});

test('the gallery with a failing template selected has no serious axe violation', async ({ page }) => {
  await openGallery(page, 'tiny-unsigned');
  await expect(page.getByRole('list', { name: 'Provenance' })).toContainText('Publisher: failed');
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.help}`),
  ).toEqual([]);
});
