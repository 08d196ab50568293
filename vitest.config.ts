import { defineConfig } from 'vitest/config';

const unit = (name: string, root: string) => ({ test: { name, root, include: ['test/**/*.test.ts'] } });

// One project per package, plus the integration suite that runs against the lab (scripts/lab.sh up).
export default defineConfig({
  test: {
    projects: [
      unit('core', 'packages/core'),
      unit('helper', 'apps/helper'),
      unit('cli', 'apps/cli'),
      unit('main', 'apps/main'),
      unit('renderer', 'apps/renderer'),
      {
        test: {
          name: 'integration',
          include: ['e2e/integration/**/*.test.ts'],
          // These tests share one host (libvirtd, dockerd, the bus): run them one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
