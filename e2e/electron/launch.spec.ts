import { join } from 'node:path';

import { _electron as electron, expect, test } from '@playwright/test';

import { electronBinary } from '../support/electron.js';
import { REPO_ROOT, requireLab } from '../support/lab.js';

const binary = electronBinary();

const SKIP_REASON =
  'Electron binary not installed on this machine (its download is blocked here); the UI is covered in browser mode';

test('the desktop window opens sandboxed and lists instances', async () => {
  if (binary === undefined) console.log(`electron launch test skipped: ${SKIP_REASON}`);
  test.skip(binary === undefined, SKIP_REASON);
  requireLab();
  const args = [join(REPO_ROOT, 'apps/main/dist/electron-main.cjs')];
  // Chromium refuses to start as root without this; a normal user keeps the OS sandbox.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const app = await electron.launch({ executablePath: binary ?? '', args });
  try {
    const window = await app.firstWindow();
    await expect(window).toHaveTitle('Nova');
    await expect(window.getByRole('heading', { name: 'Instances' })).toBeVisible();
    await expect(window.getByText('Desktop')).toBeVisible();
    // The page sees the contract's bridge and nothing of Node.
    expect(
      await window.evaluate(() => Object.keys((window as unknown as { nova: object }).nova).sort()),
    ).toEqual(['invoke', 'subscribe']);
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(window.url()).toBe('app://nova/index.html');
  } finally {
    await app.close();
  }
});
