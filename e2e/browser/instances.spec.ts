import { InstanceList } from '@nova/core';
import { expect, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import {
  defineDomain,
  mustRun,
  readJson,
  removeContainer,
  removeDomain,
  requireLab,
  runNova,
  startContainer,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

const vmName = uniqueName('e2e-vm');
const containerName = uniqueName('e2e-ct');
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  await defineDomain(tinyGuestXml(vmName));
  await virsh('start', vmName);
  await startContainer(containerName);
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  await removeDomain(vmName);
  await removeContainer(containerName);
});

test('lists the same instances as `nova list`', async ({ page }) => {
  await page.goto(nova.url);
  // The token moved from the address into a cookie.
  expect(page.url()).toBe(`${nova.origin}/`);
  const table = page.getByRole('table', { name: 'Instances' });
  await expect(table.getByRole('row', { name: new RegExp(vmName) })).toContainText('Running');
  await expect(table.getByRole('row', { name: new RegExp(containerName) })).toContainText('Container');

  const cli = readJson((await runNova(['list', '--json'])).stdout, InstanceList);
  const shown = await table.locator('tbody th[scope="row"]').allTextContents();
  expect(shown.sort()).toEqual(cli.instances.map((i) => i.name).sort());
  await expect(page.getByText('Browser mode')).toBeVisible();
});

test('shows a change made behind its back after Refresh (virsh suspend)', async ({ page }) => {
  await page.goto(nova.url);
  const row = page.getByRole('table', { name: 'Instances' }).getByRole('row', { name: new RegExp(vmName) });
  await expect(row).toContainText('Running');
  await virsh('suspend', vmName);
  try {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row).toContainText('Paused');
  } finally {
    await virsh('resume', vmName);
  }
});

test('shows a `docker stop` and `docker start` made behind its back, without Refresh', async ({ page }) => {
  await page.goto(nova.url);
  const row = page
    .getByRole('table', { name: 'Instances' })
    .getByRole('row', { name: new RegExp(containerName) });
  await expect(row).toContainText('Running');
  // No click on Refresh: the page follows the engines' events and the row changes on its own.
  await mustRun('docker', ['stop', '-t', '0', containerName]);
  // Events reach the backend within a second (e2e/integration/instance-events.test.ts measures it);
  // here the whole path, backend → WebSocket → store → table, gets two.
  await expect(row).toContainText('Stopped', { timeout: 2_000 });
  await mustRun('docker', ['start', containerName]);
  await expect(row).toContainText('Running', { timeout: 2_000 });
});

test('shows each engine, whether it answers, and that it is followed live', async ({ page }) => {
  await page.goto(nova.url);
  const engines = page.getByRole('list', { name: 'Engines' });
  for (const name of ['libvirt', 'Docker', 'Podman']) {
    const item = engines.getByRole('listitem').filter({ hasText: name });
    await expect(item).toContainText('Reachable');
    await expect(item).toContainText('Live');
  }
  // No Bolt on the lab: it shows as not running, with where Nova looked.
  await expect(engines.getByRole('listitem').filter({ hasText: 'Bolt' })).toContainText('Not running');
});

test('refuses a request without the launch token', async ({ page, playwright }) => {
  const anonymous = await playwright.request.newContext();
  try {
    expect((await anonymous.get(`${nova.origin}/`)).status()).toBe(401);
    const call = await anonymous.post(`${nova.origin}/api/call/instances.list`, { data: {} });
    expect(call.status()).toBe(401);
    expect(await call.text()).not.toContain(vmName);
    expect((await anonymous.get(`${nova.origin}/?token=not-the-token`)).status()).toBe(401);
  } finally {
    await anonymous.dispose();
  }
  const response = await page.goto(`${nova.origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.getByText('open Nova with the URL it printed')).toBeVisible();
});

test('runs under a Content-Security-Policy that allows no inline script', async ({ page }) => {
  const response = await page.goto(nova.url);
  const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  const inlineRan = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inline = true';
    document.body.append(script);
    return (window as unknown as { __inline?: boolean }).__inline === true;
  });
  expect(inlineRan).toBe(false);
});
