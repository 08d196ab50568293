// Benchmark: what live metrics cost the desktop app's backend. Runs the real backend (browser mode,
// apps/main/dist/browser-mode.cjs) as its own process and reads that process' CPU time from /proc:
//  (a) idle, no window connected; (b) idle, a window connected that does not watch metrics;
//  (c) streaming: one window watching the host and every instance ('all', 15 min at 1 s, as the
//      overview and the Metrics page do) with `--containers` running containers (default 50), over
//      `--seconds` seconds; events, series and bytes per second as the window receives them;
//  (d) idle again after the window stopped watching (sampling must stop).
// Targets: (c) under 5 % of one core, (a), (b) and (d) about 0. Prints figures, asserts nothing.
// Run as root with the lab up and the app built: npm run bench -- gui-metrics [--containers 50] [--seconds 20]
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { mapBounded } from '@nova/core/node';
import { WebSocket } from 'ws';

import { REPO_ROOT, requireLab, TEST_IMAGE, uniqueName } from '../support/lab.js';

const { values } = parseArgs({
  strict: false,
  options: {
    containers: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
  },
});
const number = (value: unknown, fallback: number) => {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};
const CONTAINERS = Math.round(number(values.containers, 50));
const SECONDS = number(values.seconds, 20);
const RUN_LABEL = `dev.nova.bench=${uniqueName('gui-metrics')}`;
const USER_HZ = 100;

function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || error.message}`));
    });
  });
}

async function cleanup(): Promise<void> {
  try {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${RUN_LABEL}`]))
      .split('\n')
      .filter((id) => id !== '');
    for (let i = 0; i < ids.length; i += 50) await docker(['rm', '-f', ...ids.slice(i, i + 50)]);
    if (ids.length > 0) console.log(`cleanup: removed ${String(ids.length)} containers`);
  } catch (err) {
    console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A process' CPU time in ms (user + system), from /proc/PID/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** How many file descriptors a process holds: its engine connections (one per stats stream) among them. */
function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${String(pid)}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

function dockerdCpuMs(): number | undefined {
  try {
    return cpuMs(Number(readFileSync('/run/docker.pid', 'utf8').trim()));
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Backend {
  child: ChildProcess;
  pid: number;
  origin: string;
  token: string;
}

async function startBackend(): Promise<Backend> {
  const urlFile = join(mkdtempSync(join(tmpdir(), 'nova-bench-')), 'url');
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'apps/main/dist/browser-mode.cjs'), '--url-file', urlFile],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const deadline = Date.now() + 20_000;
  while (!existsSync(urlFile) || readFileSync(urlFile, 'utf8').trim() === '') {
    if (child.exitCode !== null) throw new Error(`browser mode exited with ${String(child.exitCode)}`);
    if (Date.now() > deadline) throw new Error('browser mode did not print its URL within 20 s');
    await sleep(100);
  }
  const url = new URL(readFileSync(urlFile, 'utf8').trim());
  const token = url.searchParams.get('token');
  if (token === null || child.pid === undefined) throw new Error(`no token in ${url.href}`);
  return { child, pid: child.pid, origin: url.origin, token };
}

async function call(backend: Backend, channel: string, input: unknown): Promise<unknown> {
  const response = await fetch(`${backend.origin}/api/call/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${backend.token}` },
    body: JSON.stringify(input),
  });
  const reply = (await response.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!reply.ok) throw new Error(`${channel}: ${reply.error?.message ?? 'failed'}`);
  return reply.value;
}

/** A window's event socket; counts what it receives. */
function connectWindow(backend: Backend) {
  const counts = { events: 0, samples: 0, bytes: 0, series: 0, instanceSeries: new Set<string>() };
  const ws = new WebSocket(`${backend.origin.replace(/^http/, 'ws')}/api/events`, {
    headers: { authorization: `Bearer ${backend.token}` },
    origin: backend.origin,
  });
  ws.on('message', (data: Buffer) => {
    counts.events++;
    counts.bytes += data.length;
    const message = JSON.parse(data.toString('utf8')) as {
      event: string;
      payload: { series?: { id: string }[] };
    };
    if (message.event !== 'metrics.samples') return;
    counts.samples++;
    for (const series of message.payload.series ?? []) {
      counts.series++;
      if (series.id !== 'host') counts.instanceSeries.add(series.id);
    }
  });
  const open = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('error', reject);
  });
  return { ws, counts, open };
}

async function measure(what: string, backend: Backend, seconds: number): Promise<number> {
  const cpu0 = cpuMs(backend.pid);
  const dockerd0 = dockerdCpuMs();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsedS = (performance.now() - t0) / 1000;
  const ms = (cpuMs(backend.pid) - cpu0) / elapsedS;
  const dockerd1 = dockerdCpuMs();
  const dockerd =
    dockerd0 === undefined || dockerd1 === undefined
      ? ''
      : `; dockerd ${((dockerd1 - dockerd0) / elapsedS).toFixed(0)} ms/s (the engine's side, for scale)`;
  console.log(
    `  ${what.padEnd(52)}: ${ms.toFixed(1).padStart(6)} ms CPU per s = ${((ms / 1000) * 100).toFixed(2).padStart(5)} % of one core over ${elapsedS.toFixed(1)} s; ${String(openFds(backend.pid))} open fds${dockerd}`,
  );
  return ms;
}

requireLab();
if (!existsSync(join(REPO_ROOT, 'apps/main/dist/browser-mode.cjs')))
  throw new Error('run npm run build first');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}
console.log(
  `host: ${String(cpus().length)} cores, Node ${process.version}; backend CPU time read from /proc (USER_HZ ${String(USER_HZ)}: 10 ms resolution)`,
);

let backend: Backend | undefined;
let failed = false;
try {
  const [key = 'dev.nova.bench', value = ''] = RUN_LABEL.split('=');
  const t0 = performance.now();
  await mapBounded(
    Array.from({ length: CONTAINERS }, (_, i) => i),
    4,
    (i) =>
      docker([
        'run',
        '-d',
        '--label',
        `${key}=${value}`,
        '--name',
        uniqueName(`gm${String(i)}`),
        TEST_IMAGE,
        'sleep',
        '3600',
      ]),
  );
  const running = (await docker(['ps', '-q'])).split('\n').filter((id) => id !== '').length;
  console.log(
    `started ${String(CONTAINERS)} containers in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${String(running)} docker containers run on this host now (others' too)`,
  );

  backend = await startBackend();
  await sleep(2_000); // start-up settles
  console.log(`\nbackend: browser mode, pid ${String(backend.pid)}`);
  await measure('(a) idle, no window connected', backend, Math.min(SECONDS, 10));

  const window = connectWindow(backend);
  await window.open;
  await sleep(2_000);
  await measure('(b) idle, a window connected, no metrics watched', backend, Math.min(SECONDS, 10));

  const watch = (await call(backend, 'metrics.watch', { host: true, instances: 'all', window: '15m' })) as {
    subscriptionId: string;
    leaseMs: number;
  };
  const watching = backend;
  const renew = setInterval(() => {
    void call(watching, 'metrics.renew', { subscriptionId: watch.subscriptionId }).catch(() => undefined);
  }, watch.leaseMs / 3);
  const warmStart = performance.now();
  while (window.counts.instanceSeries.size < CONTAINERS && performance.now() - warmStart < 30_000)
    await sleep(250);
  console.log(
    `  warm-up: ${String(window.counts.instanceSeries.size)} instances had points after ${((performance.now() - warmStart) / 1000).toFixed(1)} s`,
  );
  const before = { ...window.counts, instances: window.counts.instanceSeries.size };
  const t1 = performance.now();
  const streamingMs = await measure(`(c) streaming: 'all' instances + host, 1 Hz`, backend, SECONDS);
  const elapsedS = (performance.now() - t1) / 1000;
  const samples = window.counts.samples - before.samples;
  const series = window.counts.series - before.series;
  console.log(
    `      the window got ${(samples / elapsedS).toFixed(2)} metrics.samples events per s, ${(series / Math.max(1, samples)).toFixed(1)} series each, ${((window.counts.bytes - before.bytes) / elapsedS / 1024).toFixed(1)} KiB/s; ${String(window.counts.instanceSeries.size)} instances seen in all`,
  );
  console.log(
    `      target under 5 % of one core: ${streamingMs / 10 < 5 ? 'met' : 'NOT met'} (${(streamingMs / 10).toFixed(2)} %)`,
  );
  clearInterval(renew);
  await call(backend, 'metrics.unwatch', { subscriptionId: watch.subscriptionId });
  await sleep(3_000);
  const after = window.counts.samples;
  await measure('(d) idle again, after the window stopped watching', backend, Math.min(SECONDS, 10));
  console.log(`      metrics.samples events after unwatch: ${String(window.counts.samples - after)}`);
  window.ws.close();
} catch (err) {
  failed = true;
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  backend?.child.kill('SIGTERM');
  await cleanup();
}
process.exit(failed ? 1 : 0);
