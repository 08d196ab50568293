import { defineConfig } from '@playwright/test';

import { chromiumLaunchOptions } from './support/chromium.js';

export default defineConfig({
  testDir: '.',
  forbidOnly: process.env['CI'] !== undefined,
  retries: 0,
  // One host, one lab: the suites change libvirt and Docker state, so they run one at a time.
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../test-results',
  projects: [
    {
      name: 'browser-mode',
      testMatch: 'browser/**/*.spec.ts',
      use: {
        browserName: 'chromium',
        headless: true,
        launchOptions: chromiumLaunchOptions,
        trace: 'retain-on-failure',
      },
    },
    { name: 'electron', testMatch: 'electron/**/*.spec.ts' },
  ],
});
