// Planning and applying a NovaFile on this host: reads what exists (through the helper and the
// engines), resolves the file, plans, and gives apply a backend that does the work for real.
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';

import type { ContainerManager } from '../containers/container-manager.js';
import type { ContainerEngine } from '../containers/engine.js';
import { NovaError } from '../contract/errors.js';
import type { HelperCall } from '../contract/helper/index.js';
import { listHostLinks } from '../host/ip-link.js';
import type { EngineName } from '../model/instance.js';
import type { ApplyBackend } from './apply.js';
import { loadNovaFile } from './load.js';
import { type ObservedContainer, type ObservedState, type Plan, planChanges } from './plan.js';
import type { NovaFileError } from './read.js';
import { type DesiredState, resolveDesiredState } from './resolve.js';
import type { NovaFileModel } from './schema.js';
import { locate } from './toml-source.js';

export interface NovaFileDeps {
  helper: HelperCall;
  containers: ContainerManager;
}

export type PlanOutcome =
  | { ok: false; path: string; errors: NovaFileError[]; warnings: string[] }
  | {
      ok: true;
      path: string;
      model: NovaFileModel;
      desired: DesiredState;
      plan: Plan;
      errors: NovaFileError[];
      warnings: string[];
    };

export async function observeHost(
  deps: NovaFileDeps,
  project: string,
  engines: ContainerEngine[],
): Promise<ObservedState> {
  const [domains, owned, networks, storage, bridges] = await Promise.all([
    deps.helper('ListDomains', {}),
    deps.helper('ListOwnedDomains', { project }),
    deps.helper('ListNetworks', {}),
    deps.helper('ListStorage', {}),
    deps.helper('ListHostBridges', {}),
  ]);
  const domainOwners = new Map(
    domains.domains.map((d) => [d.name, { origin: d.origin, project: undefined as string | undefined }]),
  );
  for (const domain of owned.domains)
    domainOwners.set(domain.name, { origin: 'nova', project: domain.mark.project });

  const containers: ObservedContainer[] = [];
  const engineNetworks: ObservedState['engineNetworks'] = [];
  for (const engineOf of engines) {
    const engine = engineOf.engine;
    const [summaries, networkList] = await Promise.all([engineOf.listContainers(), engineOf.listNetworks()]);
    for (const summary of summaries) {
      let spec: ObservedContainer['spec'];
      try {
        spec =
          summary.spec === undefined ? undefined : (JSON.parse(summary.spec) as ObservedContainer['spec']);
      } catch {
        spec = undefined;
      }
      containers.push({
        engine,
        id: summary.containerId,
        name: summary.name,
        state: summary.state,
        image: summary.image,
        origin: summary.origin,
        project: summary.project,
        specHash: summary.specHash,
        spec,
      });
    }
    for (const network of networkList) {
      engineNetworks.push({
        engine,
        name: network.name,
        origin: network.origin === 'nova' ? 'nova' : 'external',
        project: network.project,
      });
    }
  }
  return {
    domainOwners,
    ownedDomains: owned.domains,
    networks: networks.networks,
    hostBridges: bridges.bridges,
    pools: storage.pools,
    containers,
    engineNetworks,
  };
}

const MAX_USER_DATA_BYTES = 64 * 1024;

/** The cloud-init user data files a NovaFile names, read now so that resolving stays pure. */
async function readUserDataFiles(model: NovaFileModel, fileDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const vm of Object.values(model.vm)) {
    const path = vm.cloud_init?.user_data_file;
    if (path === undefined) continue;
    const absolute = resolvePath(fileDir, path);
    try {
      const content = await readFile(absolute, 'utf8');
      if (Buffer.byteLength(content) <= MAX_USER_DATA_BYTES) files.set(absolute, content);
    } catch {
      // resolving reports it, at its place in the file
    }
  }
  return files;
}

/** Reads the file, checks it against the host, resolves it and plans; errors name file, line and column. */
export async function planNovaFile(
  deps: NovaFileDeps,
  file: string,
  options: { prune: boolean },
): Promise<PlanOutcome> {
  const warnings: string[] = [];
  const [networks, links, status, found] = await Promise.all([
    deps.helper('ListNetworks', {}),
    listHostLinks().catch((err: unknown) => {
      warnings.push(`host bridges were not read: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }),
    deps.helper('GetStatus', {}),
    deps.containers.engines(),
  ]);
  if (status.libvirt.status !== 'ok') throw new NovaError('backend-unavailable', status.libvirt.detail);
  const bridges = links.filter((link) => link.kind === 'bridge').map((link) => link.name);
  const libvirtNetworks = networks.networks.map((n) => n.name);
  const engineNames = found.engines.map((engine) => engine.engine);
  const read = await loadNovaFile(file, { networks: [...libvirtNetworks, ...bridges] });
  if (!read.ok) return { ok: false, path: read.path, errors: read.errors, warnings };

  const model = read.model;
  const observedStorage = await deps.helper('ListStorage', {});
  const userDataFiles = await readUserDataFiles(model, dirname(read.path));
  const defaultEngine = engineNames.length === 0 ? undefined : (await deps.containers.engine()).engine;
  const desired = resolveDesiredState(model, {
    fileDir: dirname(read.path),
    kvm: { usable: status.kvm.status === 'ok', reason: status.kvm.detail },
    libvirtNetworks,
    hostBridges: bridges,
    poolsByPath: new Map(observedStorage.pools.map((pool) => [pool.path, pool.name])),
    defaultEngine,
    userDataFiles,
  });
  const errors: NovaFileError[] = desired.issues.map((issue) => {
    const located = locate(read.source, issue.path);
    const place = located?.key ?? located?.value;
    return {
      file: file,
      line: place?.start.line ?? 1,
      column: place?.start.column ?? 1,
      path: issue.path.map(String).join('.'),
      message: issue.message,
      ...(issue.hint === undefined ? {} : { hint: issue.hint }),
    };
  });
  const observed = await observeHost(deps, desired.project, found.engines);
  const plan = planChanges(desired, observed, options);
  for (const conflict of plan.conflicts) {
    if (conflict.path === undefined) continue;
    const located = locate(read.source, conflict.path);
    const place = located?.key ?? located?.value;
    errors.push({
      file,
      line: place?.start.line ?? 1,
      column: place?.start.column ?? 1,
      path: conflict.path.map(String).join('.'),
      message: conflict.message,
      ...(conflict.hint === undefined ? {} : { hint: conflict.hint }),
    });
  }
  return { ok: true, path: read.path, model, desired, plan, errors, warnings };
}

/** The real backend: libvirt through the helper, containers through the engines (directly or through it). */
export function hostApplyBackend(deps: NovaFileDeps): ApplyBackend {
  const engine = (name: EngineName | undefined): Promise<ContainerEngine> => deps.containers.engine(name);
  const { helper } = deps;
  return {
    createHostBridge: async (spec, takeUplink) => {
      await helper('CreateHostBridge', { spec, takeUplink });
    },
    deleteHostBridge: async (project, name) => {
      await helper('DeleteHostBridge', { project, name });
    },
    defineNetwork: async (spec, autostart) => {
      await helper('DefineNetwork', { spec, autostart });
    },
    startNetwork: async (project, name) => {
      await helper('StartNetwork', { project, name });
    },
    setNetworkAutostart: async (project, name, autostart) => {
      await helper('SetNetworkAutostart', { project, name, autostart });
    },
    deleteNetwork: async (project, name) => {
      await helper('DeleteNetwork', { project, name });
    },
    definePool: async (spec) => {
      await helper('DefinePool', { spec });
    },
    deletePool: async (project, name) => {
      await helper('DeletePool', { project, name });
    },
    createVolume: async (project, spec) => {
      await helper('CreateVolume', { project, spec });
    },
    resizeVolume: async (project, spec) => {
      await helper('ResizeVolume', {
        project,
        pool: spec.pool,
        name: spec.name,
        capacityBytes: spec.capacityBytes,
      });
    },
    deleteVolume: async (project, pool, name) => {
      await helper('DeleteVolume', { project, pool, name });
    },
    defineDomain: async (spec) => {
      const { created } = await helper('DefineDomain', { spec });
      return { created };
    },
    startDomain: async (project, name) => {
      await helper('StartDomain', { project, name });
    },
    stopDomain: async (project, name) => {
      await helper('StopDomain', {
        project,
        name,
        mode: 'shutdown',
        timeoutSeconds: 60,
        forceAfterTimeout: true,
      });
    },
    setDomainAutostart: async (project, name, autostart) => {
      await helper('SetDomainAutostart', { project, name, autostart });
    },
    deleteDomain: async (project, name, removeVolumes) => {
      await helper('DeleteDomain', { project, name, removeVolumes });
    },
    createContainer: async (name, spec) => {
      await (await engine(name)).createContainer(spec);
    },
    startContainer: async (name, project, container) => {
      await (await engine(name)).startContainer({ container, project });
    },
    stopContainer: async (name, project, container) => {
      await (await engine(name)).stopContainer({ container, project });
    },
    removeContainer: async (name, project, container) => {
      try {
        await (await engine(name)).removeContainer({ container, project }, { force: true });
      } catch (err) {
        // Gone already is what was asked.
        if (!(err instanceof NovaError && err.code === 'not-found')) throw err;
      }
    },
    createEngineNetwork: async (name, spec) => {
      await (await engine(name)).createNetwork(spec);
    },
    removeEngineNetwork: async (name, project, network) => {
      try {
        await (await engine(name)).removeNetwork({ name: network, project });
      } catch (err) {
        if (!(err instanceof NovaError && err.code === 'not-found')) throw err;
      }
    },
  };
}
