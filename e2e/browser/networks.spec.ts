// The Networks page (read-only for now): every network with its bridge and members, and the row the
// address selects (the topology links here).
import { expect, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { defineDomain, removeDomain, requireLab, tinyGuestXml, uniqueName } from '../support/lab.js';

const vmName = uniqueName('net-vm');
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  // Defined, not started: a VM's NIC on 'default' shows as a member from its inactive XML.
  await defineDomain(tinyGuestXml(vmName));
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  await removeDomain(vmName);
});

test('lists libvirt’s default network on its bridge, with the VM on it, and links to the VM', async ({
  page,
}) => {
  await page.goto(nova.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Networks' }).click();
  const table = page.getByRole('table', { name: 'Networks' });
  const row = table.getByRole('row', { name: /^default\b/ });
  await expect(row).toContainText('virbr0');
  await expect(row).toContainText(vmName);
  await row.getByRole('link', { name: vmName }).click();
  await expect(page).toHaveURL(/#\/overview\?select=vm%2F/);
});

test('marks and focuses the network the address selects', async ({ page }) => {
  await page.goto(nova.url);
  await page.evaluate(() => {
    location.hash = '#/networks?select=network%2Flibvirt%2Fdefault';
  });
  const row = page.getByRole('table', { name: 'Networks' }).getByRole('row', { name: /^default\b/ });
  await expect(row).toHaveAttribute('aria-current', 'true');
  await expect(row).toBeFocused();
  // Another network is not marked.
  const bridge = page.getByRole('table', { name: 'Networks' }).getByRole('row', { name: /^virbr0\b/ });
  await expect(bridge).not.toHaveAttribute('aria-current', 'true');
});
