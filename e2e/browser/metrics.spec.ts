// The Metrics page in browser mode against the real backend: the host's charts get live points, and a
// running container's panel shows its CPU. Charts are found by their accessible names; their text
// summaries (the figure's description) carry the newest values.
import { expect, type Locator, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { removeContainer, requireLab, startContainer, uniqueName } from '../support/lab.js';

const containerName = uniqueName('e2e-metrics');
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  await startContainer(containerName);
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
  await removeContainer(containerName);
});

async function description(chart: Locator): Promise<string> {
  const id = await chart.getAttribute('aria-describedby');
  if (id === null) throw new Error('the chart has no description');
  return (await chart.page().locator(`[id="${id}"]`).textContent()) ?? '';
}

test('the host charts receive points, and their summaries follow them', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'Metrics' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Metrics' })).toBeVisible();

  const cpu = page.getByRole('figure', { name: 'Host CPU' });
  await expect(cpu).toBeVisible();
  await expect(cpu).toHaveAccessibleDescription(/^Host CPU at \d\d:\d\d:\d\d: CPU \(all cores\) [\d.]+ %\.$/);
  const first = await description(cpu);
  // A new point each second: the summary (its time, and mostly its value) changes within a few.
  await expect.poll(() => description(cpu), { timeout: 10_000 }).not.toBe(first);
  await expect(page.getByRole('figure', { name: 'Host memory' })).toHaveAccessibleDescription(
    /used [\d.]+ (MiB|GiB)/,
  );
  await expect(page.getByRole('figure', { name: 'Host network' })).toHaveAccessibleDescription(
    /received [\d.]+ \S+\/s, sent [\d.]+ \S+\/s/,
  );
  // The line itself is drawn: recharts renders a path once there are two points.
  await expect(cpu.locator('path.recharts-curve')).toHaveAttribute('d', /L/);

  await page.getByRole('radio', { name: '1 hour' }).check();
  await expect(cpu).toHaveAccessibleDescription(/CPU \(all cores\) [\d.]+ %/);
});

test('a running container’s panel shows its CPU', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('link', { name: 'Metrics' }).click();
  await page.getByRole('checkbox', { name: new RegExp(containerName) }).check();
  const panel = page.getByRole('region', { name: `${containerName} metrics` });
  const cpu = panel.getByRole('figure', { name: `${containerName} CPU` });
  await expect(cpu).toHaveAccessibleDescription(
    new RegExp(`^${containerName} CPU at \\S+: CPU [\\d.]+ %\\.$`),
  );
  await expect(panel.getByRole('figure', { name: `${containerName} memory` })).toHaveAccessibleDescription(
    /used [\d.]+ (B|KiB|MiB)/,
  );
  // Unticked: its charts go (and the backend ends that subscription).
  await page.getByRole('checkbox', { name: new RegExp(containerName) }).uncheck();
  await expect(panel).toHaveCount(0);
});
