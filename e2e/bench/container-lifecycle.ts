// Benchmark: containers through Nova.
//  (a) Start/stop latency of one container through Nova's engine adapter (in process: ownership check,
//      then the call) against the engine's own CLI (`docker start` / `docker stop -t 0`, the same with
//      podman) and against one raw HTTP call to the engine's API, as ratios of medians (target: Nova /
//      CLI under 1.2). The rounds of each way alternate, so that drift of the host hits all three alike.
//  (b) What following live stats of many containers costs Nova: `streamStats` for `--containers`
//      containers over `--seconds` seconds: samples per second, Nova's CPU time per second and per
//      sample, and how much its RSS grew. Podman only when starting that many containers fits the time
//      budget on this host (it says which).
// Run as root with the lab up: npm run bench -- container [--rounds 20] [--containers 50] [--seconds 10]
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import {
  type ContainerEngine,
  ContainerManager,
  EngineDiscovery,
  mapBounded,
  ROOT_ENGINE_SOCKETS,
} from '@nova/core/node';

import { CLI_BUNDLE, TEST_IMAGE, uniqueName } from '../support/lab.js';

// Not strict: `npm run bench` hands every bench the same arguments.
const { values } = parseArgs({
  strict: false,
  options: {
    rounds: { type: 'string', default: '20' },
    containers: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    'podman-budget': { type: 'string', default: '120' },
  },
});
const number = (value: unknown, fallback: number) => {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};
const ROUNDS = Math.round(number(values.rounds, 20));
const STATS_CONTAINERS = Math.round(number(values.containers, 50));
const STATS_SECONDS = number(values.seconds, 10);
/** Podman's stats part runs only when starting its containers is projected to take less than this (s). */
const PODMAN_BUDGET_S = number(values['podman-budget'], 120);

type Cli = 'docker' | 'podman';
const ENGINES: Cli[] = ['docker', 'podman'];
/** Every container this run creates carries this label, so that cleanup finds them all. */
const RUN_LABEL = `dev.nova.bench=${uniqueName('lifecycle')}`;
/** Where each engine's daemon writes its pid, to read its CPU time. */
const DAEMON_PIDFILES: Record<Cli, string> = {
  docker: '/run/docker.pid',
  podman: '/run/nova-lab/podman-service.pid',
};

function cli(file: Cli, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || error.message}`));
    });
  });
}

/** One raw API call over the engine's unix socket, no client library: the floor for any adapter. */
function rawCall(socketPath: string, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'content-length': 0 } }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 400) resolve(status);
        else reject(new Error(`${method} ${path}: HTTP ${status}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}
const median = (samples: number[]) => percentile(samples, 0.5);

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

function spec(name: string, labels: Record<string, string> = {}) {
  const [key = 'dev.nova.bench', value = ''] = RUN_LABEL.split('=');
  return {
    name,
    image: TEST_IMAGE,
    command: ['sleep', '3600'],
    env: {},
    ports: [],
    mounts: [],
    restart: { name: 'no' as const },
    readOnly: false,
    noNewPrivileges: false,
    gpus: false,
    labels: { [key]: value, ...labels },
  };
}

/** Removes every container of this run from both engines (also the ones a failed step left). */
async function cleanup(): Promise<void> {
  for (const engine of ENGINES) {
    try {
      const ids = (await cli(engine, ['ps', '-aq', '--filter', `label=${RUN_LABEL}`]))
        .split('\n')
        .filter((id) => id !== '');
      for (let i = 0; i < ids.length; i += 50) await cli(engine, ['rm', '-f', ...ids.slice(i, i + 50)]);
      if (ids.length > 0) console.log(`cleanup: removed ${ids.length} ${engine} containers`);
    } catch (err) {
      console.error(`cleanup: ${engine}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The engine daemon's CPU time in ms (user + system), when its pid is known. */
function daemonCpuMs(engine: Cli): number | undefined {
  try {
    const pid = readFileSync(DAEMON_PIDFILES[engine], 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted from after the command name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

const fmt = (ms: number) => ms.toFixed(1).padStart(7);

// ── (a) start/stop latency ──

async function lifecycle(manager: ContainerManager, name: Cli): Promise<void> {
  const engine = await manager.engine(name);
  const socketPath = ROOT_ENGINE_SOCKETS[name];
  const container = uniqueName(`${name}-ss`);
  const id = await engine.createContainer(spec(container));
  const target = { container: id };
  const samples = {
    nova: { start: [] as number[], stop: [] as number[] },
    cli: { start: [] as number[], stop: [] as number[] },
    raw: { start: [] as number[], stop: [] as number[] },
    novaCli: { start: [] as number[], stop: [] as number[] },
  };
  const novaCli = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [CLI_BUNDLE, ...args], { timeout: 60_000 }, (error, _out, stderr) => {
        if (error === null) resolve();
        else reject(new Error(`nova ${args.join(' ')}: ${stderr.trim() || error.message}`));
      });
    });
  const ways: Record<keyof typeof samples, { start(): Promise<unknown>; stop(): Promise<unknown> }> = {
    nova: {
      start: () => engine.startContainer(target),
      stop: () => engine.stopContainer(target, { timeoutSeconds: 0 }),
    },
    cli: {
      start: () => cli(name, ['start', container]),
      stop: () => cli(name, ['stop', '-t', '0', container]),
    },
    raw: {
      start: () => rawCall(socketPath, 'POST', `/v1.41/containers/${id}/start`),
      stop: () => rawCall(socketPath, 'POST', `/v1.41/containers/${id}/stop?t=0`),
    },
    novaCli: {
      start: () => novaCli(['container', 'start', container, '--engine', name]),
      stop: () => novaCli(['container', 'stop', container, '--time', '0', '--engine', name]),
    },
  };
  const order = Object.keys(ways) as (keyof typeof samples)[];
  // One warm-up round each (connections, the CLI's binary in the page cache), not counted.
  for (const way of order) {
    await ways[way].start();
    await ways[way].stop();
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate which way goes first, so that none always follows the same other.
    for (let i = 0; i < order.length; i++) {
      const way = order[(round + i) % order.length] ?? 'nova';
      samples[way].start.push(await timed(() => ways[way].start()));
      samples[way].stop.push(await timed(() => ways[way].stop()));
    }
  }
  const state = (await engine.inspectContainer(id)).state;
  await engine.removeContainer(target, { force: true });

  console.log(`\n${name}: start + stop of one container (sleep 3600), ${ROUNDS} rounds each, ms`);
  console.log('                                     start median   p90 | stop median   p90 | both median');
  const both = (way: keyof typeof samples) =>
    samples[way].start.map((ms, i) => ms + (samples[way].stop[i] ?? Number.NaN));
  const label = {
    nova: 'Nova (DockerEngine, in process)',
    cli: `${name} start / ${name} stop -t 0`,
    raw: 'raw HTTP call to the API',
    novaCli: 'nova container start / stop (CLI)',
  };
  for (const way of order) {
    const s = samples[way];
    console.log(
      `  ${label[way].padEnd(33)} ${fmt(median(s.start))} ${fmt(percentile(s.start, 0.9))} | ${fmt(median(s.stop))} ${fmt(percentile(s.stop, 0.9))} | ${fmt(median(both(way)))}`,
    );
  }
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  console.log(
    `  ratio Nova / CLI  (medians)      start ${ratio(samples.nova.start, samples.cli.start)}  stop ${ratio(samples.nova.stop, samples.cli.stop)}  both ${ratio(both('nova'), both('cli'))}   (target < 1.2)`,
  );
  console.log(
    `  ratio nova CLI / ${name} CLI    start ${ratio(samples.novaCli.start, samples.cli.start)}  stop ${ratio(samples.novaCli.stop, samples.cli.stop)}  both ${ratio(both('novaCli'), both('cli'))}   (a whole process each: Node's start-up and discovery of every engine included)`,
  );
  console.log(
    `  ratio Nova / raw  (medians)      start ${ratio(samples.nova.start, samples.raw.start)}  stop ${ratio(samples.nova.stop, samples.raw.stop)}  both ${ratio(both('nova'), both('raw'))}   (Nova also inspects first: ownership)`,
  );
  console.log(`  container left ${state} after the last stop`);
}

// ── (b) streaming stats ──

/** Creates and starts `count` containers; stops early (and says so) when the projection passes `budgetS`. */
async function startMany(
  engine: ContainerEngine,
  count: number,
  budgetS: number,
): Promise<{ ids: string[]; seconds: number; projectedS?: number }> {
  const t0 = performance.now();
  const ids: string[] = [];
  const create = async (i: number) => {
    const id = await engine.createContainer(spec(uniqueName(`${engine.engine}-st${i}`)));
    await engine.startContainer({ container: id });
    ids.push(id);
  };
  // A first batch to measure how fast this engine starts containers on this host.
  const probe = Math.min(5, count);
  await mapBounded(
    Array.from({ length: probe }, (_, i) => i),
    2,
    create,
  );
  const perContainerS = (performance.now() - t0) / 1000 / probe;
  const projectedS = perContainerS * count;
  if (projectedS > budgetS) return { ids, seconds: (performance.now() - t0) / 1000, projectedS };
  await mapBounded(
    Array.from({ length: count - probe }, (_, i) => i + probe),
    2,
    create,
  );
  return { ids, seconds: (performance.now() - t0) / 1000 };
}

async function streamCost(engine: ContainerEngine, name: Cli, ids: string[]): Promise<void> {
  const controller = new AbortController();
  const ours = new Set(ids);
  const expected = ids.length;
  /** Samples of this run's containers, per container (other running containers are streamed too). */
  const perContainer = new Map<string, number>();
  let samples = 0;
  let oursSamples = 0;
  const rssBefore = process.memoryUsage().rss;
  const streaming = engine.streamStats((sample) => {
    samples += 1;
    if (ours.has(sample.id)) {
      oursSamples += 1;
      perContainer.set(sample.id, (perContainer.get(sample.id) ?? 0) + 1);
    }
  }, controller.signal);
  // Warm-up: until every container sent a sample (or 15 s), so that the window measures the steady state.
  const warmStart = performance.now();
  while (perContainer.size < expected && performance.now() - warmStart < 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const warmUpMs = performance.now() - warmStart;
  const startSamples = samples;
  const startOurs = oursSamples;
  const cpu0 = process.cpuUsage();
  const daemon0 = daemonCpuMs(name);
  const rssWarm = process.memoryUsage().rss;
  let rssPeak = rssWarm;
  const t0 = performance.now();
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 250);
  await new Promise((resolve) => setTimeout(resolve, STATS_SECONDS * 1000));
  clearInterval(sampler);
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const daemon1 = daemonCpuMs(name);
  const rssAfter = process.memoryUsage().rss;
  controller.abort();
  await streaming;
  const got = samples - startSamples;
  const gotOurs = oursSamples - startOurs;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const delta = (bytes: number) => `${bytes <= -0.05 * 1024 * 1024 ? '-' : '+'}${mib(Math.abs(bytes))}`;
  console.log(
    `  ${perContainer.size}/${expected} of its containers streaming after ${(warmUpMs / 1000).toFixed(1)} s warm-up; measured over ${elapsedS.toFixed(1)} s:`,
  );
  console.log(`    samples received        : ${got} (${(got / elapsedS).toFixed(1)} per s)`);
  console.log(
    `    Nova CPU time           : ${(cpuMs / elapsedS).toFixed(1)} ms per s (${((cpuMs / elapsedS / 1000) * 100).toFixed(1)} % of one core), ${got > 0 ? (cpuMs / got).toFixed(3) : '-'} ms per sample`,
  );
  if (daemon0 !== undefined && daemon1 !== undefined)
    console.log(
      `    ${`${name} daemon CPU time`.padEnd(24)}: ${((daemon1 - daemon0) / elapsedS).toFixed(0)} ms per s (the engine's side, for scale)`,
    );
  const perContainerRate = gotOurs / elapsedS / Math.max(1, expected);
  if (perContainerRate < 0.5)
    console.log(
      `    note                    : ${name} sent one sample per container every ${perContainerRate > 0 ? (1 / perContainerRate).toFixed(1) : '∞'} s, not about once a second: that is its stats stream's own pace (Podman's Docker-compatible API streams every 5 s)`,
    );
  console.log(
    `    Nova RSS                : ${mib(rssBefore)} before, ${mib(rssWarm)} after warm-up (${delta(rssWarm - rssBefore)}), ${mib(rssAfter)} at the end (${delta(rssAfter - rssBefore)} in all, ${delta(rssAfter - rssWarm)} during the window; peak ${mib(rssPeak)})`,
  );
}

async function statsPart(manager: ContainerManager, name: Cli): Promise<void> {
  const engine = await manager.engine(name);
  console.log(`\n${name}: streamStats for ${STATS_CONTAINERS} containers, ${STATS_SECONDS} s`);
  const budget = name === 'podman' ? PODMAN_BUDGET_S : Number.POSITIVE_INFINITY;
  const { ids, seconds, projectedS } = await startMany(engine, STATS_CONTAINERS, budget);
  const started = ids.length;
  if (projectedS !== undefined) {
    console.log(
      `  skipped: starting ${started} containers took ${seconds.toFixed(1)} s, so ${STATS_CONTAINERS} would take about ${projectedS.toFixed(0)} s here, over the ${PODMAN_BUDGET_S} s budget (--podman-budget)`,
    );
    return;
  }
  console.log(
    `  started ${started} containers in ${seconds.toFixed(1)} s (${((seconds / started) * 1000).toFixed(0)} ms each, 2 at a time)${Number.isFinite(budget) ? `: within the ${budget} s budget for ${name} on this host, so it is measured too` : ''}`,
  );
  await streamCost(engine, name, ids);
  await cli(name, ['rm', '-f', ...ids], 300_000);
}

// ── main ──

for (const engine of ENGINES) {
  if (!existsSync(ROOT_ENGINE_SOCKETS[engine]))
    throw new Error(`no ${engine} socket at ${ROOT_ENGINE_SOCKETS[engine]}; run: npm run lab -- up`);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: removing this run's containers`);
    void cleanup().finally(() => process.exit(130));
  });
}
const manager = new ContainerManager(new EngineDiscovery(undefined));
console.log(`host: ${cpus().length} cores, Node ${process.version}`);
let failed = false;
try {
  for (const engine of ENGINES) await lifecycle(manager, engine);
  for (const engine of ENGINES) await statsPart(manager, engine);
} catch (err) {
  failed = true;
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
