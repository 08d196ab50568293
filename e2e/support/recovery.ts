// The recovery tests' harness (e2e/integration/recovery-*.test.ts). A real window (browser mode, Debian's
// Chromium on the overview) and `nova metrics serve` run while one process Nova depends on is killed
// with SIGKILL. The test then holds Nova to its promises: the window and the exporter stay up and say
// which backend is unavailable within 5 s; what changed behind Nova's back shows within 10 s of the
// service being back, without a reload; nothing Nova keeps is lost or torn.
//
// Services the bus starts on demand (the helper, libvirt-dbus, polkitd) would come back at the next
// call: to be seen down they are held down, their activation file set aside (renamed in place, with a
// suffix the bus ignores) and the bus told to reload. Whatever happens, every service is given back.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SourceId } from '@nova/core';
import { HelperClient, loadNovaFile, readExporterConfigSync } from '@nova/core/node';
import { type Browser, chromium, type Page } from '@playwright/test';

import { type RunningBrowserMode, startBrowserMode } from './browser-mode.js';
import { chromiumLaunchOptions } from './chromium.js';
import {
  defineDomain,
  emptyDomainXml,
  mustRun,
  removeContainer,
  removeDomain,
  requireLab,
  run,
  runNova,
  startContainer,
  startLibvirtd,
  TEST_IMAGE,
} from './lab.js';
import { type RunningExporter, startExporterCli } from './prometheus.js';

/** The product's promise: a backend that fails is named everywhere within this long. */
export const DOWN_WITHIN_MS = 5000;
/** The product's promise: what changed while a backend was down shows this long after it is back. */
export const BACK_WITHIN_MS = 10_000;

const SERVICE_DIR = '/usr/share/dbus-1/system-services';
/** The bus reads only files ending in .service: one renamed with this suffix is set aside. */
const HELD_SUFFIX = '.nova-recovery-held';
const ORIGINS_FILE = '/var/lib/nova/origins.json';
const AUDIT_LOG = '/var/log/nova/audit.log';
const LIBVIRT_CONFIG_DIR = '/etc/libvirt/qemu';
const POOL_ROOT = '/var/lib/nova-lab';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails naming `what` (and the last thing seen) after `timeoutMs`. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  seen: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + Math.max(0, timeoutMs);
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) {
      const last = seen();
      throw new Error(
        `${what}: not within ${String(timeoutMs)} ms${last === '' ? '' : ` (last seen: ${last})`}`,
      );
    }
    await sleep(100);
  }
}

// ── the bus ──

function dbusSend(member: string, ...args: string[]) {
  return run('dbus-send', [
    '--system',
    '--print-reply',
    '--reply-timeout=10000',
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    `org.freedesktop.DBus.${member}`,
    ...args,
  ]);
}

async function reloadBus(): Promise<void> {
  const result = await dbusSend('ReloadConfig');
  if (result.code !== 0) throw new Error(`the bus did not reload its configuration: ${result.stderr}`);
}

async function activatable(busName: string): Promise<boolean> {
  const result = await dbusSend('ListActivatableNames');
  if (result.code !== 0) throw new Error(`ListActivatableNames failed: ${result.stderr}`);
  return result.stdout.includes(`"${busName}"`);
}

/** The pid of the process that owns a bus name, if any does. */
export async function busOwnerPid(busName: string): Promise<number | undefined> {
  const result = await dbusSend('GetConnectionUnixProcessID', `string:${busName}`);
  const match = /uint32 (\d+)/.exec(result.stdout);
  return result.code === 0 && match?.[1] !== undefined ? Number(match[1]) : undefined;
}

/** Keeps the bus from starting a service again: its activation file is set aside, the bus reloaded. */
async function holdActivation(file: string, busName: string): Promise<void> {
  renameSync(file, `${file}${HELD_SUFFIX}`);
  await reloadBus();
  if (await activatable(busName)) throw new Error(`the bus still activates ${busName} after a reload`);
}

/** Gives the bus back every activation file set aside (also by a run that died half-way). */
export async function releaseActivations(): Promise<void> {
  let released = false;
  for (const entry of readdirSync(SERVICE_DIR)) {
    if (!entry.endsWith(HELD_SUFFIX)) continue;
    const held = join(SERVICE_DIR, entry);
    const original = held.slice(0, -HELD_SUFFIX.length);
    // A reinstall (install-helper) may have put a new one in place meanwhile: that one stays.
    if (existsSync(original)) rmSync(held);
    else renameSync(held, original);
    released = true;
  }
  if (released) await reloadBus();
}

// ── processes ──

/** Whether a process runs: it exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of running processes whose argv `match` accepts. */
function pidsWhere(match: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((arg) => arg !== '');
      if (match(argv) && alive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const programIs = (argv: string[], name: string) => argv[0]?.split('/').at(-1) === name;

// ── what is killed ──

export type Change =
  /** A VM defined with virsh while the backend is down. */
  | 'vm-while-down'
  /** A domain file written where libvirtd loads it at start, while it is down; and a VM defined with virsh right after it is back. */
  | 'vm-file-while-down'
  /** A container started with the engine's own CLI right after the engine is back. */
  | 'container-after-back';

export interface Backend {
  /** What the test calls it. */
  label: string;
  /** The window's source that this failure makes unavailable. */
  source: SourceId;
  /** What every message about the failure must name. */
  names: RegExp;
  /** The exporter's series that goes to 0 while it is down. */
  metric: { name: 'nova_helper_up' } | { name: 'nova_backend_up'; backend: string };
  /** The running process(es) to kill; waits until there is one (bus-activated ones start on demand). */
  pids(): Promise<number[]>;
  /** Bus-activated: its activation file and bus name. */
  activation?: { file: string; busName: string };
  /** Brings it back (its own start, or the activation file returned); resolves once it may answer. */
  restore(): Promise<void>;
  change: Change;
}

async function ownerPids(busName: string): Promise<number[]> {
  let pid: number | undefined;
  // Nova's windows and exporter call these all the time; a call of ours starts one otherwise.
  await waitUntil(`a process owning ${busName}`, 30_000, async () => {
    pid = await busOwnerPid(busName);
    if (pid === undefined)
      await run('dbus-send', [
        '--system',
        '--print-reply',
        `--dest=${busName}`,
        '/',
        'org.freedesktop.DBus.Peer.Ping',
      ]);
    return pid !== undefined;
  });
  return pid === undefined ? [] : [pid];
}

function lab(...args: string[]): Promise<string> {
  return mustRun('bash', ['scripts/lab.sh', ...args], { timeoutMs: 180_000 });
}

export const BACKENDS = {
  helper: {
    label: 'Nova’s helper',
    source: 'libvirt',
    names: /Nova.s helper|dev\.nova\.Helper1/,
    metric: { name: 'nova_helper_up' },
    pids: () => ownerPids('dev.nova.Helper1'),
    activation: { file: join(SERVICE_DIR, 'dev.nova.Helper1.service'), busName: 'dev.nova.Helper1' },
    restore: releaseActivations,
    change: 'vm-while-down',
  },
  'libvirt-dbus': {
    label: 'libvirt-dbus',
    source: 'libvirt',
    names: /libvirt-dbus/,
    metric: { name: 'nova_backend_up', backend: 'libvirt' },
    pids: () => ownerPids('org.libvirt'),
    activation: { file: join(SERVICE_DIR, 'org.libvirt.service'), busName: 'org.libvirt' },
    restore: releaseActivations,
    change: 'vm-while-down',
  },
  libvirtd: {
    label: 'libvirtd',
    source: 'libvirt',
    names: /libvirtd/,
    metric: { name: 'nova_backend_up', backend: 'libvirt' },
    pids: () => Promise.resolve(pidsWhere((argv) => programIs(argv, 'libvirtd'))),
    restore: startLibvirtd,
    change: 'vm-file-while-down',
  },
  dockerd: {
    label: 'dockerd',
    source: 'docker',
    names: /docker/i,
    metric: { name: 'nova_backend_up', backend: 'docker' },
    pids: () => Promise.resolve(pidsWhere((argv) => programIs(argv, 'dockerd'))),
    restore: () => lab('engine', 'start', 'docker').then(() => undefined),
    change: 'container-after-back',
  },
  podman: {
    label: 'Podman’s API service',
    source: 'podman',
    names: /podman/i,
    metric: { name: 'nova_backend_up', backend: 'podman' },
    pids: () =>
      Promise.resolve(
        pidsWhere((argv) => programIs(argv, 'podman') && argv.includes('system') && argv.includes('service')),
      ),
    restore: () => lab('engine', 'start', 'podman').then(() => undefined),
    change: 'container-after-back',
  },
  polkitd: {
    label: 'polkitd',
    source: 'libvirt',
    names: /polkit/,
    metric: { name: 'nova_backend_up', backend: 'polkit' },
    pids: () => ownerPids('org.freedesktop.PolicyKit1'),
    activation: {
      file: join(SERVICE_DIR, 'org.freedesktop.PolicyKit1.service'),
      busName: 'org.freedesktop.PolicyKit1',
    },
    restore: releaseActivations,
    change: 'vm-while-down',
  },
} satisfies Record<string, Backend>;

/** Whether a Docker-compatible engine answers its ping on this socket (no CLI to start: it is quick). */
function enginePings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

/**
 * Whatever happened, every service is back: the activation files set aside, then anything down
 * (libvirtd, dockerd, Podman's service, polkitd) started as the lab starts it.
 */
export async function restoreLab(): Promise<void> {
  await releaseActivations();
  const answers = (file: string, args: string[]) =>
    run(file, args, { timeoutMs: 15_000 }).then((result) => result.code === 0);
  // Only what these tests stop: every other part of the lab is someone else's to check.
  const up = await Promise.all([
    answers('virsh', ['-c', 'qemu:///system', 'uri']),
    enginePings('/var/run/docker.sock'),
    enginePings('/run/podman/podman.sock'),
    answers('dbus-send', [
      '--system',
      '--print-reply',
      '--dest=org.freedesktop.PolicyKit1',
      '/org/freedesktop/PolicyKit1/Authority',
      'org.freedesktop.DBus.Peer.Ping',
    ]),
  ]);
  if (up.includes(false)) await lab('up', '--runtime', '--no-helper');
}

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

// ── the scenario ──

export interface Outcome {
  /** From the kill to each sign of it. */
  downMs: { window: number; exporter: number };
  /** From the service being back to each sign of it. */
  backMs: { window: number; exporter: number };
  /** What `nova list` said while it was down. */
  list: { code: number; stderr: string };
}

/**
 * Kills the backend's process(es) with SIGKILL while the window and the exporter run, holds it down
 * if the bus would start it again, makes a change behind Nova's back, gives the service back, and
 * checks each promise. Throws on the first broken one; every service is given back whatever happens.
 */
export async function killAndRecover(
  rig: Rig,
  backend: Backend,
  options: { whileDown?: () => Promise<void> } = {},
): Promise<Outcome> {
  const { page } = rig;
  const made = `nova-test-${rig.tag}-${backend.change === 'container-after-back' ? 'ct' : 'vm'}`;
  const alsoMade = `${made}-after`;
  if (backend.change === 'container-after-back') {
    const engine = backend.source === 'podman' ? 'podman' : 'docker';
    rig.cleanups.push(() => removeContainer(made, engine));
  } else {
    rig.cleanups.push(
      () => removeDomain(made),
      () => removeDomain(alsoMade),
    );
    rig.cleanups.push(async () => {
      rmSync(join(LIBVIRT_CONFIG_DIR, `${made}.xml`), { force: true });
      await Promise.resolve();
    });
  }

  // Before: the source is reachable and followed, the exporter says it is up.
  await waitForSource(page, backend.source, 'live', 60_000);
  await waitForMetric(rig, backend.metric, 1, 60_000);
  const marker = Math.random();
  await page.evaluate((value) => {
    (window as unknown as { novaRecoveryMark?: number }).novaRecoveryMark = value;
  }, marker);
  const pids = await backend.pids();
  if (pids.length === 0) throw new Error(`no ${backend.label} process to kill`);

  let outcome: Omit<Outcome, 'backMs'>;
  let backAt: number;
  try {
    if (backend.activation !== undefined)
      await holdActivation(backend.activation.file, backend.activation.busName);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await waitUntil(`${backend.label} (pid ${pids.join(', ')}) gone after SIGKILL`, 10_000, () =>
      pids.every((pid) => !alive(pid)),
    );

    // Down: the window and the exporter say so within 5 s of the kill; `nova list` says so too.
    const since = (at: number) => Date.now() - at;
    const [window, exporter, list] = await Promise.all([
      waitForSource(
        page,
        backend.source,
        { unavailable: backend.names },
        killedAt + DOWN_WITHIN_MS - Date.now(),
      ).then(() => since(killedAt)),
      waitForMetric(rig, backend.metric, 0, killedAt + DOWN_WITHIN_MS - Date.now()).then(() =>
        since(killedAt),
      ),
      runNova(['list']),
    ]);
    outcome = { downMs: { window, exporter }, list: { code: list.code, stderr: list.stderr } };
    if (list.code !== 4) throw new Error(`nova list exited ${String(list.code)}, not 4: ${list.stderr}`);
    if (!backend.names.test(list.stderr))
      throw new Error(`nova list did not name ${backend.label}: ${list.stderr}`);
    await expectStillUp(rig, marker);
    await options.whileDown?.();

    // Behind Nova's back, while it is down.
    if (backend.change === 'vm-while-down') await defineDomain(emptyDomainXml(made));
    if (backend.change === 'vm-file-while-down') {
      // What an administrator restoring a backup does: libvirtd loads the file when it starts.
      mkdirSync(LIBVIRT_CONFIG_DIR, { recursive: true });
      writeFileSync(join(LIBVIRT_CONFIG_DIR, `${made}.xml`), emptyDomainXml(made), { mode: 0o600 });
    }
  } finally {
    await backend.restore();
    backAt = Date.now();
  }

  // Back: right after it is, the engine runs a new container, libvirtd a VM defined with virsh.
  if (backend.change === 'container-after-back')
    await startContainer(made, backend.source === 'podman' ? 'podman' : 'docker');
  if (backend.change === 'vm-file-while-down') await defineDomain(emptyDomainXml(alsoMade));
  const remaining = () => backAt + BACK_WITHIN_MS - Date.now();
  const [windowBack, exporterBack] = await Promise.all([
    (async () => {
      await waitForRow(page, made, remaining());
      if (backend.change === 'vm-file-while-down') await waitForRow(page, alsoMade, remaining());
      await waitForSource(page, backend.source, 'live', remaining());
      return Date.now() - backAt;
    })(),
    waitForMetric(rig, backend.metric, 1, remaining()).then(() => Date.now() - backAt),
  ]);
  await expectStillUp(rig, marker);
  await expectKept(rig);
  const result = { ...outcome, backMs: { window: windowBack, exporter: exporterBack } };
  console.log(
    `recovery: ${backend.label} killed: shown down after ${String(result.downMs.window)} ms (window), ${String(result.downMs.exporter)} ms (exporter); back after ${String(result.backMs.window)} ms (window), ${String(result.backMs.exporter)} ms (exporter)`,
  );
  return result;
}
