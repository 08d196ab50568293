import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './lab.js';

export interface RunningBrowserMode {
  url: string;
  origin: string;
  /** The backend's process id (browser mode runs as one process). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts Nova's backend in browser mode (the real one, on the lab) and resolves with its URL. `cwd` is
 * its working folder, where it finds ./NovaFile.
 */
export async function startBrowserMode(options: { cwd?: string } = {}): Promise<RunningBrowserMode> {
  const urlFile = join(mkdtempSync(join(tmpdir(), 'nova-browser-')), 'url');
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'apps/main/dist/browser-mode.cjs'), '--url-file', urlFile],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    },
  );
  const deadline = Date.now() + 20_000;
  while (!existsSync(urlFile) || readFileSync(urlFile, 'utf8').trim() === '') {
    if (child.exitCode !== null) throw new Error(`browser mode exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('browser mode did not print its URL within 20 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = readFileSync(urlFile, 'utf8').trim();
  return {
    url,
    origin: new URL(url).origin,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
