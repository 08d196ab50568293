// The Networks page: every network with its bridge and members, the row the address selects (the
// topology links here), and management: create a NAT network through the dialog (a bad DHCP range is
// refused at its field first), attach the tiny guest, see its lease, delete the network.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import {
  defineDomain,
  removeDomain,
  requireLab,
  run,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

const vmName = uniqueName('net-vm');
const guestName = uniqueName('net-guest');
const netName = uniqueName('net-ui');
const id = netName.slice(-6);
const second = 100 + (Number.parseInt(id.slice(0, 2), 16) % 100);
const third = Number.parseInt(id.slice(2, 4), 16) % 250;
const prefix = `10.${String(second)}.${String(third)}.`;
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  // Defined, not started: a VM's NIC on 'default' shows as a member from its inactive XML.
  await defineDomain(tinyGuestXml(vmName));
  // No interface: the one attached from the page becomes its eth0, which it asks DHCP on.
  await defineDomain(tinyGuestXml(guestName).replace(/<interface[\s\S]*?<\/interface>\s*/, ''));
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  await removeDomain(vmName);
  await removeDomain(guestName);
  await run('virsh', ['-c', 'qemu:///system', 'net-destroy', netName]);
  await run('virsh', ['-c', 'qemu:///system', 'net-undefine', netName]);
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

test('marks and focuses the network the address selects, also by the topology’s id', async ({ page }) => {
  await page.goto(nova.url);
  await page.evaluate(() => {
    location.hash = '#/networks?select=network%2Flibvirt%2Fdefault';
  });
  const table = page.getByRole('table', { name: 'Networks' });
  const row = table.getByRole('row', { name: /^default\b/ });
  await expect(row).toHaveAttribute('aria-current', 'true');
  await expect(row).toBeFocused();
  await expect(page.getByRole('heading', { name: 'libvirt network default' })).toBeVisible();
  // Another network is not marked.
  const other = table.getByRole('row', { name: /^bridge\b/ }).first();
  await expect(other).not.toHaveAttribute('aria-current', 'true');
});

test('creates a NAT network (refusing a bad DHCP range first), attaches the tiny guest, shows its lease, deletes it', async ({
  page,
}) => {
  await page.goto(`${nova.url}#/networks`);
  await page.getByRole('button', { name: 'Create network…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a network' });
  await dialog.getByLabel('Kind').selectOption('nat');
  await dialog.getByLabel('Name').fill(netName);
  await dialog.getByLabel('Subnet').fill(`${prefix}0/24`);
  await dialog.getByLabel('DHCP first address').fill(`${prefix}10`);
  const last = dialog.getByLabel('DHCP last address');
  await last.fill(`10.${String(second)}.${String(third + 1)}.20`);
  await dialog.getByRole('button', { name: 'Create' }).click();

  // Refused at the field, with what to use instead; nothing was created.
  const refusal = `DHCP range ${prefix}10–10.${String(second)}.${String(third + 1)}.20 is outside the subnet ${prefix}0/24: use addresses between ${prefix}2 and ${prefix}254.`;
  await expect(last).toHaveAttribute('aria-invalid', 'true');
  await expect(last).toHaveAccessibleDescription(refusal);
  await expect(dialog).toContainText(refusal);
  expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', netName])).code).not.toBe(0);

  await last.fill(`${prefix}20`);
  await expect(last).not.toHaveAttribute('aria-invalid', 'true');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const row = page
    .getByRole('table', { name: 'Networks' })
    .getByRole('row', { name: new RegExp(`^${netName}\\b`) });
  await expect(row).toContainText(`${prefix}0/24`);
  await expect(row).toContainText(`${prefix}10 – ${prefix}20`);
  const details = page.getByRole('region', { name: `libvirt network ${netName}` });
  await expect(details).toBeVisible();

  // The guest boots now, and waits a few seconds for an eth0: attach it live.
  await virsh('start', guestName);
  const pick = details.getByLabel('VM to attach');
  await expect(pick.locator('option', { hasText: guestName })).toHaveCount(1);
  const value = await pick.locator('option', { hasText: guestName }).getAttribute('value');
  await pick.selectOption(value ?? '');
  await details.getByRole('checkbox', { name: new RegExp(`Change ${guestName}`) }).check();
  await details.getByRole('button', { name: 'Attach' }).click();
  const members = details.getByRole('table', { name: `Members of ${netName}` });
  await expect(members).toContainText(guestName, { timeout: 30_000 });

  // Leases come without an event: fetch again until the guest's shows.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(details.getByRole('table', { name: `Leases of ${netName}` })).toContainText(prefix, {
      timeout: 3_000,
    });
  }).toPass({ timeout: 90_000 });
  const mac =
    (await members
      .getByRole('row', { name: new RegExp(guestName) })
      .getByRole('cell')
      .nth(2)
      .textContent()) ?? '';
  await expect(details.getByRole('table', { name: `Leases of ${netName}` })).toContainText(mac);

  // Delete: the confirmation names the member.
  await details.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete libvirt network ${netName}?` });
  await expect(confirm).toContainText(guestName);
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0, { timeout: 30_000 });
  expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', netName])).code).not.toBe(0);
  expect(await virsh('dumpxml', '--inactive', guestName)).not.toContain(mac);
});

test('the page, a network’s details and the create dialog have no serious axe violation, in every theme', async ({
  page,
}) => {
  await page.goto(nova.url);
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    await page.evaluate((choice) => {
      localStorage.setItem('nova.theme', choice);
      location.hash = '#/networks?select=libvirt%2Fdefault';
    }, theme);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expect(page.getByRole('heading', { name: 'libvirt network default' })).toBeVisible();
    await page.getByRole('button', { name: 'Create network…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a network' });
    await dialog.getByLabel('Subnet').fill('10.9.0.0/33');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog.getByLabel('Subnet')).toHaveAttribute('aria-invalid', 'true');
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
    expect(serious, `${theme} theme`).toEqual([]);
    // Escape closes the dialog and gives focus back to the button that opened it.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('button', { name: 'Create network…' })).toBeFocused();
  }
});
