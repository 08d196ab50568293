// A real Prometheus (Debian's /usr/bin/prometheus) for tests and benchmarks of Nova's exporter: a temp
// config and data folder, a free port on 127.0.0.1, its HTTP API; and `nova metrics serve` as a child
// process. Everything started here is stopped and removed by the returned stop().
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLI_BUNDLE } from './lab.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a child to exit (after a signal), killing it hard if it takes longer than `ms`. */
export function stopChild(child: ChildProcess, ms = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

export interface ScrapeJob {
  job: string;
  target: string;
  scheme?: 'http' | 'https';
  caFile?: string;
  basicAuth?: { username: string; passwordFile: string };
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  query(
    expr: string,
  ): Promise<{ status: string; error?: string; data?: { resultType: string; result: unknown[] } }>;
  get(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping the given jobs every `scrapeInterval`, with `ruleFiles` loaded. */
export async function startPrometheus(options: {
  jobs: ScrapeJob[];
  scrapeInterval: string;
  ruleFiles?: string[];
}): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-prometheus-'));
  const config = {
    global: { scrape_interval: options.scrapeInterval, evaluation_interval: options.scrapeInterval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: options.jobs.map((job) => ({
      job_name: job.job,
      scrape_interval: options.scrapeInterval,
      scrape_timeout: options.scrapeInterval,
      scheme: job.scheme ?? 'http',
      ...(job.caFile === undefined ? {} : { tls_config: { ca_file: job.caFile } }),
      ...(job.basicAuth === undefined
        ? {}
        : { basic_auth: { username: job.basicAuth.username, password_file: job.basicAuth.passwordFile } }),
      static_configs: [{ targets: [job.target] }],
    })),
  };
  // JSON is YAML: no YAML writer needed.
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    log = (log + chunk).slice(-20_000);
  });
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`${url}${path}`);
    return response.json();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited ${String(child.exitCode)}: ${log}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not get ready: ${log}`);
    }
    await sleep(200);
  }
  return {
    url,
    dir,
    get,
    query: async (expr) =>
      (await get(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as Awaited<
        ReturnType<RunningPrometheus['query']>
      >,
    stop,
  };
}

export interface RunningExporter {
  /** http(s)://host:port, without /metrics. */
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM, and its exit code (a backend call still in flight, such as the bus starting the helper, may hold it some seconds). */
  stop(): Promise<number | null>;
}

/** `nova metrics serve [--exporter-config FILE] ARGS…` from the built CLI, once it printed where it serves. */
export async function startExporterCli(args: string[], config?: string): Promise<RunningExporter> {
  const child = spawn(
    process.execPath,
    [CLI_BUNDLE, 'metrics', 'serve', ...(config === undefined ? [] : ['--exporter-config', config]), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    err += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`nova metrics serve did not start: ${out} ${err}`));
    }, 30_000);
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const match = /metrics at (\S+)\/metrics/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nova metrics serve exited ${String(code)}: ${err}`));
    });
  });
  return { url, child, stderr: () => err, stop: () => stopChild(child, 30_000) };
}
