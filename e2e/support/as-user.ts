// Running a TypeScript program of the tests as one of the lab's users: bundled once with esbuild into a
// folder everyone may read, then started through runuser with a clean environment, so that nothing of
// root's session (environment, bus identity, file rights) leaks into the user's run.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { build } from 'esbuild';

import { run, type RunResult } from './lab.js';

const bundles = new Map<string, string>();

/** Bundles `entry` (a .ts file) into an ES module that any user may read and run; once per entry. */
export async function bundleForUsers(entry: string): Promise<string> {
  const known = bundles.get(entry);
  if (known !== undefined) return known;
  const dir = mkdtempSync(join(tmpdir(), 'nova-as-user-'));
  chmodSync(dir, 0o755);
  const outfile = join(dir, `${basename(entry, '.ts')}.mjs`);
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
  chmodSync(outfile, 0o644);
  bundles.set(entry, outfile);
  return outfile;
}

function userEnv(user: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    LANG: 'C.UTF-8',
    HOME: `/home/${user}`,
    USER: user,
    LOGNAME: user,
  };
}

/** Runs a bundle to its end as `user`. */
export function runBundleAs(user: string, bundle: string, args: string[]): Promise<RunResult> {
  return run('runuser', ['-u', user, '--', process.execPath, bundle, ...args], {
    env: userEnv(user),
    cwd: '/',
  });
}

/** Starts a bundle as `user` and leaves it running (stdin open: closing it asks the program to end). */
export function spawnBundleAs(user: string, bundle: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn('runuser', ['-u', user, '--', process.execPath, bundle, ...args], {
    env: userEnv(user),
    cwd: '/',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
