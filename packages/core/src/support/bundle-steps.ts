// The steps of `nova support bundle`, in order: each gathers one kind of source (versions, diagnostics,
// NovaFiles, libvirt, host network, container engines, logs, metrics) into a Gathering. A failure
// inside a step skips that source; a step that fails as a whole is skipped by the caller.
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';

import { formatDiagReport } from '../diag/diag.js';
import { MetricsSampler } from '../metrics/sampler.js';
import { NOVA_VERSION } from '../version.js';
import { type Gathering, json, reasonOf, runProgram, safeName, withTimeout } from './bundle-gather.js';
import { gatherLogs } from './bundle-logs.js';
import type { BundleDeps, BundleOptions } from './bundle-types.js';

const NOVAFILE_MAX_BYTES = 1024 * 1024;
/** At most this many of Nova's domains' XML. */
const MAX_DOMAINS = 500;

export interface BundleStep {
  id: string;
  /** Off: skipped, with the option that turned it off (`off`). */
  enabled: boolean;
  off: string;
  run: () => Promise<void>;
}

/** The steps, each gathering into `out`. */
export function bundleSteps(deps: BundleDeps, options: BundleOptions, out: Gathering): BundleStep[] {
  const env = deps.env ?? process.env;
  const add = (path: string, why: string, content: string) => {
    out.add(path, why, content);
  };
  const skip = (source: string, reason: string) => {
    out.skip(source, reason);
  };

  // The libvirt step and the logs step both need the domains: they are asked for once.
  let domainList: ReturnType<typeof deps.helper<'ListDomains'>> | undefined;
  const listDomains = () => (domainList ??= withTimeout(deps.helper('ListDomains', {}), 'ListDomains'));

  return [
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
        if (index === 0) out.note('No NovaFile was found (-c FILE, or ./NovaFile).');
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
            out.note(`Only the first ${MAX_DOMAINS} of ${owned.length} Nova domains’ XML is included.`);
          for (const domain of owned.slice(0, MAX_DOMAINS)) {
            try {
              const { xml } = await withTimeout(
                deps.helper('GetDomainXml', { uuid: domain.uuid, inactive: false }),
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
      run: () => gatherLogs(env, listDomains, out),
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
}
