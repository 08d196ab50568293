import {
  cloudInitSeedPath,
  type DomainSpec,
  NOVA_VERSION,
  NovaError,
  type OwnedDomain,
  type StoragePoolSummary,
} from '@nova/core';
import {
  buildDomainXml,
  buildNetworkXml,
  buildPoolXml,
  buildVolumeXml,
  KVM_FAILED,
  type LibvirtDbusClient,
  type LibvirtManager,
  listEngineContainers,
  mapBounded,
  parseDomainConfig,
  parseEngineAddress,
  parseNetworkXml,
  parsePoolXml,
  parseVolumeFormat,
  ROOT_ENGINE_SOCKETS,
  XML_INACTIVE,
} from '@nova/core/node';

import { createHostBridge, deleteHostBridge, listHostBridges } from './bridges.js';
import { removeCloudInitSeed, writeCloudInitSeed } from './cloud-init.js';
import type { HelperImplementation } from './dispatcher.js';
import { KvmHealth } from './kvm-health.js';
import type { OriginRegistry } from './origins.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function conflict(message: string, detail?: string): NovaError {
  return new NovaError('conflict', message, detail);
}

/** What the helper does once a call is authorized and its input checked. */
/** QEMU's failures that come from KVM itself (nested virtualization, missing CPU features). */
export function looksLikeKvmFailure(message: string): boolean {
  return /\bkvm\b|MSR|kvm_|KVM_/i.test(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.replace(/^libvirt: /, '') ?? text;
}

export function helperImplementation(
  libvirt: LibvirtDbusClient,
  manager: LibvirtManager,
  origins: OriginRegistry,
  kvm: KvmHealth = new KvmHealth(),
): HelperImplementation {
  /** A domain Nova created for this project, or an error saying why Nova may not touch it. */
  async function ownedDomain(
    project: string,
    name: string,
  ): Promise<{ path: string; config: ReturnType<typeof parseDomainConfig> }> {
    const path = await manager.domainPath(name);
    if (path === undefined) throw new NovaError('not-found', `there is no VM named "${name}"`);
    const config = parseDomainConfig(await manager.domainXml(path));
    if (config.nova === undefined) {
      throw conflict(
        `VM "${name}" was not created by Nova, and Nova changes only what it created`,
        'Rename the VM in your NovaFile, or remove the other one yourself.',
      );
    }
    if (config.nova.project !== project) {
      throw conflict(
        `VM "${name}" belongs to Nova project "${config.nova.project ?? '?'}", not to "${project}"`,
      );
    }
    return { path, config };
  }

  async function ownedNetwork(project: string, name: string): Promise<string> {
    const path = await manager.networkPath(name);
    if (path === undefined) throw new NovaError('not-found', `there is no network named "${name}"`);
    const facts = parseNetworkXml(await manager.networkXml(path));
    if (facts.nova === undefined)
      throw conflict(`network "${name}" was not created by Nova, and Nova changes only what it created`);
    if (facts.nova.project !== project)
      throw conflict(
        `network "${name}" belongs to Nova project "${facts.nova.project ?? '?'}", not to "${project}"`,
      );
    return path;
  }

  async function poolPath(name: string): Promise<string> {
    const path = await manager.poolPath(name);
    if (path === undefined) throw new NovaError('not-found', `there is no storage pool named "${name}"`);
    return path;
  }

  async function ownedVolume(project: string, pool: string, name: string): Promise<string> {
    const owner = (await origins.read()).volumes[`${pool}/${name}`];
    if (owner === undefined) throw conflict(`disk image "${name}" in pool "${pool}" was not created by Nova`);
    if (owner.project !== project)
      throw conflict(`disk image "${name}" belongs to Nova project "${owner.project}", not to "${project}"`);
    const path = await manager.volumePath(await poolPath(pool), name);
    if (path === undefined)
      throw new NovaError('not-found', `there is no disk image "${name}" in pool "${pool}"`);
    return path;
  }

  async function waitForState(
    path: string,
    wanted: (state: string) => boolean,
    timeoutMs: number,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let state = await manager.domainState(path);
    while (!wanted(state) && Date.now() < deadline) {
      await delay(500);
      state = await manager.domainState(path);
    }
    return state;
  }

  return {
    GetStatus: async () => {
      const libvirtCheck = await libvirt.check();
      const failure = await kvm.failure();
      const kvmCheck =
        libvirtCheck.status !== 'ok'
          ? { status: 'unavailable' as const, detail: 'unknown: libvirt is unreachable' }
          : failure !== undefined
            ? {
                status: 'absent' as const,
                detail: `KVM failed to run a VM here (${failure}); VMs run under TCG. Delete ${kvm.file} to try KVM again.`,
              }
            : await libvirt.checkKvm();
      return { helperVersion: NOVA_VERSION, libvirt: libvirtCheck, kvm: kvmCheck };
    },

    ListDomains: async () => ({ connection: libvirt.connectionUri, domains: await libvirt.listDomains() }),

    ListNetworks: async () => ({ networks: await libvirt.listNetworks() }),

    ListOwnedDomains: async ({ project }) => {
      const paths = await libvirt.domainPaths();
      const domains = await mapBounded(paths, 16, async (path): Promise<OwnedDomain | undefined> => {
        let config: ReturnType<typeof parseDomainConfig>;
        try {
          config = parseDomainConfig(await manager.domainXml(path, XML_INACTIVE));
        } catch (err) {
          if (err instanceof NovaError && err.code === 'not-found') return undefined;
          throw err;
        }
        if (config.nova === undefined || (project !== undefined && config.nova.project !== project))
          return undefined;
        const [state, autostart] = await Promise.all([
          manager.domainState(path),
          manager.domainAutostart(path),
        ]);
        const { nova, name, uuid, kernel, tpm, lookingGlassMiB, ...rest } = config;
        return {
          name,
          uuid,
          state: state,
          autostart,
          mark: {
            ...(nova.project === undefined ? {} : { project: nova.project }),
            ...(nova.name === undefined ? {} : { name: nova.name }),
            ...(nova.specHash === undefined ? {} : { specHash: nova.specHash }),
          },
          config: {
            ...rest,
            ...(kernel === undefined ? {} : { kernel }),
            ...(tpm === undefined ? {} : { tpm }),
            ...(lookingGlassMiB === undefined ? {} : { lookingGlassMiB }),
          },
        };
      });
      return { domains: domains.filter((domain): domain is OwnedDomain => domain !== undefined) };
    },

    ListStorage: async () => {
      const registry = await origins.read();
      const pools = await mapBounded(
        await manager.listPoolPaths(),
        8,
        async (path): Promise<StoragePoolSummary> => {
          const [properties, xml] = await Promise.all([manager.poolProperties(path), manager.poolXml(path)]);
          const owner = registry.pools[properties.name];
          const volumes = properties.active
            ? await mapBounded(await manager.listVolumePaths(path), 8, async (volumePath) => {
                const info = await manager.volumeInfo(volumePath);
                const volumeOwner = registry.volumes[`${properties.name}/${info.name}`];
                return {
                  name: info.name,
                  path: info.file,
                  capacityBytes: info.capacityBytes,
                  format: parseVolumeFormat(info.xml),
                  origin: volumeOwner === undefined ? ('external' as const) : ('nova' as const),
                  ...(volumeOwner === undefined ? {} : { project: volumeOwner.project }),
                };
              })
            : [];
          return {
            name: properties.name,
            path: parsePoolXml(xml).path ?? '',
            active: properties.active,
            autostart: properties.autostart,
            origin: owner === undefined ? 'external' : 'nova',
            ...(owner === undefined ? {} : { project: owner.project }),
            ...(owner?.shared === true ? { shared: true } : {}),
            volumes,
          };
        },
      );
      return { pools };
    },

    DefineDomain: async ({ spec }) => {
      const { project } = spec.ownership;
      const existing = await manager.domainPath(spec.name);
      let definition: DomainSpec = spec;
      if (existing !== undefined) {
        await ownedDomain(project, spec.name);
        definition = { ...spec, uuid: await manager.domainUuid(existing) };
      }
      const seed = cloudInitSeedPath(spec.name);
      const attachesSeed = spec.disks.some(
        (disk) => disk.source.type === 'file' && disk.source.path === seed,
      );
      if (spec.cloudInit !== undefined) {
        if (!attachesSeed)
          throw new NovaError(
            'invalid-input',
            `VM "${spec.name}" has cloud-init data but does not attach its seed ${seed}`,
          );
        await writeCloudInitSeed(spec.name, spec.cloudInit);
      } else if (attachesSeed) {
        throw new NovaError(
          'invalid-input',
          `VM "${spec.name}" attaches ${seed} without cloud-init data to put in it`,
        );
      }
      const path = await manager.defineDomain(buildDomainXml(definition));
      if (spec.cloudInit === undefined) await removeCloudInitSeed(spec.name);
      return { uuid: await manager.domainUuid(path), created: existing === undefined };
    },

    StartDomain: async ({ project, name }) => {
      const { path, config } = await ownedDomain(project, name);
      const state = await manager.domainState(path);
      if (state === 'paused') await manager.resumeDomain(path);
      else if (state !== 'running') {
        try {
          await manager.startDomain(path);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          if (config.type === 'kvm' && looksLikeKvmFailure(reason)) {
            await kvm.markUnusable(reason);
            throw new NovaError(
              'failed',
              `${KVM_FAILED}: ${firstLine(reason)}`,
              'VMs with accelerator = "auto" run under TCG from now on; set accelerator = "tcg" to say so.',
            );
          }
          throw err;
        }
      }
      return { state: await manager.domainState(path) };
    },

    StopDomain: async ({ project, name, mode, timeoutSeconds = 60, forceAfterTimeout = true }) => {
      const { path } = await ownedDomain(project, name);
      const off = (state: string) => state === 'stopped' || state === 'crashed';
      if (off(await manager.domainState(path))) return { state: 'stopped', forced: false };
      let forced = false;
      if (mode === 'shutdown') {
        await manager.shutdownDomain(path);
        const state = await waitForState(path, off, timeoutSeconds * 1000);
        if (!off(state) && forceAfterTimeout) {
          await manager.destroyDomain(path);
          forced = true;
        }
      } else {
        await manager.destroyDomain(path);
        forced = true;
      }
      return { state: await manager.domainState(path), forced };
    },

    DeleteDomain: async ({ project, name, removeVolumes }) => {
      const { path, config } = await ownedDomain(project, name);
      if ((await manager.domainState(path)) !== 'stopped') {
        try {
          await manager.destroyDomain(path);
        } catch {
          // already off
        }
      }
      await manager.undefineDomain(path);
      await removeCloudInitSeed(name);
      const removed: string[] = [];
      if (removeVolumes) {
        const registry = await origins.read();
        for (const disk of config.disks) {
          if (disk.source.type !== 'volume') continue;
          const key = `${disk.source.pool}/${disk.source.volume}`;
          if (registry.volumes[key]?.project !== project) continue;
          const volumePath = await manager.volumePath(await poolPath(disk.source.pool), disk.source.volume);
          if (volumePath !== undefined) await manager.deleteVolume(volumePath);
          await origins.update((o) => {
            Reflect.deleteProperty(o.volumes, key);
          });
          removed.push(key);
        }
      }
      return { removedVolumes: removed };
    },

    SetDomainAutostart: async ({ project, name, autostart }) => {
      const { path } = await ownedDomain(project, name);
      await manager.setDomainAutostart(path, autostart);
      return {};
    },

    DefineNetwork: async ({ spec, autostart }) => {
      if ((await manager.networkPath(spec.name)) !== undefined) {
        await ownedNetwork(spec.ownership.project, spec.name);
        throw conflict(`network "${spec.name}" exists already; Nova replaces a network by deleting it first`);
      }
      const path = await manager.defineNetwork(buildNetworkXml(spec));
      try {
        await manager.startNetwork(path);
        await manager.setNetworkAutostart(path, autostart);
      } catch (err) {
        // A network that cannot start is not left defined.
        await manager.undefineNetwork(path).catch(() => undefined);
        throw err;
      }
      return { uuid: await manager.networkUuid(path) };
    },

    StartNetwork: async ({ project, name }) => {
      const path = await ownedNetwork(project, name);
      if (!(await manager.networkActive(path))) await manager.startNetwork(path);
      return {};
    },

    SetNetworkAutostart: async ({ project, name, autostart }) => {
      await manager.setNetworkAutostart(await ownedNetwork(project, name), autostart);
      return {};
    },

    DeleteNetwork: async ({ project, name }) => {
      const path = await ownedNetwork(project, name);
      if (await manager.networkActive(path)) await manager.destroyNetwork(path);
      await manager.undefineNetwork(path);
      return {};
    },

    DefinePool: async ({ spec }) => {
      const { project } = spec.ownership;
      const existing = await manager.poolPath(spec.name);
      if (existing !== undefined) {
        const owner = (await origins.read()).pools[spec.name];
        if (owner === undefined || (owner.shared !== true && owner.project !== project)) {
          throw conflict(
            `a storage pool named "${spec.name}" exists and Nova did not create it for project "${project}"`,
          );
        }
        if (!(await manager.poolProperties(existing)).active) await manager.startPool(existing);
        return {};
      }
      const path = await manager.definePool(buildPoolXml(spec));
      try {
        await manager.buildPool(path);
        await manager.startPool(path);
        await manager.setPoolAutostart(path, true);
      } catch (err) {
        await manager.undefinePool(path).catch(() => undefined);
        throw err;
      }
      await origins.update((o) => {
        o.pools[spec.name] = spec.shared ? { project, shared: true } : { project };
      });
      return {};
    },

    DeletePool: async ({ project, name }) => {
      const owner = (await origins.read()).pools[name];
      if (owner === undefined) throw conflict(`storage pool "${name}" was not created by Nova`);
      if (owner.shared === true)
        throw conflict(`storage pool "${name}" is shared by every Nova project; Nova does not delete it`);
      if (owner.project !== project)
        throw conflict(
          `storage pool "${name}" belongs to Nova project "${owner.project}", not to "${project}"`,
        );
      const path = await poolPath(name);
      if ((await manager.poolProperties(path)).active) {
        await manager.refreshPool(path);
        const volumes = await manager.listVolumePaths(path);
        if (volumes.length > 0)
          throw conflict(
            `storage pool "${name}" still holds ${volumes.length} disk image(s)`,
            'Delete them first, or keep the pool.',
          );
        await manager.destroyPool(path);
      }
      await manager.undefinePool(path);
      await origins.update((o) => {
        Reflect.deleteProperty(o.pools, name);
      });
      return {};
    },

    CreateVolume: async ({ project, spec }) => {
      const pool = await poolPath(spec.pool);
      if ((await manager.volumePath(pool, spec.name)) !== undefined) {
        throw conflict(`a disk image named "${spec.name}" exists in pool "${spec.pool}" already`);
      }
      const path = await manager.createVolume(pool, buildVolumeXml(spec));
      await origins.update((o) => {
        o.volumes[`${spec.pool}/${spec.name}`] = { project };
      });
      return { path: (await manager.volumeInfo(path)).file };
    },

    ResizeVolume: async ({ project, pool, name, capacityBytes }) => {
      const path = await ownedVolume(project, pool, name);
      const { capacityBytes: current } = await manager.volumeInfo(path);
      if (capacityBytes < current)
        throw new NovaError(
          'invalid-input',
          `disk image "${name}" cannot shrink (${current} → ${capacityBytes} bytes)`,
        );
      await manager.resizeVolume(path, capacityBytes);
      return {};
    },

    DeleteVolume: async ({ project, pool, name }) => {
      const path = await ownedVolume(project, pool, name);
      await manager.deleteVolume(path);
      await origins.update((o) => {
        Reflect.deleteProperty(o.volumes, `${pool}/${name}`);
      });
      return {};
    },

    ListHostBridges: async () => ({ bridges: await listHostBridges(origins) }),

    CreateHostBridge: async ({ spec, takeUplink }) => ({
      movedAddresses: await createHostBridge(spec, takeUplink, origins),
    }),

    DeleteHostBridge: async ({ project, name }) => {
      await deleteHostBridge(project, name, origins);
      return {};
    },

    ListContainers: async ({ engine }) => {
      const socket = ROOT_ENGINE_SOCKETS[engine];
      const endpoint = parseEngineAddress(engine, `unix://${socket}`);
      try {
        return { endpoint: endpoint.label, containers: await listEngineContainers(endpoint) };
      } catch (err) {
        if (err instanceof NovaError) throw err;
        throw new NovaError('failed', err instanceof Error ? err.message : String(err));
      }
    },
  };
}
