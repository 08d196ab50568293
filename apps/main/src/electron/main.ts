// Electron's main process: one hardened window, the renderer on app://nova, and the contract's
// channels bound to the same backend browser mode uses.
import { join } from 'node:path';

import { CHANNEL_NAMES, IPC_EVENT_CHANNEL, IPC_PREFIX } from '@nova/core';
import { createNovaServices } from '@nova/core/node';
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';

import { createBackend } from '../backend/backend.js';
import { rendererDir } from '../browser/renderer-dir.js';
import { SECURITY_HEADERS } from '../browser/security.js';
import { readStaticFile } from '../browser/static-files.js';
import { APP_ORIGIN, isTrustedSender } from './trust.js';

// Wayland-native where the session is Wayland, X11 elsewhere.
app.commandLine.appendSwitch('ozone-platform-hint', 'auto');
app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | undefined;

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    title: 'Nova',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => {
    window.show();
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

async function start(): Promise<void> {
  await app.whenReady();
  const staticDir = rendererDir(__dirname);

  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'nova') return new Response('Not found', { status: 404 });
    const file = await readStaticFile(staticDir, url.pathname);
    if (file === undefined) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: { ...SECURITY_HEADERS, 'Content-Type': file.contentType },
    });
  });

  // Nothing the page asks for (camera, notifications, …) is granted.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  session.defaultSession.setPermissionCheckHandler(() => false);

  const backend = createBackend(createNovaServices());
  // Lists while the window is made, so that its first page lists at once.
  backend.warm();
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(`${IPC_PREFIX}${channel}`, async (event, input: unknown) => {
      const frame = event.senderFrame;
      const trusted =
        frame !== null &&
        event.sender === mainWindow?.webContents &&
        isTrustedSender({ url: frame.url, isTopFrame: frame.parent === null });
      if (!trusted) {
        return { ok: false, error: { code: 'not-authorized', message: 'this page may not call Nova' } };
      }
      return backend.dispatch(channel, input);
    });
  }
  backend.subscribe((event, payload) => {
    mainWindow?.webContents.send(IPC_EVENT_CHANNEL, event, payload);
  });

  mainWindow = createWindow();
  app.on('window-all-closed', () => {
    backend.close();
    app.quit();
  });
}

app.on('web-contents-created', (_event, contents) => {
  // The app never opens windows or leaves its origin; https links go to the user's browser.
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
});

start().catch((err: unknown) => {
  process.stderr.write(`nova: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  app.exit(1);
});
