// `nova support bundle`: gathers what someone helping a user needs (versions, diagnostics, logs, the
// NovaFile, Nova's libvirt XML, network and engine state, recent metrics), redacts it, and writes one
// tar.gz atomically with mode 0600. A source that cannot be read is listed in the manifest as skipped.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readdir, readFile, stat } from 'node:fs/promises';
import { arch, homedir, hostname, platform, release, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

import type { DiscoveredEngines } from '../containers/engine-discovery.js';
import { NovaError, toErrorData } from '../contract/errors.js';
import type { BundleProgress, DiagReport, RedactionLevel } from '../contract/features/support.js';
import { KVM_HEALTH_FILE } from '../diag/checks.js';
import { formatDiagReport } from '../diag/diag.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { MetricsSampler, type MetricsSources } from '../metrics/sampler.js';
import type { VersionReport } from '../model/host.js';
import type { HelperCall } from '../novafile/novafile-service.js';
import { NOVA_VERSION } from '../version.js';
import { Redactor } from './redact.js';
import { tarArchive, type TarEntry } from './tar.js';

const gzipAsync = promisify(gzip);

export const BUNDLE_FORMAT = 'nova-support-bundle/1';
/** The helper's audit log (apps/helper/src/audit.ts); NOVA_AUDIT_LOG moves it, as it does for the helper. */
export const DEFAULT_AUDIT_LOG = '/var/log/nova/audit.log';
export const LIBVIRT_QEMU_LOG_DIR = '/var/log/libvirt/qemu';
/** Logs are cut to their newest part. */
const LOG_TAIL_BYTES = 1024 * 1024;
const NOVAFILE_MAX_BYTES = 1024 * 1024;
const MAX_DOMAINS = 500;
const SOURCE_TIMEOUT_MS = 20_000;

export interface BundleOptions {
  /** The file to write; default nova-support-<time>.tar.gz in `directory`. */
  output?: string;
  /** Where the default file name goes (default: the working folder). */
  directory?: string;
  redact: RedactionLevel;
  logs: boolean;
  system: boolean;
  metrics: boolean;
  /** NovaFiles to include (the one given with -c, ./NovaFile); missing ones are skipped silently. */
  novaFiles: string[];
  /** Seconds of metrics to sample (default 3). */
  metricsSeconds?: number;
  onProgress?: (progress: Omit<BundleProgress, 'bundleId'>) => void;
  now?: () => Date;
}

export interface BundleDeps {
  helper: HelperCall;
  version: () => Promise<VersionReport>;
  engines: () => Promise<DiscoveredEngines>;
  diagnose: () => Promise<DiagReport>;
  /** Where the sampler gets its figures; absent: no metrics. */
  metricsSources?: MetricsSources;
  env?: NodeJS.ProcessEnv;
}

export interface ManifestFile {
  path: string;
  why: string;
  sizeBytes: number;
  /** What was redacted in this file, by kind. */
  redacted?: Record<string, number>;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  nova: string;
  createdAt: string;
  options: { redact: RedactionLevel; logs: boolean; system: boolean; metrics: boolean };
  host: { platform: string; arch: string; kernel: string; node: string };
  files: ManifestFile[];
  skipped: { source: string; reason: string }[];
  redactions: Record<string, number>;
  notes: string[];
}

export interface BundleOutcome {
  path: string;
  sizeBytes: number;
  manifest: BundleManifest;
}

interface Gathered {
  path: string;
  why: string;
  content: string;
}

const reasonOf = (err: unknown): string => toErrorData(err).message;

function withTimeout<T>(promise: Promise<T>, what: string, ms = SOURCE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what} did not answer within ${ms / 1000} s`));
      }, ms);
    }),
  ]).finally(() => {
    clearTimeout(timer);
  });
}

function runProgram(file: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolvePromise(stdout.trim() === '' ? stderr : stdout);
    });
  });
}

/** The newest `max` bytes of a file, starting at a line; with a note when it was cut. */
async function readTail(path: string, max = LOG_TAIL_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - max);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    if (start > 0) {
      const newline = text.indexOf('\n');
      text = `[… ${start + newline + 1} earlier bytes left out …]\n${text.slice(newline + 1)}`;
    }
    return text;
  } finally {
    await handle.close();
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Local users who are people (uid ≥ 1000), whose names strict redaction replaces. */
async function localUserNames(): Promise<string[]> {
  const names = new Set<string>();
  try {
    const passwd = await readFile('/etc/passwd', 'utf8');
    for (const line of passwd.split('\n')) {
      const [name, , uid] = line.split(':');
      if (name !== undefined && uid !== undefined && Number(uid) >= 1000 && Number(uid) < 65534)
        names.add(name);
    }
  } catch {
    // No /etc/passwd: only the current user.
  }
  try {
    names.add(userInfo().username);
  } catch {
    // No user name for this uid.
  }
  return [...names];
}

/** Writes a support bundle and resolves with where it is and its manifest. */
export async function createSupportBundle(deps: BundleDeps, options: BundleOptions): Promise<BundleOutcome> {
  const now = (options.now ?? (() => new Date()))();
  const env = deps.env ?? process.env;
  const output = resolve(
    options.output ?? join(options.directory ?? process.cwd(), `nova-support-${timestamp(now)}.tar.gz`),
  );
  try {
    await stat(output);
    throw new NovaError(
      'invalid-input',
      `${output} already exists`,
      'Choose another file with --output, or move the old bundle away.',
    );
  } catch (err) {
    if (err instanceof NovaError) throw err;
  }
  try {
    if (!(await stat(dirname(output))).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new NovaError(
      'invalid-input',
      `cannot write ${output}: ${dirname(output)} is not a folder`,
      'Give --output a file in a folder that exists.',
    );
  }
  const files: Gathered[] = [];
  const skipped: { source: string; reason: string }[] = [];
  const notes: string[] = [];
  const add = (path: string, why: string, content: string) => {
    files.push({ path, why, content });
  };
  const skip = (source: string, reason: string) => {
    skipped.push({ source, reason });
  };

  // The libvirt step and the logs step both need the domains: they are asked for once.
  let domainList: ReturnType<typeof deps.helper<'ListDomains'>> | undefined;
  const listDomains = () => (domainList ??= withTimeout(deps.helper('ListDomains', {}), 'ListDomains'));

  interface Step {
    id: string;
    enabled: boolean;
    off: string;
    run: () => Promise<void>;
  }
  const steps: Step[] = [
    {
      id: 'versions',
      enabled: true,
      off: '',
      run: async () => {
        const [report, qemu, libvirtd] = await Promise.all([
          withTimeout(deps.version(), 'the version report').catch((err: unknown) => {
            skip('versions.components', reasonOf(err));
            return undefined;
          }),
          runProgram('qemu-system-x86_64', ['--version']).catch(
            (err: unknown) => `unknown (${reasonOf(err)})`,
          ),
          runProgram('libvirtd', ['--version']).catch((err: unknown) => `unknown (${reasonOf(err)})`),
        ]);
        add(
          'versions.json',
          'Versions of Nova, Node, libvirt, QEMU and each container engine, and whether each answers',
          json({
            nova: NOVA_VERSION,
            node: process.version,
            qemu: qemu.split('\n')[0]?.trim(),
            libvirtd: libvirtd.split('\n')[0]?.trim(),
            components: report?.components ?? [],
          }),
        );
      },
    },
    {
      id: 'diagnostics',
      enabled: true,
      off: '',
      run: async () => {
        const report = await withTimeout(deps.diagnose(), 'nova diag', 60_000);
        add('diag.json', 'nova diag --json: every check with its status, detail and fix', json(report));
        add('diag.txt', 'nova diag, as the terminal shows it', `${formatDiagReport(report)}\n`);
      },
    },
    {
      id: 'novafile',
      enabled: true,
      off: '',
      run: async () => {
        const seen = new Set<string>();
        let index = 0;
        for (const candidate of options.novaFiles) {
          const path = resolve(candidate);
          if (seen.has(path)) continue;
          seen.add(path);
          try {
            const info = await stat(path);
            if (!info.isFile()) continue;
            if (info.size > NOVAFILE_MAX_BYTES) {
              skip(`novafile ${path}`, `larger than ${NOVAFILE_MAX_BYTES} bytes`);
              continue;
            }
            const text = await readFile(path, 'utf8');
            index++;
            add(
              `novafile/${index}-${safeName(basename(path))}`,
              `The NovaFile Nova reads (${path}): what the user asked for`,
              text,
            );
          } catch (err) {
            if ((err as { code?: string }).code !== 'ENOENT') skip(`novafile ${path}`, reasonOf(err));
          }
        }
        if (index === 0) notes.push('No NovaFile was found (-c FILE, or ./NovaFile).');
      },
    },
    {
      id: 'libvirt',
      enabled: true,
      off: '',
      run: async () => {
        const [domains, networks, storage] = await Promise.all([
          listDomains().then(
            (value) => value,
            (err: unknown) => {
              skip('libvirt domains', reasonOf(err));
              return undefined;
            },
          ),
          withTimeout(deps.helper('ListNetworks', {}), 'ListNetworks').then(
            (value) => value,
            (err: unknown) => {
              skip('libvirt networks', reasonOf(err));
              return undefined;
            },
          ),
          withTimeout(deps.helper('ListStorage', {}), 'ListStorage').then(
            (value) => value,
            (err: unknown) => {
              skip('libvirt storage', reasonOf(err));
              return undefined;
            },
          ),
        ]);
        if (domains !== undefined) {
          const owned = domains.domains.filter((domain) => domain.origin === 'nova');
          add(
            'libvirt/domains.json',
            'Every libvirt domain in brief (name, state, size, origin); full XML only for Nova’s',
            json(domains),
          );
          if (owned.length > MAX_DOMAINS)
            notes.push(`Only the first ${MAX_DOMAINS} of ${owned.length} Nova domains’ XML is included.`);
          for (const domain of owned.slice(0, MAX_DOMAINS)) {
            try {
              const { xml } = await withTimeout(
                deps.helper('GetDomainXml', { name: domain.name, inactive: false }),
                `GetDomainXml ${domain.name}`,
              );
              add(
                `libvirt/domains/${safeName(domain.name)}.xml`,
                `libvirt XML of Nova’s VM ${domain.name}`,
                xml,
              );
            } catch (err) {
              skip(`libvirt XML of ${domain.name}`, reasonOf(err));
            }
          }
        }
        if (networks !== undefined) {
          add('libvirt/networks.json', 'libvirt networks with addressing and origin', json(networks));
          for (const network of networks.networks) {
            try {
              const { xml } = await withTimeout(
                deps.helper('GetNetworkXml', { name: network.name }),
                `GetNetworkXml ${network.name}`,
              );
              add(
                `libvirt/networks/${safeName(network.name)}.xml`,
                `libvirt XML of network ${network.name}`,
                xml,
              );
            } catch (err) {
              skip(`libvirt XML of network ${network.name}`, reasonOf(err));
            }
          }
        }
        if (storage !== undefined)
          add('libvirt/storage.json', 'Storage pools and disk images with their origin', json(storage));
      },
    },
    {
      id: 'network',
      enabled: options.system,
      off: '--no-system',
      run: async () => {
        const commands: [string, string, string[]][] = [
          ['network/ip-addr.json', 'Host addresses (ip -j addr)', ['-j', 'addr', 'show']],
          [
            'network/ip-link.json',
            'Host links with bridge and kind details (ip -j -d link)',
            ['-j', '-d', 'link', 'show'],
          ],
          ['network/ip-route.json', 'Host routes (ip -j route)', ['-j', 'route', 'show']],
        ];
        await Promise.all(
          commands.map(async ([path, why, args]) => {
            try {
              add(path, why, `${await runProgram('ip', args)}\n`);
            } catch (err) {
              skip(path, reasonOf(err));
            }
          }),
        );
        try {
          const { bridges } = await withTimeout(deps.helper('ListHostBridges', {}), 'ListHostBridges');
          add('network/bridges.json', 'Linux bridges with members, uplink and who made them', json(bridges));
        } catch (err) {
          skip('network/bridges.json', reasonOf(err));
        }
      },
    },
    {
      id: 'engines',
      enabled: options.system,
      off: '--no-system',
      run: async () => {
        const discovered = await withTimeout(deps.engines(), 'engine discovery');
        for (const problem of discovered.problems)
          skip(
            `engine ${problem.id}`,
            problem.status === 'absent'
              ? `not found at ${problem.endpoint}`
              : (problem.error?.message ?? problem.status),
          );
        for (const engine of discovered.engines) {
          const name = engine.engine;
          const part = async <T>(what: string, task: () => Promise<T>): Promise<T | undefined> => {
            try {
              return await withTimeout(task(), `${name} ${what}`);
            } catch (err) {
              skip(`${name} ${what}`, reasonOf(err));
              return undefined;
            }
          };
          const [containers, networks, images] = await Promise.all([
            part('containers', () => engine.listContainers()),
            part('networks', () => engine.listNetworks()),
            part('images', () => engine.listImages()),
          ]);
          add(
            `engines/${name}/info.json`,
            `${name}: where Nova reaches it, its containers, networks and images in brief`,
            json({ engine: name, endpoint: engine.endpoint, containers, networks, images }),
          );
          for (const container of (containers ?? []).filter((c) => c.origin === 'nova')) {
            const details = await part(`inspect ${container.name}`, () =>
              engine.inspectContainer(container.containerId),
            );
            if (details !== undefined)
              add(
                `engines/${name}/containers/${safeName(container.name)}.json`,
                `${name}: details of Nova’s container ${container.name}`,
                json(details),
              );
          }
        }
      },
    },
    {
      id: 'logs',
      enabled: options.logs,
      off: '--no-logs',
      run: async () => {
        const audit = env['NOVA_AUDIT_LOG'] ?? DEFAULT_AUDIT_LOG;
        const sources: [string, string, string][] = [
          [
            audit,
            'logs/helper-audit.log',
            'The helper’s audit log: each privileged call, who made it, and its result (newest 1 MiB)',
          ],
          [KVM_HEALTH_FILE, 'logs/kvm-unusable', 'Why the helper stopped using KVM on this host, if it did'],
        ];
        const logDir =
          env['NOVA_LOG_DIR'] ?? join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'nova');
        try {
          for (const entry of (await readdir(logDir)).sort()) {
            if (entry.endsWith('.log'))
              sources.push([
                join(logDir, entry),
                `logs/nova/${safeName(entry)}`,
                `Nova’s own log ${entry} (newest 1 MiB)`,
              ]);
          }
        } catch (err) {
          if ((err as { code?: string }).code !== 'ENOENT') skip(`Nova logs in ${logDir}`, reasonOf(err));
          else notes.push(`Nova keeps no logs of its own in ${logDir} yet.`);
        }
        const domains = await listDomains().catch(() => undefined);
        for (const domain of (domains?.domains ?? [])
          .filter((d) => d.origin === 'nova')
          .slice(0, MAX_DOMAINS)) {
          const file = join(LIBVIRT_QEMU_LOG_DIR, `${domain.name}.log`);
          const exists = await access(file, constants.F_OK).then(
            () => true,
            () => false,
          );
          if (exists)
            sources.push([
              file,
              `logs/qemu/${safeName(domain.name)}.log`,
              `QEMU’s log of Nova’s VM ${domain.name} (newest 1 MiB)`,
            ]);
        }
        for (const [file, path, why] of sources) {
          try {
            add(path, why, await readTail(file));
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (code === 'ENOENT') skip(path, `${file} does not exist`);
            else if (code === 'EACCES' || code === 'EPERM')
              skip(
                path,
                `${file} is readable by root only: run nova support bundle as root (sudo) to include it`,
              );
            else skip(path, reasonOf(err));
          }
        }
      },
    },
    {
      id: 'metrics',
      enabled: options.metrics,
      off: '--no-metrics',
      run: async () => {
        if (deps.metricsSources === undefined) {
          skip('metrics', 'no metrics sources here');
          return;
        }
        const seconds = options.metricsSeconds ?? 3;
        const sampler = new MetricsSampler(deps.metricsSources);
        // The sampler's own clock: one step a second for the host, domains and containers' streams.
        const release = sampler.acquire({ instances: true });
        try {
          await new Promise((done) => setTimeout(done, seconds * 1000 + 500));
          release();
          const series = Object.fromEntries(sampler.seriesIds().map((id) => [id, sampler.points(id, 0)]));
          add(
            'metrics/recent.json',
            `A ${seconds} s sample (one point a second) of the host and every running instance: CPU, memory, disk and network rates`,
            json({ stepMs: sampler.stepMs, series }),
          );
        } finally {
          sampler.close();
        }
      },
    },
  ];

  const total = steps.length + 1;
  const progress = (index: number, step: string, status: BundleProgress['status'], message?: string) => {
    options.onProgress?.({ step, index, total, status, ...(message === undefined ? {} : { message }) });
  };
  for (const [i, step] of steps.entries()) {
    if (!step.enabled) {
      skip(step.id, `left out (${step.off})`);
      progress(i + 1, step.id, 'skipped', `left out (${step.off})`);
      continue;
    }
    progress(i + 1, step.id, 'started');
    try {
      await step.run();
      progress(i + 1, step.id, 'done');
    } catch (err) {
      skip(step.id, reasonOf(err));
      progress(i + 1, step.id, 'failed', reasonOf(err));
    }
  }

  progress(
    total,
    'write',
    'started',
    options.redact === 'none' ? 'without redaction' : `redacting (${options.redact})`,
  );
  const redactor = new Redactor({
    level: options.redact,
    ...(options.redact === 'strict'
      ? { hostnames: [hostname(), hostname().split('.')[0] ?? ''], usernames: await localUserNames() }
      : {}),
  });
  const perFile: Record<string, number>[] = [];
  const redactedText = files.map((file) => {
    const before = redactor.counts();
    const text = redactor.redact(file.content);
    perFile.push(diffCounts(before, redactor.counts()));
    return text;
  });
  const swept = redactedText.map((text, index) => {
    const before = redactor.counts();
    const out = redactor.sweep(text);
    const delta = diffCounts(before, redactor.counts());
    const entry = perFile[index] ?? {};
    for (const [kind, n] of Object.entries(delta)) entry[kind] = (entry[kind] ?? 0) + n;
    return out;
  });
  const contents = swept.map((text) => Buffer.from(text, 'utf8'));
  // Paths name domains, containers and files: redacted like the contents (pseudonyms in strict mode),
  // and made unique (two names may become the same safe name).
  const used = new Set(['manifest.json']);
  const paths = files.map((file) => {
    const cleaned = file.path
      .split('/')
      .map((part) => safeName(redactor.sweep(redactor.redact(part))))
      .join('/');
    let candidate = cleaned;
    for (let n = 2; used.has(candidate); n++) {
      const dot = cleaned.lastIndexOf('.');
      candidate =
        dot > cleaned.lastIndexOf('/')
          ? `${cleaned.slice(0, dot)}-${String(n)}${cleaned.slice(dot)}`
          : `${cleaned}-${String(n)}`;
    }
    used.add(candidate);
    return candidate;
  });
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    nova: NOVA_VERSION,
    createdAt: now.toISOString(),
    options: { redact: options.redact, logs: options.logs, system: options.system, metrics: options.metrics },
    host: { platform: platform(), arch: arch(), kernel: release(), node: process.version },
    files: files.map((file, index) => {
      const redacted = perFile[index] ?? {};
      return {
        path: paths[index] ?? file.path,
        // A why may name a path (the NovaFile's): redacted like the files.
        why: redactor.sweep(redactor.redact(file.why)),
        sizeBytes: contents[index]?.length ?? 0,
        ...(Object.keys(redacted).length === 0 ? {} : { redacted }),
      };
    }),
    // What was skipped names paths and errors: they go through the same redaction.
    skipped: skipped.map((entry) => ({
      source: redactor.sweep(redactor.redact(entry.source)),
      reason: redactor.sweep(redactor.redact(entry.reason)),
    })),
    notes: [
      ...notes.map((note) => redactor.sweep(redactor.redact(note))),
      options.redact === 'none'
        ? 'Nothing was redacted (--redact none): check the contents before sharing this bundle.'
        : `Redaction: ${options.redact}. Redacted values read [redacted:KIND]${options.redact === 'strict' ? '; host names, user names, MAC and IP addresses are replaced by pseudonyms (host-1, user-1, mac-1, ip-1), the same one for the same value in every file' : ''}.`,
    ],
    // Counted last, after the notes, reasons and paths went through redaction too.
    redactions: {},
  };
  manifest.redactions = redactor.counts();
  const root = `nova-support-${timestamp(now)}`;
  const mtime = Math.floor(now.getTime() / 1000);
  const manifestText = Buffer.from(json(manifest), 'utf8');
  const entries: TarEntry[] = [{ path: root, directory: true, mtime }];
  const folders = new Set<string>();
  const all = [
    { path: 'manifest.json', content: manifestText },
    ...files.map((file, index) => ({
      path: paths[index] ?? file.path,
      content: contents[index] ?? Buffer.alloc(0),
    })),
  ];
  for (const { path, content } of all) {
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = parts.slice(0, depth).join('/');
      if (!folders.has(folder)) {
        folders.add(folder);
        entries.push({ path: `${root}/${folder}`, directory: true, mtime });
      }
    }
    entries.push({ path: `${root}/${path}`, content, mode: 0o600, mtime });
  }
  const archive = await gzipAsync(tarArchive(entries));
  await writeFileAtomic(output, archive, 0o600);
  progress(total, 'write', 'done', output);
  return { path: output, sizeBytes: archive.length, manifest };
}

function diffCounts(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after)) {
    const d = n - (before[kind] ?? 0);
    if (d > 0) delta[kind] = d;
  }
  return delta;
}
