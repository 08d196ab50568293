// Benchmark of Nova's Prometheus exporter on the lab. Prints:
//  - scrape latency (median, p99) over HTTP with 10, 100 and 500 instances (shut-off TCG domains);
//  - the exporter's CPU cost (`nova metrics serve` as its own process) scraped every 15 s;
//  - the success ratio of at least 1000 scrapes by a real Prometheus while instances start and stop.
// Run as root with the lab up: npm run bench -- exporter [--scrapes 1000] [--scrape-interval 200ms]
//   [--cpu-window 60] [--rounds 200] [--phases scale,success]
// (scale: the latency and CPU figures; durations as Prometheus writes them: 200ms, 1s).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import {
  BoundedCaller,
  connectSystemBus,
  createNovaServices,
  defaultExporterConfig,
  NovaExporter,
  parseDuration,
  serveExporter,
} from '@nova/core/node';

import {
  defineDomain,
  defineEmptyDomains,
  removeContainer,
  removeDomain,
  requireLab,
  run,
  TEST_IMAGE,
  tinyGuestXml,
  undefineDomains,
  uniqueName,
  virsh,
} from '../support/lab.js';
import { startExporterCli, startPrometheus } from '../support/prometheus.js';

const { values } = parseArgs({
  options: {
    scrapes: { type: 'string', default: '1000' },
    'scrape-interval': { type: 'string', default: '200ms' },
    'cpu-window': { type: 'string', default: '60' },
    rounds: { type: 'string', default: '200' },
    phases: { type: 'string', default: 'scale,success' },
  },
});
const targetScrapes = Number(values.scrapes);
const scrapeInterval = values['scrape-interval'];
const cpuWindowS = Number(values['cpu-window']);
const rounds = Number(values.rounds);
const phases = new Set(values.phases.split(','));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** User + system CPU seconds of a process, from /proc/<pid>/stat (USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The host's load: figures taken on a busy shared machine say so. */
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

requireLab();
console.log(`start: ${load()}`);
const bus = await connectSystemBus();
const setup = new BoundedCaller(bus);
const prefix = uniqueName('bench-exp');
const defined: string[] = [];
const services = createNovaServices();
const churnVm = `${prefix}-churn-vm`;
const churnContainers = [0, 1, 2].map((i) => `${prefix}-churn-ct${String(i)}`);

try {
  // ── scrape latency by instance count ──
  if (phases.has('scale')) {
    const exporter = new NovaExporter(
      {
        instances: services.instances,
        helper: services.helper,
        containers: services.containers,
      },
      defaultExporterConfig(),
    );
    const server = await serveExporter(exporter, { warn: () => undefined });
    exporter.start();
    console.log(
      `scrape latency over HTTP, ${String(rounds)} scrapes each (instances = shut-off TCG domains + the lab's own)`,
    );
    try {
      for (const count of [10, 100, 500]) {
        const names = Array.from(
          { length: count - defined.length },
          (_, i) => `${prefix}-${String(defined.length + i).padStart(4, '0')}`,
        );
        defined.push(...(await defineEmptyDomains(setup, names)));
        await exporter.refresh();
        const listed = (await services.instances.list()).instances.length;
        const ms: number[] = [];
        let bytes = 0;
        for (let i = 0; i < rounds; i++) {
          const start = performance.now();
          const text = await (await fetch(`${server.url}/metrics`)).text();
          ms.push(performance.now() - start);
          bytes = text.length;
        }
        console.log(
          `  ${String(count).padStart(3)} domains (${String(listed)} instances listed): median ${quantile(ms, 0.5).toFixed(2)} ms, p99 ${quantile(ms, 0.99).toFixed(2)} ms, ${(bytes / 1024).toFixed(0)} KiB a scrape`,
        );
      }
    } finally {
      exporter.close();
      await server.close();
    }

    // ── CPU cost at a 15 s scrape interval (its own process, 500+ instances, sampling every 5 s) ──
    const cli = await startExporterCli(['--listen', '127.0.0.1:0']);
    try {
      await sleep(10_000);
      const pid = cli.child.pid ?? 0;
      const cpuStart = cpuSeconds(pid);
      const wallStart = performance.now();
      let scrapes = 0;
      while (performance.now() - wallStart < cpuWindowS * 1000) {
        await (await fetch(`${cli.url}/metrics`)).text();
        scrapes++;
        await sleep(Math.min(15_000, cpuWindowS * 1000 - (performance.now() - wallStart)));
      }
      const wall = (performance.now() - wallStart) / 1000;
      const cpu = cpuSeconds(pid) - cpuStart;
      console.log(
        `exporter CPU cost, scraped every 15 s for ${wall.toFixed(0)} s (${String(scrapes)} scrapes, sampling every 5 s, ${String(defined.length)}+ instances): ${((cpu / wall) * 100).toFixed(2)} % of one core (${cpu.toFixed(2)} CPU s); ${load()}`,
      );
    } finally {
      await cli.stop();
    }
    // The churn of the success-ratio run needs few instances: give back the 500.
    await undefineDomains(setup, defined.splice(0));
  }
  if (phases.has('success')) {
    // ── scrape success ratio: a real Prometheus while instances start and stop ──
    const target = await startExporterCli(['--listen', '127.0.0.1:0']);
    const intervalS = (parseDuration(scrapeInterval) ?? Number.NaN) / 1000;
    if (!(intervalS > 0))
      throw new Error(`--scrape-interval ${scrapeInterval} is not a duration such as 200ms`);
    const prometheus = await startPrometheus({
      scrapeInterval,
      jobs: [{ job: 'nova', target: target.url.replace(/^http:\/\//, '') }],
    }).catch(async (err: unknown) => {
      await target.stop();
      throw err;
    });
    await defineDomain(tinyGuestXml(churnVm));
    const churn = { running: true, rounds: 0 };
    const churning = (async () => {
      while (churn.running) {
        await virsh('start', churnVm).catch(() => undefined);
        await Promise.all(
          churnContainers.map((name) =>
            run('docker', [
              'run',
              '-d',
              '--name',
              name,
              '--label',
              'dev.nova.test=1',
              TEST_IMAGE,
              'sleep',
              '3600',
            ]),
          ),
        );
        await sleep(3_000);
        await run('virsh', ['-c', 'qemu:///system', 'destroy', churnVm]);
        await Promise.all(churnContainers.map((name) => removeContainer(name)));
        churn.rounds++;
        await sleep(1_000);
      }
    })();
    try {
      const runMs = Math.ceil((targetScrapes * intervalS + 10) * 1000);
      console.log(
        `scrape success: Prometheus scraping every ${scrapeInterval} for ${(runMs / 1000).toFixed(0)} s while a VM and 3 containers start and stop…`,
      );
      await sleep(runMs);
      churn.running = false;
      await churning;
      const window = `${String(Math.ceil(runMs / 1000) + 5)}s`;
      const value = async (expr: string) => {
        const reply = await prometheus.query(expr);
        const first = reply.data?.result[0] as { value: [number, string] } | undefined;
        return Number(first?.value[1] ?? Number.NaN);
      };
      const total = await value(`count_over_time(up{job="nova"}[${window}])`);
      const ok = await value(`sum_over_time(up{job="nova"}[${window}])`);
      const p99 = await value(`quantile_over_time(0.99, scrape_duration_seconds{job="nova"}[${window}])`);
      const max = await value(`max_over_time(scrape_duration_seconds{job="nova"}[${window}])`);
      const served = (await (await fetch(`${target.url}/metrics`)).text())
        .split('\n')
        .find((line) => line.startsWith('nova_http_requests_total{handler="metrics",code="200"}'));
      console.log(
        `  ${String(ok)} of ${String(total)} scrapes succeeded: ${((ok / total) * 100).toFixed(3)} % (target ≥ 99.9 %); ${String(churn.rounds)} start/stop rounds; exporter side: ${served ?? '?'}; scrape duration as Prometheus saw it: p99 ${(p99 * 1000).toFixed(0)} ms, max ${(max * 1000).toFixed(0)} ms; ${load()}`,
      );
    } finally {
      churn.running = false;
      await churning.catch(() => undefined);
      await prometheus.stop();
      await target.stop();
      await removeDomain(churnVm);
      await Promise.all(churnContainers.map((name) => removeContainer(name)));
    }
  }
} finally {
  if (defined.length > 0) await undefineDomains(setup, defined);
  services.close();
  bus.disconnect();
}
