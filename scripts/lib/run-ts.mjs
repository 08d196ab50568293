// Runs a TypeScript entry point of the repository under Node: bundles it with esbuild into a temporary
// ES module (CommonJS dependencies included), then runs it. For scripts that use the workspace's code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { build } from 'esbuild';

import { ROOT } from './setup.mjs';

export async function runTs(entry, args = []) {
  const outfile = join(mkdtempSync(join(tmpdir(), 'nova-run-')), `${basename(entry, '.ts')}.mjs`);
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
    external: ['cpu-features', '*.node', 'x11'],
    logLevel: 'warning',
  });
  const result = spawnSync(process.execPath, [outfile, ...args], {
    stdio: 'inherit',
    cwd: ROOT,
    env: { ...process.env, NOVA_REPO_ROOT: ROOT },
  });
  return result.status ?? 1;
}
