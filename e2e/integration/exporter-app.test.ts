// The exporter inside the running app: browser mode (the real backend, on the lab) started with
// NOVA_EXPORTER_CONFIG serves the same /metrics as `nova metrics serve`, and stops with the app.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { REPO_ROOT, requireLab } from '../support/lab.js';
import { freePort, stopChild } from '../support/prometheus.js';

const dir = mkdtempSync(join(tmpdir(), 'nova-exporter-app-'));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child !== undefined) await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
});

describe('the exporter in the running app', () => {
  it('serves /metrics from browser mode when NOVA_EXPORTER_CONFIG names a config, until the app stops', async () => {
    requireLab();
    const port = await freePort();
    const config = join(dir, 'exporter.toml');
    writeFileSync(config, `listen = "127.0.0.1:${String(port)}"\ninterval = "1s"\n`);
    child = spawn(process.execPath, [join(REPO_ROOT, 'apps/main/dist/browser-mode.cjs')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NOVA_EXPORTER_CONFIG: config },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const url = `http://127.0.0.1:${String(port)}/metrics`;
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await fetch(url).then(
        async (r) => r.text(),
        () => '',
      );
      if (/^nova_helper_up 1$/m.test(text) && /^nova_host_memory_total_bytes \d/m.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(text).toMatch(/^nova_helper_up 1$/m);
    expect(text).toMatch(/^nova_backend_up\{backend="libvirt"\} 1$/m);
    expect(text).toMatch(/^nova_host_memory_total_bytes \d+/m);
    expect(stderr).toContain(`serving Prometheus metrics at http://127.0.0.1:${String(port)}/metrics`);

    expect(await stopChild(child)).toBe(0);
    const after = await fetch(url).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).toBe('refused');
  });
});
