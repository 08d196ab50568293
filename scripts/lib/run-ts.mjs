// Runs a TypeScript entry point of the repository under Node: bundles it with esbuild into a temporary
// ES module (CommonJS dependencies included), then runs it. For scripts that use the workspace's code.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { basename, join } from 'node:path';

import { build } from 'esbuild';

import { ROOT } from './setup.mjs';

export async function runTs(entry, args = []) {
  // Inside the repository, so that the packages left external (Playwright) resolve from its node_modules.
  const cache = join(ROOT, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const outfile = join(mkdtempSync(join(cache, 'nova-run-')), `${basename(entry, '.ts')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: {
      js: [
        "import { createRequire } from 'node:module';",
        "import { fileURLToPath as __novaFileURLToPath } from 'node:url';",
        'const require = createRequire(import.meta.url);',
        'const __filename = __novaFileURLToPath(import.meta.url);',
        "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
      ].join('\n'),
    },
    // Playwright reads its own package files at run time: it cannot be bundled.
    external: ['cpu-features', '*.node', 'x11', '@playwright/test', 'playwright', 'playwright-core'],
    logLevel: 'warning',
  });
  const result = spawnSync(process.execPath, [outfile, ...args], {
    stdio: 'inherit',
    cwd: ROOT,
    env: { ...process.env, NOVA_REPO_ROOT: ROOT },
  });
  return result.status ?? 1;
}
