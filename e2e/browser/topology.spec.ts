import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, type Page, test } from '@playwright/test';

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

const vmName = uniqueName('e2e-topo');
let vmId: string;
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  await defineDomain(tinyGuestXml(vmName));
  await virsh('start', vmName);
  vmId = `vm/${(await virsh('domuuid', vmName)).trim()}`;
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  await removeDomain(vmName);
});

const vmNode = (page: Page) =>
  page
    .getByRole('region', { name: 'Topology graph' })
    .getByRole('button', { name: new RegExp(`^VM ${vmName} `) });

test('shows the VM on the default network, which sits on virbr0', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'Topology' }).click();
  await expect(page.getByRole('heading', { name: 'Topology', level: 1 })).toBeVisible();
  const graph = page.getByRole('region', { name: 'Topology graph' });
  await expect(vmNode(page)).toHaveAccessibleName(new RegExp(`^VM ${vmName} running origin Other libvirt$`));
  await expect(graph.getByRole('button', { name: /^libvirt network default active / })).toBeVisible();
  await expect(graph.getByRole('button', { name: /^Bridge virbr0 / })).toBeVisible();

  // The same facts as a table: the default network's row names the VM as a member and virbr0 as what it is on.
  await page.getByRole('button', { name: 'Show as list' }).click();
  await expect(page.getByRole('button', { name: 'Show as list' })).toHaveAttribute('aria-pressed', 'true');
  const table = page.getByRole('table', { name: 'Networks and their members' });
  const row = table
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: /^libvirt network default, / }) });
  await expect(row.getByRole('link', { name: new RegExp(`^VM ${vmName}`) })).toBeVisible();
  await expect(row.getByRole('link', { name: /^Bridge virbr0/ })).toBeVisible();
  await expect(graph).toHaveCount(0);
});

test('follows a state change made behind its back (virsh suspend) without Refresh', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'Topology' }).click();
  await expect(vmNode(page)).toHaveAccessibleName(/ running /);
  await virsh('suspend', vmName);
  try {
    await expect(vmNode(page)).toHaveAccessibleName(/ paused /, { timeout: 5_000 });
  } finally {
    await virsh('resume', vmName);
  }
  await expect(vmNode(page)).toHaveAccessibleName(/ running /, { timeout: 5_000 });
});

test('draws a libvirt network defined behind its back (virsh), and drops it when removed, without Refresh', async ({
  page,
}) => {
  const network = uniqueName('e2e-topo-net');
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'Topology' }).click();
  const graph = page.getByRole('region', { name: 'Topology graph' });
  await expect(vmNode(page)).toBeVisible();
  const node = graph.getByRole('button', { name: new RegExp(`^libvirt network ${network} `) });
  await expect(node).toHaveCount(0);
  const file = join(tmpdir(), `${network}.xml`);
  await writeFile(file, `<network><name>${network}</name></network>`);
  try {
    await virsh('net-define', file);
    await expect(node).toHaveAccessibleName(new RegExp(`^libvirt network ${network} inactive`), {
      timeout: 5_000,
    });
  } finally {
    await run('virsh', ['-c', 'qemu:///system', 'net-undefine', network]);
    await rm(file, { force: true });
  }
  await expect(node).toHaveCount(0, { timeout: 5_000 });
});

test('activating the VM’s node with the keyboard selects it on the overview', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'Topology' }).click();
  const node = vmNode(page);
  await node.focus();
  await expect(node).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/overview\?select=/);
  const select = new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('select');
  expect(select).toBe(vmId);
});
