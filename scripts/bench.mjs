// `npm run bench [-- --count N]`: bundles the benchmark scripts of e2e/bench and runs them with Node.
// Benchmarks print figures (with ratios against a baseline run in the same process); they assert nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { build } from 'esbuild';

import { ROOT } from './lib/setup.mjs';

const outdir = mkdtempSync(join(tmpdir(), 'nova-bench-'));
const benches = readdirSync(join(ROOT, 'e2e/bench')).filter((file) => file.endsWith('.ts'));
let failed = false;
for (const file of benches) {
  const outfile = join(outdir, `${basename(file, '.ts')}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'e2e/bench', file)],
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
  console.log(`bench: ${file}`);
  const result = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: ROOT,
    env: { ...process.env, NOVA_REPO_ROOT: ROOT },
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
