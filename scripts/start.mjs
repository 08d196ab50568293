// `npm start`: installs and builds what is missing, brings up the services Nova needs (as root), then
// opens the Electron window where the binary exists and a display is there, browser mode otherwise.
// `npm start -- --browser [--port N]`: browser mode in any case, on a fixed port if given (for a
// headless host reached over an SSH tunnel: docs/desktop.md).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import {
  build,
  electronBinary,
  electronVersion,
  installDependencies,
  isRoot,
  lab,
  requireNode,
  ROOT,
  say,
} from './lib/setup.mjs';

requireNode();
installDependencies();
if (!process.argv.includes('--no-build')) build();
if (!lab(['up', '--runtime'])) {
  say(
    'not root: using the system services as they are (run `sudo npm start` once to install and start them)',
  );
}

function tryDownloadElectron() {
  say(`the Electron ${electronVersion() ?? ''} binary is not installed; trying to download it`);
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron/install.js')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status === 0 && electronBinary() !== undefined) return { binary: electronBinary() };
  const firstLine = (
    `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n')[0] ?? 'no output'
  ).replace(/^\w*Error: /, '');
  return { why: `the Electron binary is not installed and could not be downloaded (${firstLine})` };
}

const portIndex = process.argv.indexOf('--port');
const port = portIndex < 0 ? undefined : process.argv[portIndex + 1];
if (port !== undefined && !/^\d{1,5}$/.test(port)) {
  console.error(`nova: --port ${port}: not a port number`);
  process.exit(2);
}
const browserOnly = process.argv.includes('--browser') || port !== undefined;
const display = process.env.WAYLAND_DISPLAY || process.env.DISPLAY;
let binary = browserOnly ? undefined : electronBinary();
let why = browserOnly ? 'asked for with --browser' : undefined;
if (binary === undefined && !browserOnly) ({ binary, why } = tryDownloadElectron());
if (binary !== undefined && !display) {
  why = 'there is no graphical session here (neither WAYLAND_DISPLAY nor DISPLAY is set)';
  binary = undefined;
}

let child;
if (binary !== undefined) {
  say(`opening the desktop window (Electron ${electronVersion()})`);
  const args = [join(ROOT, 'apps/main/dist/electron-main.cjs')];
  if (isRoot()) {
    say(
      'running as root: Chromium’s OS sandbox is not available to root; run Nova as a normal user to keep it',
    );
    args.push('--no-sandbox');
  }
  child = spawn(binary, args, { cwd: ROOT, stdio: 'inherit' });
} else {
  const args = [join(ROOT, 'apps/main/dist/browser-mode.cjs'), '--reason', why];
  if (port !== undefined) args.push('--port', port);
  child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: 'inherit',
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
