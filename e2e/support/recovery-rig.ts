// The recovery tests' rig (e2e/support/recovery.ts): a real window (browser mode, Debian's Chromium on
// the overview) and `nova metrics serve`, what they say about each backend, and what Nova keeps.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SourceId } from '@nova/core';
import { HelperClient, loadNovaFile, readExporterConfigSync } from '@nova/core/node';
import { type Browser, chromium, type Page } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from './browser-mode.js';
import { chromiumLaunchOptions } from './chromium.js';
import { requireLab, TEST_IMAGE } from './lab.js';
import { type RunningExporter, startExporterCli } from './prometheus.js';
import { alive, type Backend, restoreLab, waitUntil } from './recovery-backends.js';

const ORIGINS_FILE = '/var/lib/nova/origins.json';
const AUDIT_LOG = '/var/log/nova/audit.log';
const POOL_ROOT = '/var/lib/nova-lab';

// ── the window, the exporter, and what Nova keeps ──

export interface Rig {
  /** In the names of everything this run makes. */
  tag: string;
  dir: string;
  novaFile: string;
  exporterConfig: string;
  nova: RunningBrowserMode;
  exporter: RunningExporter;
  browser: Browser;
  page: Page;
  pool: { name: string; project: string; path: string };
  /** What Nova keeps, as it was before the kill. */
  kept: { audit: string; novaFile: string; exporterConfig: string };
  /** What the test made, to remove afterwards. */
  cleanups: (() => Promise<unknown>)[];
}

/** The window, the exporter and a pool Nova made (an entry of the helper's origins registry). */
export async function startRig(): Promise<Rig> {
  requireLab();
  await restoreLab();
  const tag = `rec${randomBytes(2).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'nova-recovery-'));
  chmodSync(dir, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [
    async () => {
      rmSync(dir, { recursive: true, force: true });
      await Promise.resolve();
    },
  ];
  const project = `nova-test-${tag}`;
  const novaFile = join(dir, 'NovaFile');
  writeFileSync(
    novaFile,
    [
      `project = "${project}"`,
      '',
      '# A container this test never applies: the exporter plans it every interval (one resource of drift).',
      `[container.ct-${tag}]`,
      `capsule = "${TEST_IMAGE}"`,
      'command = ["sleep", "3600"]',
      '',
    ].join('\n'),
  );
  const exporterConfig = join(dir, 'exporter.toml');
  writeFileSync(
    exporterConfig,
    ['interval = "1s"', 'novafile = "NovaFile"', 'novafile_interval = "2s"', ''].join('\n'),
  );

  const pool = { name: `nova-test-${tag}-pool`, project, path: join(POOL_ROOT, `recovery-${tag}`) };
  const helper = await HelperClient.connect();
  try {
    await helper.call('DefinePool', {
      spec: {
        name: pool.name,
        ownership: { project, name: pool.name, specHash: '0'.repeat(64) },
        path: pool.path,
        shared: false,
        createFolder: true,
      },
    });
  } finally {
    helper.close();
  }
  cleanups.push(async () => {
    const client = await HelperClient.connect();
    try {
      await client.call('DeletePool', { name: pool.name, project }).catch(() => undefined);
    } finally {
      client.close();
    }
    rmSync(pool.path, { recursive: true, force: true });
  });

  const started: Partial<Rig> = {};
  try {
    // Each starts on its own: together they take as long as the slowest.
    const starting = await Promise.allSettled([
      startExporterCli(['--listen', '127.0.0.1:0'], exporterConfig).then((exporter) => {
        started.exporter = exporter;
      }),
      startBrowserMode({ cwd: dir }).then((nova) => {
        started.nova = nova;
      }),
      chromium.launch(chromiumLaunchOptions).then((browser) => {
        started.browser = browser;
      }),
    ]);
    for (const result of starting) if (result.status === 'rejected') throw result.reason;
    if (started.browser === undefined || started.nova === undefined || started.exporter === undefined)
      throw new Error('the window or the exporter did not start');
    const page = await started.browser.newPage();
    await page.goto(started.nova.url);
    // Listed: the table, or on a host with no instance at all, the overview saying so.
    await page
      .getByRole('table', { name: 'Instances' })
      .or(page.getByText('No virtual machines or containers on this host yet.'))
      .waitFor();
    // This run's instances only: the lab is shared.
    await page.getByRole('searchbox', { name: 'Filter' }).fill(tag);
    const { exporter, nova, browser } = started;
    return {
      tag,
      dir,
      novaFile,
      exporterConfig,
      nova,
      exporter,
      browser,
      page,
      pool,
      kept: {
        audit: readFileSync(AUDIT_LOG, 'utf8'),
        novaFile: readFileSync(novaFile, 'utf8'),
        exporterConfig: readFileSync(exporterConfig, 'utf8'),
      },
      cleanups,
    };
  } catch (err) {
    await Promise.all([started.browser?.close(), started.nova?.stop(), started.exporter?.stop()]);
    await Promise.all(cleanups.map((cleanup) => cleanup().catch(() => undefined)));
    throw err;
  }
}

/** Stops the window and the exporter, removes what the run made, and gives every service back. */
export async function stopRig(rig: Rig | undefined): Promise<void> {
  try {
    await restoreLab();
  } finally {
    if (rig !== undefined) {
      await Promise.all([rig.browser.close().catch(() => undefined), rig.nova.stop(), rig.exporter.stop()]);
      await Promise.all(rig.cleanups.map((cleanup) => cleanup().catch(() => undefined)));
    }
  }
}

// ── what the window and the exporter say ──

const SOURCE_LABELS: Record<SourceId, string> = {
  libvirt: 'libvirt',
  bolt: 'Bolt',
  docker: 'Docker',
  podman: 'Podman',
};

/** The text of a source's line in the window's list of sources ("" while it is not shown). */
async function sourceText(page: Page, source: SourceId): Promise<string> {
  const item = page
    .getByRole('list', { name: 'Engines' })
    .getByRole('listitem')
    .filter({ hasText: new RegExp(`^${SOURCE_LABELS[source]}`) });
  if ((await item.count()) !== 1) return '';
  return (await item.textContent()) ?? '';
}

/** Waits until the window shows the source unavailable (with a message that `names` matches) or reachable and live. */
export async function waitForSource(
  page: Page,
  source: SourceId,
  expected: { unavailable: RegExp } | 'live',
  timeoutMs: number,
): Promise<void> {
  let text = '';
  await waitUntil(
    `the window showing ${source} ${expected === 'live' ? 'reachable and live' : 'unavailable'}`,
    timeoutMs,
    async () => {
      text = await sourceText(page, source);
      if (expected === 'live') return text.includes('Reachable') && !text.includes('Not live');
      return text.includes('Unavailable') && expected.unavailable.test(text);
    },
    () => text,
  );
}

/** Waits until the window's instance table has a row for `name` (the filter shows this run's only). */
export async function waitForRow(page: Page, name: string, timeoutMs: number): Promise<void> {
  const row = page.getByRole('table', { name: 'Instances' }).getByRole('row', { name: new RegExp(name) });
  await waitUntil(`the window showing ${name}`, timeoutMs, async () => (await row.count()) > 0);
}

/** The value of the exporter's series for this backend, as scraped now (undefined when absent). */
export async function scrape(rig: Rig, metric: Backend['metric']): Promise<number | undefined> {
  const response = await fetch(`${rig.exporter.url}/metrics`);
  if (!response.ok) throw new Error(`the exporter answered ${String(response.status)}`);
  const text = await response.text();
  const series =
    metric.name === 'nova_helper_up' ? 'nova_helper_up' : `nova_backend_up\\{backend="${metric.backend}"\\}`;
  const match = new RegExp(`^${series} (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export async function waitForMetric(
  rig: Rig,
  metric: Backend['metric'],
  value: number,
  timeoutMs: number,
): Promise<void> {
  let last: number | undefined;
  await waitUntil(
    `the exporter's ${metric.name}${'backend' in metric ? `{backend="${metric.backend}"}` : ''} at ${String(value)}`,
    timeoutMs,
    async () => (last = await scrape(rig, metric)) === value,
    () => String(last),
  );
}

/** The window and the exporter are the processes they were, and both answer. */
export async function expectStillUp(rig: Rig, marker: number): Promise<void> {
  if (!alive(rig.nova.pid)) throw new Error('browser mode (the window’s backend) died');
  const pid = rig.exporter.child.pid;
  if (pid === undefined || !alive(pid)) throw new Error('nova metrics serve died');
  // A call of the contract, as the window makes them (with the launch token, as a tool would).
  const token = new URL(rig.nova.url).searchParams.get('token') ?? '';
  const answer = await fetch(`${rig.nova.origin}/api/call/system.version`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const reply = (await answer.json()) as { ok?: boolean };
  if (!answer.ok || reply.ok !== true) throw new Error(`browser mode answered ${String(answer.status)}`);
  await scrape(rig, { name: 'nova_helper_up' });
  // The same page: a reload would have lost what was set on it.
  const seen = await rig.page.evaluate(
    () => (window as unknown as { novaRecoveryMark?: number }).novaRecoveryMark,
  );
  if (seen !== marker) throw new Error('the page was reloaded');
}

/** Everything Nova keeps still parses and holds what it held. */
export async function expectKept(rig: Rig): Promise<void> {
  const origins = JSON.parse(readFileSync(ORIGINS_FILE, 'utf8')) as { pools?: Record<string, unknown> };
  if (JSON.stringify(origins.pools?.[rig.pool.name]) !== JSON.stringify({ project: rig.pool.project }))
    throw new Error(`the origins registry lost pool ${rig.pool.name}`);
  const audit = readFileSync(AUDIT_LOG, 'utf8');
  if (!audit.startsWith(rig.kept.audit)) throw new Error('the audit log lost or changed what it held');
  const lines = audit.split('\n').filter((line) => line !== '');
  for (const line of lines.slice(rig.kept.audit.split('\n').filter((l) => l !== '').length)) JSON.parse(line);
  if (!lines.some((line) => line.includes('"DefinePool"') && line.includes(rig.pool.name)))
    throw new Error('the audit log has no record of the pool this run made');
  if (readFileSync(rig.novaFile, 'utf8') !== rig.kept.novaFile) throw new Error('the NovaFile changed');
  const novaFile = await loadNovaFile(rig.novaFile);
  if (!novaFile.ok) throw new Error(`the NovaFile no longer reads: ${JSON.stringify(novaFile.errors)}`);
  if (readFileSync(rig.exporterConfig, 'utf8') !== rig.kept.exporterConfig)
    throw new Error('the exporter config changed');
  readExporterConfigSync(rig.exporterConfig);
}
