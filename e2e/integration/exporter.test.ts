// Nova's Prometheus exporter on the lab, with a real Prometheus scraping it: the alert rules load
// (promtool), every dashboard panel query and every rule expression runs against real data from a
// running TCG VM and a running container, TLS and basic auth work end to end (Prometheus scrapes
// through them), a listen beyond loopback is refused without them, and scrapes cost no backend call.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  createNovaServices,
  defaultExporterConfig,
  MetricsSampler,
  NovaExporter,
  type NovaServices,
} from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  mustRun,
  removeContainer,
  removeDomain,
  REPO_ROOT,
  requireLab,
  runNova,
  startContainer,
  TEST_IMAGE,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';
import {
  PROMTOOL,
  type RunningExporter,
  type RunningPrometheus,
  startExporterCli,
  startPrometheus,
} from '../support/prometheus.js';

const ALERTS = join(REPO_ROOT, 'docs/observability/alerts.yml');
const DASHBOARDS = join(REPO_ROOT, 'docs/observability/dashboards');
const vmName = uniqueName('exp-vm');
const containerName = uniqueName('exp-ct');
const project = uniqueName('exp');
const dir = mkdtempSync(join(tmpdir(), 'nova-exporter-'));
chmodSync(dir, 0o755);
const PASSWORD = 'scrape-me-please';

let plain: RunningExporter;
let secure: RunningExporter;
let prometheus: RunningPrometheus;
const started: (() => Promise<unknown>)[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${String(timeoutMs)} ms`);
    await sleep(500);
  }
}

beforeAll(async () => {
  requireLab();
  await defineDomain(tinyGuestXml(vmName));
  started.push(() => removeDomain(vmName));
  await virsh('start', vmName);
  await startContainer(containerName);
  started.push(() => removeContainer(containerName));

  // A NovaFile with one container that does not exist: one resource of drift.
  const novaFile = join(dir, 'NovaFile');
  writeFileSync(
    novaFile,
    [
      `project = "${project}"`,
      '',
      `[container.ct-${project.slice(-6)}]`,
      `capsule = "${TEST_IMAGE}"`,
      'command = ["sleep", "3600"]',
      '',
    ].join('\n'),
  );
  const config = join(dir, 'exporter.toml');
  writeFileSync(
    config,
    ['interval = "1s"', 'novafile = "NovaFile"', 'novafile_interval = "2s"', ''].join('\n'),
  );
  plain = await startExporterCli(['--listen', '127.0.0.1:0'], config);
  started.push(() => plain.stop());

  // TLS and basic auth: a self-signed certificate for 127.0.0.1, a hash made by the CLI itself.
  await mustRun('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  const hash = (await hashPassword(PASSWORD)).trim();
  writeFileSync(join(dir, 'password'), PASSWORD);
  const secureConfig = join(dir, 'secure.toml');
  writeFileSync(
    secureConfig,
    [
      'listen = "127.0.0.1:0"',
      'interval = "1s"',
      '[tls]',
      'cert = "cert.pem"',
      'key = "key.pem"',
      '[basic_auth]',
      'username = "prometheus"',
      `password_hash = "${hash}"`,
      '',
    ].join('\n'),
  );
  secure = await startExporterCli([], secureConfig);
  started.push(() => secure.stop());

  prometheus = await startPrometheus({
    scrapeInterval: '1s',
    ruleFiles: [ALERTS],
    jobs: [
      { job: 'nova', target: plain.url.replace(/^http:\/\//, '') },
      {
        job: 'nova-tls',
        target: secure.url.replace(/^https:\/\//, ''),
        scheme: 'https',
        caFile: join(dir, 'cert.pem'),
        basicAuth: { username: 'prometheus', passwordFile: join(dir, 'password') },
      },
    ],
  });
  started.push(() => prometheus.stop());
}, 120_000);

afterAll(async () => {
  for (const stop of started.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** `printf %s PASSWORD | nova metrics hash-password`, with the password on stdin. */
function hashPassword(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      join(REPO_ROOT, 'apps/cli/dist/nova.cjs'),
      'metrics',
      'hash-password',
    ]);
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`hash-password exited ${String(code)}`));
    });
    child.stdin.end(password);
  });
}

/** Every query of a dashboard: each panel's targets (rows' panels too) and its query variables. */
function dashboardQueries(file: string): { where: string; expr: string }[] {
  interface Panel {
    title?: string;
    targets?: { expr?: string }[];
    panels?: Panel[];
  }
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: Panel[];
    templating?: { list: { name: string; type: string; query?: unknown }[] };
  };
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined)
          out.push({ where: `${file}: ${panel.title ?? '?'}`, expr: target.expr });
      }
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query =
      typeof variable.query === 'string' ? variable.query : (variable.query as { query: string }).query;
    // label_values(SELECTOR, label): the selector must have series.
    const selector = /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1] ?? query;
    out.push({ where: `${file}: variable ${variable.name}`, expr: selector });
  }
  return out;
}

/** Grafana's variables, as a user who picked the lab's VM would have them. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '5s')
    .replaceAll('$job', 'nova')
    .replaceAll('$instance', vmName);
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names an expression reads: identifiers outside strings, braces, brackets and groupings. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice(match.index + word.length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** The metric names in an exposition text. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return names;
}

interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
  health: string;
  lastError?: string;
}

/** The alert rules as Prometheus loaded them from alerts.yml (its own YAML parser, no other). */
async function alertRules(): Promise<Rule[]> {
  const reply = (await prometheus.get('/api/v1/rules')) as {
    data: {
      groups: {
        rules: {
          name: string;
          query: string;
          annotations: Record<string, string>;
          health: string;
          lastError?: string;
        }[];
      }[];
    };
  };
  return reply.data.groups.flatMap((group) =>
    group.rules.map((rule) => ({
      alert: rule.name,
      expr: rule.query,
      annotations: rule.annotations,
      health: rule.health,
      ...(rule.lastError === undefined ? {} : { lastError: rule.lastError }),
    })),
  );
}

describe('the exporter with a real Prometheus', () => {
  it('has alert rules that promtool accepts, each with a runbook that exists', async () => {
    const result = await mustRun(PROMTOOL, ['check', 'rules', ALERTS]);
    expect(result).toMatch(/SUCCESS: \d+ rules found/);
    const rules = await alertRules();
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'NovaExporterDown',
        'NovaInstanceCrashed',
        'NovaInstanceFlapping',
        'NovaFileDriftDetected',
        'NovaHostMemoryPressure',
        'NovaScrapeSlow',
      ]),
    );
    const runbooks = readdirSync(join(REPO_ROOT, 'docs/observability/runbooks'));
    for (const rule of rules) {
      expect(rule.annotations['runbook_url'], rule.alert).toBe(
        `docs/observability/runbooks/${rule.alert}.md`,
      );
      expect(runbooks, rule.alert).toContain(`${rule.alert}.md`);
    }
  });

  it('gets data for every dashboard panel and every alert rule', async () => {
    // Wait until Prometheus holds enough scrapes for rates over the running VM and the drift check.
    await until('VM CPU rate and drift in Prometheus', 60_000, async () => {
      const cpu = await prometheus.query(`rate(nova_instance_cpu_seconds_total{name="${vmName}"}[1m])`);
      const drift = await prometheus.query('nova_novafile_drift_resources{job="nova"}');
      const container = await prometheus.query(
        `rate(nova_instance_cpu_seconds_total{name="${containerName}"}[1m])`,
      );
      return (cpu.data?.result.length ?? 0) > 0 &&
        (drift.data?.result.length ?? 0) > 0 &&
        (container.data?.result.length ?? 0) > 0
        ? true
        : undefined;
    });
    const drift = await prometheus.query('nova_novafile_drift_resources{job="nova"}');
    expect((drift.data?.result[0] as { value: [number, string] }).value[1]).toBe('1');

    const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['health.json', 'host.json', 'instance.json', 'overview.json']);
    const queries = files.flatMap((f) => dashboardQueries(join(DASHBOARDS, f)));
    expect(queries.length).toBeGreaterThan(30);
    const empty: string[] = [];
    for (const { where, expr } of queries) {
      const query = substitute(expr);
      const answer = await until(`an answer to ${query}`, 15_000, async () => {
        const reply = await prometheus.query(query);
        expect(reply.status, `${where}: ${query}: ${reply.error ?? ''}`).toBe('success');
        return (reply.data?.result.length ?? 0) > 0 ? reply : undefined;
      }).catch(() => undefined);
      if (answer === undefined) empty.push(`${where}: ${query}`);
    }
    expect(empty).toEqual([]);

    // Alert rules: those whose condition holds here have data; the others (normally empty) must at
    // least be valid and read only metrics the exporter emits (or `up`, which Prometheus makes).
    const exposed = exposedNames(await (await fetch(`${plain.url}/metrics`)).text());
    exposed.add('up');
    const rules = await alertRules();
    for (const rule of rules) {
      const reply = await prometheus.query(rule.expr);
      expect(reply.status, `${rule.alert}: ${reply.error ?? ''}`).toBe('success');
      const names = metricNames(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(exposed, `${rule.alert} reads ${name}`).toContain(name);
    }
    // The drift on the lab is real, so its rule's condition holds.
    const driftRule = rules.find((r) => r.alert === 'NovaFileDriftDetected');
    expect((await prometheus.query(driftRule?.expr ?? '')).data?.result.length).toBeGreaterThan(0);
    // Prometheus itself evaluated every rule without error.
    const evaluated = await until('every rule evaluated', 10_000, async () => {
      const now = await alertRules();
      return now.every((r) => r.health !== 'unknown') ? now : undefined;
    });
    for (const rule of evaluated) expect(rule.health, `${rule.alert}: ${rule.lastError ?? ''}`).toBe('ok');
  }, 180_000);

  it('serves over TLS with basic auth: Prometheus scrapes it, a wrong password gets 401', async () => {
    await until('the TLS target up', 30_000, async () => {
      const up = await prometheus.query('up{job="nova-tls"} == 1');
      return (up.data?.result.length ?? 0) > 0 ? true : undefined;
    });
    const ca = readFileSync(join(dir, 'cert.pem'));
    const get = (auth?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request(
          `${secure.url}/metrics`,
          {
            ca,
            headers:
              auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
          },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () => {
              resolve({ status: response.statusCode ?? 0, body });
            });
          },
        )
          .on('error', reject)
          .end();
      });
    expect((await get()).status).toBe(401);
    expect((await get('prometheus:wrong')).status).toBe(401);
    expect((await get(`someone:${PASSWORD}`)).status).toBe(401);
    const ok = await get(`prometheus:${PASSWORD}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('nova_host_memory_total_bytes');
    // Plain HTTP to the TLS port gets no metrics.
    const plainText = await fetch(secure.url.replace(/^https:/, 'http:') + '/metrics').then(
      async (r) => r.text(),
      () => '',
    );
    expect(plainText).not.toContain('nova_host_memory_total_bytes');
  });

  it('refuses to listen beyond loopback without TLS and auth, unless told to (then warns)', async () => {
    const refused = await runNova(['metrics', 'serve', '--listen', '0.0.0.0:0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0:0 without TLS .* and basic auth/);
    expect(refused.stderr).toMatch(/--allow-insecure-listen/);

    const allowed = await startExporterCli(['--listen', '0.0.0.0:0', '--allow-insecure-listen']);
    try {
      expect(allowed.stderr()).toMatch(/warning: listening on 0\.0\.0\.0:\d+ without TLS/);
      const port = new URL(allowed.url.replace('0.0.0.0', '127.0.0.1')).port;
      expect((await fetch(`http://127.0.0.1:${port}/-/healthy`)).status).toBe(200);
    } finally {
      expect(await allowed.stop()).toBe(0);
    }

    const badConfig = join(dir, 'bad.toml');
    writeFileSync(badConfig, 'interval = "soon"\n');
    const bad = await runNova(['metrics', 'serve', '--exporter-config', badConfig]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${badConfig}: key interval: "soon" is not a duration`);
  });
});

describe('scrapes on the lab', () => {
  let services: NovaServices;
  afterAll(() => {
    services.close();
  });

  it('read memory only: hundreds of scrapes make no call to the helper or the engines', async () => {
    services = createNovaServices();
    const calls = { helper: 0, list: 0, engines: 0 };
    const exporter = new NovaExporter(
      {
        instances: {
          list: () => {
            calls.list++;
            return services.instances.list();
          },
        },
        helper: (method, input) => {
          calls.helper++;
          return services.helper(method, input);
        },
        containers: {
          engines: () => {
            calls.engines++;
            return services.containers.engines();
          },
        },
      },
      defaultExporterConfig(),
      // No timer tick during the test: the sampler steps only when asked.
      {
        makeSampler: (sources) =>
          new MetricsSampler(sources, { tiers: [{ stepMs: 3_600_000, capacity: 2 }], now: () => 7_200_000 }),
      },
    );
    try {
      exporter.start();
      await exporter.settled();
      await exporter.sampler.sample();
      const before = { ...calls };
      expect(before.helper).toBeGreaterThan(0);
      let text = '';
      for (let i = 0; i < 300; i++) text = await exporter.render();
      expect(calls).toEqual(before);
      expect(text).toMatch(
        new RegExp(
          `nova_instance_cpu_seconds_total\\{name="${vmName}",kind="vm",engine="libvirt",network="default"\\} \\d`,
        ),
      );
      expect(text).toMatch(
        new RegExp(
          `nova_instance_state\\{name="${containerName}",kind="container",engine="docker",network="bridge",state="running"\\} 1`,
        ),
      );
    } finally {
      exporter.close();
    }
  });
});
