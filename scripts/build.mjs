// Builds every part of Nova: esbuild bundles for the helper, the CLI and Electron's main and preload
// (plus browser mode), and Vite for the renderer. Usage: node scripts/build.mjs [--only helper,cli,main,renderer]
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : new Set((process.argv[onlyIndex + 1] ?? '').split(','));
const wanted = (name) => only === undefined || only.has(name);

const grpcStub = join(root, 'scripts/build/unbundled-grpc.cjs');
/** @type {import('esbuild').BuildOptions} */
const nodeBundle = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'linked',
  alias: { '@grpc/grpc-js': grpcStub, '@grpc/proto-loader': grpcStub },
  // ssh2 (through dockerode) tries optional native add-ons inside try/catch and falls back to JS.
  // dbus-next needs x11 only to find a session bus through X11, which Nova never does.
  external: ['cpu-features', '*.node', 'x11'],
};

const jobs = [];
if (wanted('helper')) {
  jobs.push(
    build({
      ...nodeBundle,
      entryPoints: [join(root, 'apps/helper/src/main.ts')],
      outfile: join(root, 'apps/helper/dist/nova-helper.cjs'),
    }),
  );
}
if (wanted('cli')) {
  jobs.push(
    build({
      ...nodeBundle,
      entryPoints: [join(root, 'apps/cli/src/main.ts')],
      outfile: join(root, 'apps/cli/dist/nova.cjs'),
    }),
  );
}
if (wanted('main')) {
  jobs.push(
    build({
      ...nodeBundle,
      entryPoints: [join(root, 'apps/main/src/electron/main.ts')],
      outfile: join(root, 'apps/main/dist/electron-main.cjs'),
      external: [...nodeBundle.external, 'electron'],
    }),
    build({
      ...nodeBundle,
      // A sandboxed preload gets a reduced require(): only 'electron' may stay external.
      platform: 'browser',
      target: 'chrome130',
      entryPoints: [join(root, 'apps/main/src/electron/preload.ts')],
      outfile: join(root, 'apps/main/dist/preload.cjs'),
      external: ['electron'],
      alias: {},
    }),
    build({
      ...nodeBundle,
      entryPoints: [join(root, 'apps/main/src/browser/browser-main.ts')],
      outfile: join(root, 'apps/main/dist/browser-mode.cjs'),
    }),
  );
}
await Promise.all(jobs);

if (wanted('renderer')) {
  mkdirSync(join(root, 'apps/renderer/dist'), { recursive: true });
  const vite = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: join(root, 'apps/renderer'),
      stdio: 'inherit',
    },
  );
  if (vite.status !== 0) process.exit(vite.status ?? 1);
}
console.log(`build: done (${only === undefined ? 'all' : [...only].join(', ')})`);
