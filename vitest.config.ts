import { defineConfig } from 'vitest/config';

const integration = ['test/integration/**'];

// One project per package, plus the integration suite that needs the lab (scripts/lab.sh up).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'core', root: 'packages/core', include: ['test/**/*.test.ts'], exclude: integration } },
      { test: { name: 'helper', root: 'apps/helper', include: ['test/**/*.test.ts'], exclude: integration } },
      { test: { name: 'cli', root: 'apps/cli', include: ['test/**/*.test.ts'], exclude: integration } },
      { test: { name: 'main', root: 'apps/main', include: ['test/**/*.test.ts'], exclude: integration } },
      {
        test: {
          name: 'renderer',
          root: 'apps/renderer',
          include: ['test/**/*.test.ts'],
          exclude: integration,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/test/integration/**/*.test.ts'],
          // These tests share one host (libvirtd, dockerd, the bus): run them one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
