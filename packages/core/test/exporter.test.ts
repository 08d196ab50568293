// The exporter against fake sources (named as such: no libvirt or engine here): metric names follow
// Prometheus conventions, a scrape reads memory only, counters come from the backends' own counters,
// the label allow-list holds, and the config is read strictly.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { ContainerStats } from '../src/contract/container-types.js';
import { NovaError } from '../src/contract/errors.js';
import type { HelperCall } from '../src/contract/helper/index.js';
import type { DomainStats } from '../src/contract/helper-types.js';
import { polkitUnreachable } from '../src/dbus/polkit.js';
import {
  defaultExporterConfig,
  type ExporterConfig,
  exporterConfigFrom,
  hashPassword,
  parseDuration,
  parseListenAddress,
  readExporterConfig,
  verifyPassword,
} from '../src/exporter/config.js';
import { type ExporterDeps, NovaExporter } from '../src/exporter/exporter.js';
import { insecureListenGaps, serveExporter } from '../src/exporter/server.js';
import type { HostCounters } from '../src/metrics/proc.js';
import { MetricsSampler } from '../src/metrics/sampler.js';
import type { InstanceList } from '../src/model/instance.js';

const VM_UUID = '0b5c6a52-4b0e-4f57-9a1e-7a0c2b1d3e4f';

const host: HostCounters = {
  cpuBusy: 1_000,
  cpuTotal: 5_000,
  cpuCount: 4,
  memoryTotalBytes: 8 * 2 ** 30,
  memoryUsedBytes: 2 * 2 ** 30,
  diskReadBytes: 111,
  diskWriteBytes: 222,
  netRxBytes: 333,
  netTxBytes: 444,
};

const vmStats: DomainStats = {
  name: 'web',
  state: 'running',
  cpuTimeNs: 12_500_000_000,
  vcpus: 1,
  memoryBytes: 256 * 2 ** 20,
  memoryUsedBytes: 100 * 2 ** 20,
  diskReadBytes: 1_000,
  diskWriteBytes: 2_000,
  netRxBytes: 3_000,
  netTxBytes: 4_000,
};

function listing(vmState: 'running' | 'stopped' = 'running'): InstanceList {
  return {
    instances: [
      {
        kind: 'vm',
        id: `vm/${VM_UUID}`,
        name: 'web',
        state: vmState,
        origin: 'nova',
        uuid: VM_UUID,
        connection: 'qemu:///system',
        vcpus: 1,
        memoryBytes: 256 * 2 ** 20,
      },
      {
        kind: 'container',
        id: 'container/docker/abc',
        name: 'cache',
        state: 'running',
        origin: 'external',
        engine: 'docker',
        containerId: 'abc',
        image: 'redis',
        via: 'direct',
      },
    ],
    sources: [
      { id: 'libvirt', status: 'ok', endpoint: 'qemu:///system' },
      { id: 'docker', status: 'ok', endpoint: '/var/run/docker.sock' },
      { id: 'podman', status: 'absent', endpoint: '/run/podman/podman.sock' },
    ],
  };
}

/** A fake host: counts every call the exporter makes to it. */
function fakeDeps() {
  const calls = { total: 0 };
  const state = { list: listing(), statusError: undefined as Error | undefined };
  const count = () => {
    calls.total++;
  };
  const helper = ((method: string) => {
    count();
    if (method === 'GetStatus' && state.statusError !== undefined) return Promise.reject(state.statusError);
    if (method === 'GetStatus')
      return Promise.resolve({
        helperVersion: '0',
        libvirt: { status: 'ok', detail: '' },
        kvm: { status: 'ok', detail: '' },
      });
    if (method === 'GetDomainXml')
      return Promise.resolve({
        xml: "<domain><devices><interface type='network'><source network='default'/></interface></devices></domain>",
      });
    return Promise.reject(new Error(`fake helper: no ${method}`));
  }) as HelperCall;
  const deps: ExporterDeps = {
    instances: {
      list: () => {
        count();
        return Promise.resolve(state.list);
      },
    },
    helper,
    containers: {
      engines: () => {
        count();
        return Promise.resolve({ engines: [], problems: [] } as never);
      },
    },
    sources: {
      readHost: () => {
        count();
        return Promise.resolve(host);
      },
      domainStats: () => {
        count();
        return Promise.resolve([vmStats]);
      },
      vmIds: () => {
        count();
        return Promise.resolve(new Map([['web', `vm/${VM_UUID}`]]));
      },
      streamContainerStats: (onSample, signal) => {
        count();
        const sample = (at: number, cpuPercent: number): ContainerStats => ({
          engine: 'docker',
          id: 'abc',
          name: 'cache',
          at,
          cpuPercent,
          memoryBytes: 5_000_000,
          memoryLimitBytes: 50_000_000,
          netRxBytes: 10,
          netTxBytes: 20,
          blockReadBytes: 30,
          blockWriteBytes: 40,
          pids: 1,
        });
        // 50 % of a core for 2 s, then 100 % for 1 s: 2 CPU seconds.
        onSample(sample(1_000, 0));
        onSample(sample(3_000, 50));
        onSample(sample(4_000, 100));
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            resolve();
          });
        });
      },
    },
  };
  return { deps, calls, state };
}

/** A sampler whose timer waits a whole (long) step from now, so that no tick falls into a test. */
const quietSampler = (sources: ConstructorParameters<typeof MetricsSampler>[0]) =>
  new MetricsSampler(sources, {
    tiers: [{ stepMs: 3_600_000, capacity: 2 }],
    now: () => 7_200_000,
  });

const exporters: NovaExporter[] = [];
afterEach(() => {
  for (const exporter of exporters.splice(0)) exporter.close();
});

async function started(config: Partial<ExporterConfig> = {}) {
  const fake = fakeDeps();
  const exporter = new NovaExporter(
    fake.deps,
    { ...defaultExporterConfig(), ...config },
    { makeSampler: quietSampler },
  );
  exporters.push(exporter);
  exporter.start();
  await exporter.settled();
  await exporter.sampler.sample();
  return { exporter, ...fake };
}

interface Family {
  type: string;
  help: string;
  samples: { name: string; labels: string; value: number }[];
}

/** The Prometheus text format, by metric family. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let entry = families.get(name);
    if (entry === undefined) families.set(name, (entry = { type: '', help: '', samples: [] }));
    return entry;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const entry = family(meta[2] ?? '');
      if (meta[1] === 'TYPE') entry.type = meta[3] ?? '';
      else entry.help = meta[3] ?? '';
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (sample === null) continue;
    const name = sample[1] ?? '';
    const base = [...families.keys()].find(
      (f) =>
        name === f || (/_(bucket|sum|count)$/.test(name) && name.replace(/_(bucket|sum|count)$/, '') === f),
    );
    family(base ?? name).samples.push({ name, labels: sample[2] ?? '', value: Number(sample[3]) });
  }
  return families;
}

const value = (families: Map<string, Family>, name: string, labels = /.*/) =>
  families.get(name)?.samples.find((s) => labels.test(s.labels))?.value;

describe('the exporter’s metrics', () => {
  it('follow Prometheus naming: nova_ prefix, base units, counters end in _total, every one has help', async () => {
    const { exporter } = await started();
    const families = parseExposition(await exporter.render());
    const nova = [...families].filter(([name]) => name.startsWith('nova_'));
    expect(nova.length).toBeGreaterThan(20);
    for (const [name, family] of nova) {
      expect(name, name).toMatch(/^nova_[a-z][a-z0-9_]*[a-z0-9]$/);
      expect(family.help.length, `${name} has help`).toBeGreaterThan(10);
      expect(['counter', 'gauge', 'histogram'], name).toContain(family.type);
      if (family.type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      if (family.type === 'histogram') expect(name).toMatch(/_seconds$/);
      // Base units only, and the unit word last (before _total).
      expect(name).not.toMatch(/(milli|micro|nano)seconds|kilobytes|megabytes|_percent|_ms(_|$)/);
      if (/_(seconds|bytes)_/.test(name)) expect(name).toMatch(/_(seconds|bytes)_(total|bucket|sum|count)$/);
    }
    // Every metric the exporter documents is there.
    for (const name of [
      'nova_instance_state',
      'nova_instance_cpu_seconds_total',
      'nova_instance_memory_bytes',
      'nova_instance_disk_read_bytes_total',
      'nova_instance_disk_written_bytes_total',
      'nova_instance_network_receive_bytes_total',
      'nova_instance_network_transmit_bytes_total',
      'nova_host_cpu_seconds_total',
      'nova_host_memory_total_bytes',
      'nova_host_memory_available_bytes',
      'nova_helper_up',
      'nova_backend_up',
      'nova_backend_requests_total',
      'nova_scrape_duration_seconds',
    ]) {
      expect(families.get(name)?.samples.length, name).toBeGreaterThan(0);
    }
  });

  it('carries the backends’ own counters: VM CPU from libvirt’s nanoseconds, container CPU integrated', async () => {
    const { exporter } = await started();
    const families = parseExposition(await exporter.render());
    expect(value(families, 'nova_instance_cpu_seconds_total', /name="web"/)).toBe(12.5);
    expect(value(families, 'nova_instance_cpu_seconds_total', /name="cache"/)).toBeCloseTo(2, 6);
    expect(value(families, 'nova_instance_memory_bytes', /name="web"/)).toBe(100 * 2 ** 20);
    expect(value(families, 'nova_instance_network_receive_bytes_total', /name="web"/)).toBe(3_000);
    expect(value(families, 'nova_instance_disk_written_bytes_total', /name="cache"/)).toBe(40);
    expect(value(families, 'nova_host_cpu_seconds_total', /mode="busy"/)).toBe(10);
    expect(value(families, 'nova_host_cpu_seconds_total', /mode="idle"/)).toBe(40);
    expect(value(families, 'nova_host_memory_available_bytes')).toBe(6 * 2 ** 30);
    expect(value(families, 'nova_instance_state', /name="web".*state="running"/)).toBe(1);
    expect(value(families, 'nova_instance_state', /name="web".*state="stopped"/)).toBe(0);
    expect(value(families, 'nova_backend_up', /backend="docker"/)).toBe(1);
    // An engine that is not installed is no backend that is down.
    expect(value(families, 'nova_backend_up', /backend="podman"/)).toBeUndefined();
    expect(value(families, 'nova_instance_state', /name="web".*network="default"/)).toBeDefined();
  });

  it('keeps the helper up but polkit down when the helper answers that it cannot ask polkit', async () => {
    const { exporter, state } = await started();
    let families = parseExposition(await exporter.render());
    expect(value(families, 'nova_helper_up')).toBe(1);
    expect(value(families, 'nova_backend_up', /backend="polkit"/)).toBe(1);

    state.statusError = polkitUnreachable('the name has no owner', 'dev.nova.status');
    await exporter.refresh();
    families = parseExposition(await exporter.render());
    expect(value(families, 'nova_helper_up')).toBe(1);
    expect(value(families, 'nova_backend_up', /backend="polkit"/)).toBe(0);

    // A helper that does not answer says nothing of polkit.
    state.statusError = new NovaError(
      'backend-unavailable',
      'Nova’s helper (dev.nova.Helper1) did not answer',
    );
    await exporter.refresh();
    families = parseExposition(await exporter.render());
    expect(value(families, 'nova_helper_up')).toBe(0);
    expect(value(families, 'nova_backend_up', /backend="polkit"/)).toBeUndefined();
  });

  it('counts state changes between listings', async () => {
    const { exporter, state } = await started();
    state.list = listing('stopped');
    await exporter.refresh();
    state.list = listing('running');
    await exporter.refresh();
    const families = parseExposition(await exporter.render());
    expect(value(families, 'nova_instance_state_changes_total', /name="web"/)).toBe(2);
    expect(value(families, 'nova_instance_state_changes_total', /name="cache"/)).toBe(0);
  });

  it('puts only the allow-listed labels on instances', async () => {
    const { exporter } = await started({ labels: ['id', 'kind'] });
    const families = parseExposition(await exporter.render());
    const labels = families.get('nova_instance_memory_bytes')?.samples.map((s) => s.labels) ?? [];
    expect(labels).toEqual(
      expect.arrayContaining([
        `{id="vm/${VM_UUID}",kind="vm"}`,
        '{id="container/docker/abc",kind="container"}',
      ]),
    );
    expect(labels.join()).not.toMatch(/name=|engine=|network=/);
  });

  it('answers hundreds of scrapes over HTTP without a single backend call', async () => {
    const { exporter, calls } = await started();
    const server = await serveExporter(exporter, { warn: () => undefined });
    try {
      const before = calls.total;
      const backendBefore = exporter.backendCalls;
      expect(before).toBeGreaterThan(0);
      for (let i = 0; i < 300; i++) {
        const body = await get(`${server.url}/metrics`);
        expect(body.status).toBe(200);
        if (i === 0) expect(body.text).toContain('nova_instance_cpu_seconds_total{name="web"');
      }
      expect(calls.total).toBe(before);
      expect(exporter.backendCalls).toBe(backendBefore);
      expect(exporter.scrapes).toBe(300);
      expect((await get(`${server.url}/-/healthy`)).status).toBe(200);
      expect((await get(`${server.url}/`)).text).toContain('href="metrics"');
      expect((await get(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, text });
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('the exporter’s config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nova-exporter-config-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads every key, resolving paths against the file’s folder', async () => {
    const hash = hashPassword('s3cret');
    const file = write(
      'good.toml',
      [
        'listen = "0.0.0.0:9100"',
        'interval = "2s"',
        'novafile = "nova.toml"',
        'novafile_interval = "1m"',
        'labels = ["name", "kind"]',
        '[tls]',
        'cert = "tls/cert.pem"',
        'key = "/etc/nova/key.pem"',
        '[basic_auth]',
        'username = "prometheus"',
        `password_hash = "${hash}"`,
      ].join('\n'),
    );
    const config = await readExporterConfig(file);
    expect(config).toEqual({
      listen: { host: '0.0.0.0', port: 9100 },
      intervalMs: 2_000,
      novafileIntervalMs: 60_000,
      labels: ['name', 'kind'],
      novafile: join(dir, 'nova.toml'),
      tls: { cert: join(dir, 'tls/cert.pem'), key: '/etc/nova/key.pem' },
      basicAuth: { username: 'prometheus', passwordHash: hash },
    });
    expect(insecureListenGaps(config)).toEqual([]);
  });

  it('names the file, the key and a fix for each mistake', async () => {
    const cases: [string, RegExp][] = [
      ['intervall = "5s"', /key \(file\) "intervall".*/],
      ['interval = "5 seconds"', /key interval: "5 seconds" is not a duration; write it like "5s"/],
      ['interval = "100ms"', /key interval: "100ms" is out of range/],
      ['listen = "localhost"', /key listen: "localhost" is not a listen address/],
      ['labels = ["kind"]', /key labels: .*must include "name" or "id"/],
      ['labels = ["colour"]', /key labels\.0: a label is one of/],
      [
        '[basic_auth]\nusername = "p"\npassword_hash = "plain"',
        /basic_auth\.password_hash: .*nova metrics hash-password/,
      ],
      ['listen = ', /bad\.toml:1:\d+: not valid TOML/],
    ];
    for (const [text, message] of cases) {
      const file = write('bad.toml', text);
      const error = await readExporterConfig(file).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error, text).toBeInstanceOf(NovaError);
      expect((error as NovaError).code).toBe('invalid-input');
      expect((error as NovaError).message, text).toContain(file);
      expect((error as NovaError).message, text).toMatch(message);
      expect((error as NovaError).detail, text).toBeTruthy();
    }
    await expect(readExporterConfig(join(dir, 'missing.toml'))).rejects.toThrow(
      /cannot read the exporter config/,
    );
  });

  it('parses listen addresses and durations', () => {
    expect(parseListenAddress('[::1]:9640')).toEqual({ host: '::1', port: 9640 });
    expect(parseListenAddress('localhost:1')).toEqual({ host: 'localhost', port: 1 });
    expect(() => parseListenAddress('1.2.3.4:99999')).toThrow(/not a listen address/);
    expect(() => parseListenAddress('[1:2:3:4:5:6:7:8:9]:80')).toThrow(/not an IPv6 address/);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5')).toBeUndefined();
  });

  it('checks passwords against their scrypt hash, and nothing else', async () => {
    const hash = hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hashPassword('correct horse')).not.toBe(hash);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'sha256$abc')).toBe(false);
    // A cost too high to run (or not a power of two) is refused, never attempted.
    const costly = hash.replace(/^scrypt\$\d+\$/, `scrypt$${String(2 ** 24)}$`);
    expect(await verifyPassword('correct horse', costly)).toBe(false);
    const odd = hash.replace(/^scrypt\$\d+\$/, 'scrypt$1000$');
    expect(await verifyPassword('correct horse', odd)).toBe(false);
  });

  it('checks basic auth off the event loop, a few at a time: a flood of bad passwords gets 401 or 429', async () => {
    const hash = hashPassword('correct horse');
    const { exporter } = await started({ basicAuth: { username: 'prometheus', passwordHash: hash } });
    const server = await serveExporter(exporter, { warn: () => undefined });
    try {
      const basic = (password: string) => ({
        authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}`,
      });
      const flood = await Promise.all(
        Array.from({ length: 8 }, (_, i) => get(`${server.url}/metrics`, basic(`wrong ${String(i)}`))),
      );
      const codes = flood.map((answer) => answer.status);
      expect(codes.every((code) => code === 401 || code === 429)).toBe(true);
      expect(codes).toContain(429);
      expect((await get(`${server.url}/metrics`, basic('correct horse'))).status).toBe(200);
      expect((await get(`${server.url}/metrics`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('refuses a config whose password hash would cost too much to check', () => {
    const hash = hashPassword('x').replace(/^scrypt\$\d+\$/, `scrypt$${String(2 ** 24)}$`);
    expect(() =>
      exporterConfigFrom({ basic_auth: { username: 'prometheus', password_hash: hash } }, 'exporter.toml'),
    ).toThrow(/scrypt cost is out of bounds/);
  });

  it('refuses to listen beyond loopback without TLS and auth unless allowed, and then warns', async () => {
    const fake = fakeDeps();
    const config = exporterConfigFrom({ listen: '0.0.0.0:0' }, 'exporter.toml');
    const exporter = new NovaExporter(fake.deps, config, { makeSampler: quietSampler });
    exporters.push(exporter);
    await expect(serveExporter(exporter)).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0:0 without TLS .* and basic auth/,
    );
    const warnings: string[] = [];
    const server = await serveExporter(exporter, {
      allowInsecureListen: true,
      warn: (message) => warnings.push(message),
    });
    await server.close();
    expect(warnings).toEqual([expect.stringMatching(/warning: listening on 0\.0\.0\.0:0 without TLS/)]);
    // Loopback needs neither.
    expect(insecureListenGaps(defaultExporterConfig())).toEqual([]);
  });
});
