// The template gallery against a registry served from 127.0.0.1 (plus the built-in templates): search
// and filters, provenance badges in words, Deploy opening the wizard, a template that failed a check
// needing the consent checkbox before Deploy is enabled, and a container stack deployed in place into
// the backend's NovaFile (write only, or write and apply with its containers really running).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { requireLab, run, runNova, uniqueName } from '../support/lab.js';
import { startTemplateRegistry, type TemplateRegistry } from '../support/template-registry.js';

let registry: TemplateRegistry;
let nova: RunningBrowserMode;
const before = process.env['NOVA_CONFIG_DIR'];
// The backend's folder: stacks deploy into its ./NovaFile.
const project = uniqueName('tpl-gui');
const suffix = project.slice(-6);
const dir = mkdtempSync(join(tmpdir(), 'nova-templates-gui-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const ORIGINAL = `# The gallery adds stacks here; this comment stays.\nproject = "${project}"\n`;
const stacks: string[] = [];

test.beforeAll(async () => {
  requireLab();
  registry = await startTemplateRegistry();
  writeFileSync(join(registry.configDir, 'templates.toml'), `registries = ["${registry.indexUrl}"]\n`);
  writeFileSync(file, ORIGINAL);
  // Browser mode inherits this: its backend reads this config folder and its trust store.
  process.env['NOVA_CONFIG_DIR'] = registry.configDir;
  nova = await startBrowserMode({ cwd: dir });
});

test.afterAll(async () => {
  // Undefined when browser mode failed to start: the cleanup below still runs.
  await (nova as RunningBrowserMode | undefined)?.stop();
  if (before === undefined) Reflect.deleteProperty(process.env, 'NOVA_CONFIG_DIR');
  else process.env['NOVA_CONFIG_DIR'] = before;
  writeFileSync(file, `project = "${project}"\n`);
  await runNova(['-c', file, 'apply', '--yes', '--prune']);
  for (const name of stacks) {
    await run('docker', ['rm', '-f', `${name}-app`]);
    await run('docker', ['network', 'rm', `${project}_${name}-net`]);
  }
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
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
  await expect(list(page).getByRole('link', { name: 'Tiny test stack', exact: true })).toBeVisible();
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

const dockerState = async (container: string) =>
  (await run('docker', ['inspect', '-f', '{{.State.Running}}', container])).stdout.trim();

test('deploys a container stack in place: write and apply, its container runs, linked to the overview', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const name = `st-${suffix}`;
  stacks.push(name);
  await openGallery(page, 'tiny-stack');
  const badges = page.getByRole('list', { name: 'Provenance' });
  await expect(badges).toContainText('Checksum: not applicable');
  await expect(page.getByRole('checkbox')).toHaveCount(0);

  // A bad name is refused in place, tied to the field; nothing is deployed.
  const field = page.getByLabel('Stack name');
  await field.fill('bad name!');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAccessibleDescription(/"bad name!" is not a valid name/);
  await page.getByRole('button', { name: 'Deploy stack' }).click();
  await expect(page.getByRole('list', { name: 'Progress' })).toHaveCount(0);
  expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);

  await field.fill(name);
  await expect(field).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('radio', { name: /Write and apply/ })).toBeChecked();
  await page.getByRole('button', { name: 'Deploy stack' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Stack' })).toHaveText(
    `Stack "${name}" is deployed and running.`,
    { timeout: 90_000 },
  );
  const progress = page.getByRole('list', { name: 'Progress' });
  await expect(progress).toContainText(`create container ${name}-app: done`);
  await expect(progress).toContainText(`start container ${name}-app: done`);
  const result = page.getByRole('definition').filter({ hasText: `[container.${name}-app]` });
  await expect(result).toContainText(`[network.${name}-net]`);
  await expect(
    page.getByRole('definition').filter({ hasText: `create container ${name}-app` }),
  ).toBeVisible();

  // Really there: the container runs on docker, the network exists, the file kept its comment.
  expect(await dockerState(`${name}-app`)).toBe('true');
  expect((await run('docker', ['network', 'inspect', `${project}_${name}-net`])).code).toBe(0);
  const written = readFileSync(file, 'utf8');
  expect(written.startsWith(ORIGINAL)).toBe(true);
  expect(written).toContain(`[container.${name}-app]`);

  const axe = await new AxeBuilder({ page }).analyze();
  expect(
    axe.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.help}`),
  ).toEqual([]);

  await page.getByRole('link', { name: 'Show the stack in the overview' }).click();
  await expect(page).toHaveURL(/#\/overview\?select=/);
  await expect(page.getByRole('complementary', { name: `Details of ${name}-app` })).toBeVisible({
    timeout: 30_000,
  });
});

test('a stack that failed a check needs consent; write only writes its sections and starts nothing', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const name = `su-${suffix}`;
  stacks.push(name);
  await openGallery(page, 'tiny-stack-unverified');
  await expect(page.getByRole('list', { name: 'Provenance' })).toContainText('Publisher: failed');
  const deploy = page.getByRole('button', { name: 'Deploy stack' });
  await page.getByLabel('Stack name').fill(name);
  await expect(deploy).toBeDisabled();
  await page
    .getByRole('checkbox', { name: /Deploy anyway: I accept that the publisher check failed/ })
    .check();
  await expect(deploy).toBeEnabled();
  await page.getByRole('radio', { name: /Write only/ }).check();
  await deploy.click();
  await expect(page.getByRole('status').filter({ hasText: 'Written' })).toHaveText(
    `Written to ${file}; run nova apply to create it.`,
    { timeout: 30_000 },
  );
  await expect(page.getByRole('definition').filter({ hasText: 'publisher check failed' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Show the stack in the overview' })).toHaveCount(0);
  expect(readFileSync(file, 'utf8')).toContain(`[container.${name}-app]`);
  expect((await run('docker', ['inspect', `${name}-app`])).code).not.toBe(0);
});

test('a stack that cannot be applied shows why in place and leaves the NovaFile as it was', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const name = `sf-${suffix}`;
  stacks.push(name);
  // A container Nova did not make holds the stack's container name.
  const foreign = await run('docker', [
    'create',
    '--name',
    `${name}-app`,
    'nova-test/busybox:latest',
    'true',
  ]);
  expect(foreign.code, foreign.stderr).toBe(0);
  const beforeText = readFileSync(file, 'utf8');
  await openGallery(page, 'tiny-stack');
  await page.getByLabel('Stack name').fill(name);
  await page.getByRole('button', { name: 'Deploy stack' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deploy failed' })).toBeVisible({
    timeout: 30_000,
  });
  const problem = page.getByRole('alert').filter({ hasText: 'the stack cannot be planned' });
  await expect(problem).toContainText(
    `a docker container named "${name}-app" exists and Nova did not create it`,
  );
  await expect(problem).toContainText('The sections were taken out again');
  await expect(page.getByRole('list', { name: 'Progress' })).toContainText('Took the sections out of');
  expect(readFileSync(file, 'utf8')).toBe(beforeText);
  expect((await run('docker', ['network', 'inspect', `${project}_${name}-net`])).code).not.toBe(0);
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
