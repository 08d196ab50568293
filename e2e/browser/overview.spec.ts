// The overview against the real lab in browser mode: actions on rows, changes made behind
// its back, filters and sorting, the confirm dialog, per-row errors, selection through the address.
import { randomBytes } from 'node:crypto';

import { InstanceList } from '@nova/core';
import { BoundedCaller, connectSystemBus } from '@nova/core/node';
import { expect, type Page, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import {
  defineDomain,
  defineEmptyDomains,
  domainState,
  mustRun,
  readJson,
  removeContainer,
  removeDomain,
  requireLab,
  run,
  runNova,
  startContainer,
  TEST_IMAGE,
  tinyGuestXml,
  undefineDomains,
  uniqueName,
  virsh,
} from '../support/lab.js';

// One tag for this run's instances: the lab is shared, so each test first filters down to them.
const tag = `ov${randomBytes(2).toString('hex')}`;
const vmName = uniqueName(`${tag}-vm`);
const running = uniqueName(`${tag}-ct-a`);
const other = uniqueName(`${tag}-ct-b`);
const broken = uniqueName(`${tag}-ct-broken`);
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  await defineDomain(tinyGuestXml(vmName));
  await startContainer(running);
  await startContainer(other);
  // A container whose command does not exist: starting it is a real engine error.
  await mustRun('docker', [
    'create',
    '--name',
    broken,
    '--label',
    'dev.nova.test=1',
    TEST_IMAGE,
    '/no/such/program',
  ]);
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  await removeDomain(vmName);
  for (const name of [running, other, broken]) await removeContainer(name);
});

/** Opens the overview filtered down to this run's instances (`text` narrows it further). */
async function openOverview(page: Page, text = tag) {
  await page.goto(nova.url);
  const table = page.getByRole('table', { name: 'Instances' });
  await expect(table).toBeVisible();
  await page.getByRole('searchbox', { name: 'Filter' }).fill(text);
  return table;
}

test('starts a shut-off VM, shows it running with an address, and follows a virsh suspend', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const table = await openOverview(page);
  const row = table.getByRole('row', { name: new RegExp(vmName) });
  await expect(row).toContainText('Stopped');
  await row.getByRole('button', { name: `Start ${vmName}` }).click();
  await expect(row).toContainText('Running', { timeout: 30_000 });
  // The tiny guest takes a DHCP lease on libvirt's default network (192.168.122.0/24) after it boots.
  await expect(row).toContainText(/192\.168\.122\.\d+/, { timeout: 60_000 });
  await expect(row).toContainText('default');

  // Behind Nova's back, and no click on Refresh: libvirt's signal reaches the row.
  await virsh('suspend', vmName);
  await expect(row).toContainText('Paused', { timeout: 5_000 });
  await row.getByRole('button', { name: `Resume ${vmName}` }).click();
  await expect(row).toContainText('Running');
  expect(await domainState(vmName)).toBe('running');
});

test('asks for the list from a classic script in <head>, and the overview takes that answer', async ({
  page,
}) => {
  const table = await openOverview(page);
  await expect(table.getByRole('row', { name: new RegExp(running) })).toBeVisible();
  const load = await page.evaluate(() => {
    const classic = [...document.head.querySelectorAll('script[src]')].filter(
      (script) => script.getAttribute('type') !== 'module',
    );
    const stored = performance.getEntriesByName('nova:list-stored')[0]?.startTime ?? Number.NaN;
    const asked = performance.getEntriesByName('nova:list-asked')[0]?.startTime ?? Number.NaN;
    const calls = performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.endsWith('/api/call/instances.list') && entry.startTime < stored);
    return {
      classic: classic.map((script) => script.getAttribute('src')),
      calls: calls.map((entry) => entry.startTime),
      asked,
    };
  });
  expect(load.classic).toEqual([expect.stringMatching(/^\/assets\/early-[0-9a-f]+\.js$/)]);
  // One call before the first listing was stored: the early one, sent before the store asked (the
  // store took its answer instead of asking again).
  expect(load.calls).toHaveLength(1);
  expect(load.calls[0]).toBeLessThan(load.asked);
});

test('filters by text, kind and running-only, and sorts by a column', async ({ page }) => {
  const table = await openOverview(page, `${tag}-ct-`);
  const names = table.locator('tbody th[scope="row"]');
  await expect(table.getByRole('row', { name: new RegExp(running) })).toBeVisible();
  await expect(table.getByRole('row', { name: new RegExp(vmName) })).toHaveCount(0);
  const filtered = await names.allTextContents();
  expect(filtered.sort()).toEqual([running, other, broken].sort());

  // Running only hides the created-but-never-started container.
  await expect(table.getByRole('row', { name: new RegExp(broken) })).toBeVisible();
  await page.getByRole('checkbox', { name: 'Running only' }).check();
  await expect(table.getByRole('row', { name: new RegExp(broken) })).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Running only' }).uncheck();

  await page.getByRole('combobox', { name: 'Kind' }).selectOption('vm');
  await expect(table.getByRole('row', { name: new RegExp(running) })).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Kind' }).selectOption('all');

  // Name sorts ascending by default; a click on its header flips it, and aria-sort says so.
  const nameHeader = table.getByRole('columnheader', { name: /Name/ });
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  const ascending = await names.allTextContents();
  expect(ascending).toEqual(
    [...ascending].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })),
  );
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(names).toHaveText([...ascending].reverse());
  // By state: running ones first.
  await table.getByRole('columnheader', { name: /State/ }).getByRole('button').press('Enter');
  await expect(table.getByRole('columnheader', { name: /State/ })).toHaveAttribute('aria-sort', 'ascending');
  await expect(names.last()).toHaveText(broken);
});

test('sorts by CPU with live load: a busy container comes first', async ({ page }) => {
  const busy = uniqueName(`${tag}-ct-busy`);
  await mustRun('docker', [
    'run',
    '-d',
    '--name',
    busy,
    '--label',
    'dev.nova.test=1',
    TEST_IMAGE,
    'sh',
    '-c',
    'while :; do :; done',
  ]);
  try {
    const table = await openOverview(page);
    const busyRow = table.getByRole('row', { name: new RegExp(busy) });
    // Its CPU cell shows a figure once samples arrive (a dash until then).
    await expect(busyRow).toContainText(/\d+(\.\d+)?\s?%/, { timeout: 15_000 });
    const cpuHeader = table.getByRole('columnheader', { name: /CPU/ });
    await cpuHeader.getByRole('button').click();
    if ((await cpuHeader.getAttribute('aria-sort')) !== 'descending')
      await cpuHeader.getByRole('button').click();
    await expect(cpuHeader).toHaveAttribute('aria-sort', 'descending');
    await expect(table.locator('tbody th[scope="row"]').first()).toHaveText(busy, { timeout: 10_000 });
  } finally {
    await removeContainer(busy);
  }
});

test('shows a failed action on its own row and keeps the other rows working', async ({ page }) => {
  const table = await openOverview(page);
  const brokenRow = table.getByRole('row', { name: new RegExp(broken) });
  const otherRow = table.getByRole('row', { name: new RegExp(other) });
  await brokenRow.getByRole('button', { name: `Start ${broken}` }).click();
  const error = brokenRow.getByRole('alert');
  await expect(error).toContainText('Start failed');
  await expect(error).toContainText('no/such/program');
  // Another row's action still runs while that error stands.
  await otherRow.getByRole('button', { name: `Pause ${other}` }).click();
  await expect(otherRow).toContainText('Paused');
  await expect(otherRow.getByRole('alert')).toHaveCount(0);
  await otherRow.getByRole('button', { name: `Resume ${other}` }).click();
  await expect(otherRow).toContainText('Running');
  await expect(error).toBeVisible();
  await brokenRow.getByRole('button', { name: `Dismiss the error of ${broken}` }).click();
  await expect(error).toHaveCount(0);
});

test('opens an instance from the address (#/overview?select=ID) with its details and logs', async ({
  page,
}) => {
  const cli = readJson((await runNova(['list', '--json'])).stdout, InstanceList);
  const container = cli.instances.find((instance) => instance.name === running);
  expect(container).toBeDefined();
  await openOverview(page);
  await page.goto(`${nova.origin}/#/overview?select=${encodeURIComponent(container?.id ?? '')}`);
  const pane = page.getByRole('complementary', { name: `Details of ${running}` });
  await expect(pane).toBeVisible();
  await expect(pane.getByRole('heading', { name: 'Summary' })).toBeVisible();
  await expect(pane).toContainText(TEST_IMAGE);
  await expect(pane.getByRole('heading', { name: 'Logs' })).toBeVisible();
  // Follow: a line the container's main process writes shows up without asking again.
  await pane.getByRole('checkbox', { name: 'Follow' }).check();
  await expect(pane.getByText('Following new lines…')).toBeVisible();
  const marker = `followed-${randomBytes(3).toString('hex')}`;
  await mustRun('docker', ['exec', running, 'sh', '-c', `echo ${marker} > /proc/1/fd/1`]);
  await expect(pane.getByLabel('Log lines')).toContainText(marker, { timeout: 5_000 });
  await pane.getByRole('checkbox', { name: 'Follow' }).uncheck();
  await pane.getByText('Inspect (JSON, as Nova reads it)').click();
  await expect(pane.getByLabel('Inspect JSON')).toContainText(`"name": "${running}"`);
});

test('works from the keyboard: rows, pane, dialog with Escape', async ({ page }) => {
  const table = await openOverview(page, '');
  const filter = page.getByRole('searchbox', { name: 'Filter' });
  await filter.focus();
  await page.keyboard.type(`${tag}-ct-`);
  const first = table.locator('tbody .row-open').first();
  await first.focus();
  await page.keyboard.press('ArrowDown');
  const second = table.locator('tbody .row-open').nth(1);
  await expect(second).toBeFocused();
  await page.keyboard.press('Enter');
  const name = (await second.textContent()) ?? '';
  const pane = page.getByRole('complementary', { name: `Details of ${name}` });
  await expect(pane).toBeVisible();
  // Focus moves into the pane; Escape closes it and goes back to its row.
  await expect(pane.getByRole('heading', { name, exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(pane.getByRole('button', { name: 'Close details' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(pane).toHaveCount(0);
  await expect(second).toBeFocused();

  const row = table.getByRole('row', { name: new RegExp(running) });
  const deleteButton = row.getByRole('button', { name: `Delete ${running}` });
  await deleteButton.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Delete container “${running}”?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  // Focus stays in the dialog.
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Delete' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(deleteButton).toBeFocused();
  await expect(row).toBeVisible();
});

test('deletes a container and a VM after a dialog that says what goes', async ({ page }) => {
  const table = await openOverview(page);
  const row = table.getByRole('row', { name: new RegExp(other) });
  await row.getByRole('button', { name: `Delete ${other}` }).click();
  const dialog = page.getByRole('dialog', { name: `Delete container “${other}”?` });
  await expect(dialog).toContainText(
    `Container "${other}" on Docker (not created by Nova): stopped if it runs and removed`,
  );
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  expect((await run('docker', ['inspect', other])).code).not.toBe(0);

  const vmRow = table.getByRole('row', { name: new RegExp(vmName) });
  await vmRow.getByRole('button', { name: `Delete ${vmName}` }).click();
  const vmDialog = page.getByRole('dialog', { name: `Delete VM “${vmName}”?` });
  await expect(vmDialog).toContainText('its definition and all its snapshots; its disk images are kept');
  // Its disks, as libvirt knows them (the tiny guest boots from a kernel and has none).
  await expect(vmDialog).toContainText('It has no disks.');
  await vmDialog.getByRole('checkbox', { name: /Also delete the disk images Nova created/ }).check();
  await expect(vmDialog).toContainText('and the disk images Nova created for it');
  await vmDialog.getByRole('button', { name: 'Delete' }).click();
  await expect(vmRow).toHaveCount(0, { timeout: 30_000 });
  expect((await run('virsh', ['-c', 'qemu:///system', 'dominfo', vmName])).code).not.toBe(0);
});

test.describe('a list longer than the screen', () => {
  const many = Array.from(
    { length: 300 },
    (_, index) => `nova-test-${tag}-many-${String(index).padStart(3, '0')}`,
  );
  let paths: string[] = [];
  let caller: BoundedCaller;
  let close: () => void;

  test.beforeAll(async () => {
    const bus = await connectSystemBus();
    close = () => {
      bus.disconnect();
    };
    caller = new BoundedCaller(bus);
    paths = await defineEmptyDomains(caller, many);
  });

  test.afterAll(async () => {
    await undefineDomains(caller, paths);
    close();
  });

  test('stays a real table with only the rows in view in the page, and scrolls to any row', async ({
    page,
  }) => {
    const table = await openOverview(page, `${tag}-many-`);
    await expect(table).toHaveAttribute('aria-rowcount', String(many.length + 1));
    const first = table.getByRole('row', { name: new RegExp(`${tag}-many-000`) });
    await expect(first).toHaveAttribute('aria-rowindex', '2');
    const shown = await table.getByRole('row').count();
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(100);

    // From the keyboard: Down moves from row to row, bringing the next one into the page.
    await first.getByRole('button', { name: `nova-test-${tag}-many-000`, exact: true }).focus();
    for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowDown');
    const sixtieth = table.getByRole('row', { name: new RegExp(`${tag}-many-060`) });
    await expect(
      sixtieth.getByRole('button', { name: `nova-test-${tag}-many-060`, exact: true }),
    ).toBeFocused();
    await expect(sixtieth).toHaveAttribute('aria-rowindex', '62');
    // End and Home go to the last and the first row; Page Down and Page Up by a screenful.
    const nameButton = (index: number) => {
      const name = `nova-test-${tag}-many-${String(index).padStart(3, '0')}`;
      return table.getByRole('button', { name, exact: true });
    };
    await page.keyboard.press('End');
    await expect(nameButton(299)).toBeFocused();
    await expect(table.getByRole('row', { name: new RegExp(`${tag}-many-299`) })).toBeInViewport();
    await page.keyboard.press('Home');
    await expect(nameButton(0)).toBeFocused();
    await page.keyboard.press('PageDown');
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    const landed = Number(/-many-(\d{3})$/.exec(focused)?.[1]);
    expect(landed).toBeGreaterThan(3);
    await page.keyboard.press('PageUp');
    await expect(nameButton(0)).toBeFocused();

    // The address selects a row far down: it is brought into the page, with its pane.
    const uuid = (await virsh('domuuid', `nova-test-${tag}-many-250`)).trim();
    await page.goto(`${nova.origin}/#/overview?select=vm/${uuid}`);
    await expect(
      page.getByRole('complementary', { name: `Details of nova-test-${tag}-many-250` }),
    ).toBeVisible();
    await expect(table.getByRole('row', { name: new RegExp(`${tag}-many-250`) })).toBeInViewport();
  });
});
