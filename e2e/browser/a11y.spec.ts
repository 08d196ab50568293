// Accessibility of every page: axe-core finds no serious or critical violation, in each theme, and
// the shell works with the keyboard alone (skip link, navigation between pages).
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from '../support/browser-mode.js';
import { requireLab } from '../support/lab.js';

const PAGES = [
  'Overview',
  'New VM',
  'Topology',
  'Metrics',
  'Networks',
  'Diagnostics',
  'Templates',
  'Settings',
] as const;
/** Each page's main heading: the overview's says what it lists. */
const heading = (title: (typeof PAGES)[number]) => (title === 'Overview' ? /Instances|Overview/ : title);
let nova: RunningBrowserMode;

test.beforeAll(async () => {
  requireLab();
  nova = await startBrowserMode();
});

test.afterAll(async () => {
  await nova.stop();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact ?? ''}): ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    );
}

for (const theme of ['light', 'dark', 'high-contrast'] as const) {
  test(`every page has no serious or critical axe violation (${theme} theme)`, async ({ page }) => {
    await page.goto(nova.url);
    await page.evaluate((choice) => {
      localStorage.setItem('nova.theme', choice);
    }, theme);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    for (const title of PAGES) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title }).click();
      await expect(page.getByRole('heading', { level: 1, name: heading(title) })).toBeVisible();
      // Let live data arrive (no part of the page says it is loading), so that axe sees the page as a
      // user does.
      await expect(page.locator('main [aria-busy="true"]')).toHaveCount(0);
      expect(await seriousViolations(page), `${title} page`).toEqual([]);
    }
  });
}

test('the shell works with the keyboard alone', async ({ page }) => {
  await page.goto(nova.url);
  await expect(page.getByRole('heading', { level: 1, name: heading('Overview') })).toBeVisible();
  // The first Tab reaches the skip link, which moves focus past the navigation.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();

  // Every page can be reached from the navigation with Tab and Enter; the current one is marked.
  for (const title of PAGES) {
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title });
    await link.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: heading(title) })).toBeVisible();
    await expect(link).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle(`${title} · Nova`);
  }
  // Back goes to the previous page, as in any web page.
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Templates' })).toBeVisible();
});

test('a theme chosen in Settings applies at once and is kept', async ({ page }) => {
  await page.goto(nova.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'High contrast' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'high-contrast');
  await page.reload();
  await expect(page.getByRole('radio', { name: 'High contrast' })).toBeChecked();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'high-contrast');
  await page.getByRole('radio', { name: 'Follow the system' }).check();
  // Playwright's Chromium reports a light colour scheme unless told otherwise.
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('follows the system’s dark scheme and its request for more contrast', async ({ browser }) => {
  const dark = await browser.newContext({ colorScheme: 'dark' });
  const contrast = await browser.newContext({ contrast: 'more' });
  try {
    for (const [context, expected] of [
      [dark, 'dark'],
      [contrast, 'high-contrast'],
    ] as const) {
      const page = await context.newPage();
      await page.goto(nova.url);
      await expect(page.locator('html')).toHaveAttribute('data-theme', expected);
    }
  } finally {
    await dark.close();
    await contrast.close();
  }
});
