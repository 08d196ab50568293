// Shared steps of `npm start` and `npm test`: they must work on a fresh Debian 12 machine right after
// a clone, so they use nothing but Node's own modules until the dependencies are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MINIMUM_NODE = [20, 19];

export function say(line) {
  process.stdout.write(`nova: ${line}\n`);
}

export function fail(line) {
  process.stderr.write(`nova: ${line}\n`);
  process.exit(1);
}

/** Runs a program (argv array, no shell) with inherited output; returns its exit status. */
export function run(file, args, options = {}) {
  const result = spawnSync(file, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error !== undefined) return 127;
  return result.status ?? 1;
}

export function requireNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1])) {
    fail(`Node ${MINIMUM_NODE.join('.')} or newer is needed; this is ${process.version}`);
  }
}

export const isRoot = () => process.getuid?.() === 0;

/** `npm ci` when node_modules is missing or older than the lockfile. */
export function installDependencies() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing dependencies (npm ci)');
  const npm = process.env.npm_execpath;
  const status =
    npm !== undefined && npm.endsWith('.js') ? run(process.execPath, [npm, 'ci']) : run('npm', ['ci']);
  if (status !== 0) fail('npm ci failed');
}

export function build() {
  say('building');
  if (run(process.execPath, [join(ROOT, 'scripts/build.mjs')]) !== 0) fail('the build failed');
}

/** scripts/lab.sh: Debian packages, system services, Nova's helper files (as root). */
export function lab(args) {
  if (!isRoot()) return false;
  if (run('bash', [join(ROOT, 'scripts/lab.sh'), ...args]) !== 0)
    fail(`scripts/lab.sh ${args.join(' ')} failed`);
  return true;
}

export function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The Electron binary, if it has been downloaded (the npm package no longer downloads at install). */
export function electronBinary() {
  const pathFile = join(ROOT, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(ROOT, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}
