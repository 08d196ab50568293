import { realpath } from 'node:fs/promises';

import {
  cloudInitSeedPath,
  type DomainInterfaceAddresses,
  type DomainSpec,
  type InstanceState,
  isUnder,
  NovaError,
  type OwnedDomain,
  type SnapshotSummary,
  SYSTEM_FILE_ROOTS,
} from '@nova/core';
import {
  buildDomainXml,
  buildNicXml,
  buildSnapshotXml,
  buildVolumeXml,
  cloneDomainXml,
  KVM_FAILED,
  mapBounded,
  parseDomainConfig,
  parsePoolXml,
  XML_INACTIVE,
} from '@nova/core/node';
import { XMLParser } from 'fast-xml-parser';

import { removeCloudInitSeed, writeCloudInitSeed } from '../cloud-init.js';
import type { HelperImplementation } from '../dispatcher.js';
import {
  conflict,
  delay,
  domainLabel,
  domainPathOf,
  domainTarget,
  type HelperContext,
  poolPath,
} from './context.js';

type VmMethods = Pick<
  HelperImplementation,
  | 'ListDomains'
  | 'ListOwnedDomains'
  | 'ListDomainFacts'
  | 'GetDomainInfo'
  | 'GetDomainXml'
  | 'GetDomainStats'
  | 'GetDomainAddresses'
  | 'ListSnapshots'
  | 'DefineDomain'
  | 'StartDomain'
  | 'StopDomain'
  | 'RebootDomain'
  | 'PauseDomain'
  | 'ResumeDomain'
  | 'DeleteDomain'
  | 'SetDomainAutostart'
  | 'CreateSnapshot'
  | 'RevertSnapshot'
  | 'DeleteSnapshot'
  | 'CloneDomain'
  | 'AttachNic'
  | 'DetachNic'
>;

/** QEMU's failures that come from KVM itself (nested virtualization, missing CPU features). */
export function looksLikeKvmFailure(message: string): boolean {
  return /\bkvm\b|MSR|kvm_|KVM_/i.test(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.replace(/^libvirt: /, '') ?? text;
}

/** virDomainRunningReason and friends, in words (https://libvirt.org/html/libvirt-libvirt-domain.html). */
const REASONS: Record<InstanceState, string[]> = {
  running: [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from snapshot',
    'unpaused',
    'migration cancelled',
    'save cancelled',
    'woken up',
    'crashed',
    'post-copy',
  ],
  paused: [
    'unknown',
    'user',
    'migration',
    'save',
    'dump',
    'I/O error',
    'watchdog',
    'from snapshot',
    'shutting down',
    'snapshot',
    'crashed',
    'starting up',
    'post-copy',
    'post-copy failed',
  ],
  stopped: [
    'unknown',
    'shut down',
    'destroyed',
    'crashed',
    'migrated',
    'saved',
    'failed',
    'from snapshot',
    'daemon',
  ],
  stopping: ['unknown', 'user'],
  crashed: ['unknown', 'panicked'],
  suspended: ['unknown'],
  starting: ['unknown'],
  unknown: ['unknown'],
};

const snapshotParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
});

function parseSnapshot(xml: string, current: boolean): SnapshotSummary {
  const doc = snapshotParser.parse(xml) as { domainsnapshot?: Record<string, unknown> };
  const snapshot = doc.domainsnapshot ?? {};
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const creation = Number(text(snapshot['creationTime']) ?? '0');
  const parent = snapshot['parent'] as { name?: unknown } | undefined;
  const description = text(snapshot['description']);
  const parentName = text(parent?.name);
  return {
    name: text(snapshot['name']) ?? '',
    ...(description === undefined ? {} : { description }),
    createdAt: new Date(creation * 1000).toISOString(),
    state: text(snapshot['state']) ?? 'unknown',
    current,
    ...(parentName === undefined ? {} : { parent: parentName }),
  };
}

const ADDRESS_SOURCES = { lease: 0, agent: 1, arp: 2 } as const;

export function vmMethods(ctx: HelperContext): VmMethods {
  const { libvirt, manager, origins, kvm } = ctx;

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

  /** Every file a VM would use must be in a storage pool's folder (or firmware and host kernels). */
  async function checkFiles(spec: DomainSpec): Promise<void> {
    const seed = cloudInitSeedPath(spec.name);
    // Each file with the request field that names it, so that a refusal says which field it is about.
    const named: [string, string | undefined][] = [
      ...spec.disks.map((disk, index): [string, string | undefined] => [
        `spec.disks.${index}.source.path`,
        disk.source.type === 'file' && disk.source.path !== seed ? disk.source.path : undefined,
      ]),
      ['spec.kernel.path', spec.kernel?.path],
      ['spec.kernel.initrd', spec.kernel?.initrd],
      ['spec.firmware.loader', spec.firmware.loader],
      ['spec.firmware.nvramTemplate', spec.firmware.nvramTemplate],
      ...spec.hostdevs.map((hostdev, index): [string, string | undefined] => [
        `spec.hostdevs.${index}.romFile`,
        hostdev.romFile,
      ]),
    ];
    const files = named.filter((entry): entry is [string, string] => entry[1] !== undefined);
    if (files.length === 0) return;
    const folders = await mapBounded(
      await manager.listPoolPaths(),
      8,
      async (pool) => parsePoolXml(await manager.poolXml(pool)).path,
    );
    const roots = await Promise.all(
      [...folders.filter((folder): folder is string => folder !== undefined), ...SYSTEM_FILE_ROOTS].map(
        (root) => realpath(root).catch(() => root),
      ),
    );
    for (const [field, file] of files) {
      let real: string;
      try {
        real = await realpath(file);
      } catch {
        throw new NovaError('not-found', `${field}: ${file}, which VM "${spec.name}" uses, does not exist`);
      }
      // The real path counts: a link in a pool folder must not lead a VM to a host file.
      if (!roots.some((root) => isUnder(real, root))) {
        throw new NovaError(
          'invalid-input',
          `${field}: ${file} is not inside a storage pool’s folder, so VM "${spec.name}" may not use it`,
          'Put it in a storage pool (nova storage pool list), or declare a pool for its folder.',
        );
      }
    }
  }

  async function snapshotTarget(path: string, vm: string, snapshot: string): Promise<string> {
    const found = await manager.snapshotPath(path, snapshot);
    if (found === undefined)
      throw new NovaError('not-found', `VM "${vm}" has no snapshot named "${snapshot}"`);
    return found;
  }

  return {
    ListDomains: async () => ({ connection: libvirt.connectionUri, domains: await libvirt.listDomains() }),

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
          state,
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

    ListDomainFacts: async ({ names }) => ({ domains: await libvirt.domainFacts(names) }),

    GetDomainInfo: async (ref) => {
      const path = await domainPathOf(ctx, ref);
      const [xml, { state, reason }, autostart, persistent, snapshots] = await Promise.all([
        manager.domainXml(path, XML_INACTIVE),
        manager.domainStateReason(path),
        manager.domainAutostart(path),
        manager.domainPersistent(path),
        manager.listSnapshotPaths(path),
      ]);
      const config = parseDomainConfig(xml);
      return {
        name: config.name,
        uuid: config.uuid,
        state,
        reason: REASONS[state][reason] ?? 'unknown',
        origin: config.nova === undefined ? 'external' : 'nova',
        ...(config.nova?.project === undefined ? {} : { project: config.nova.project }),
        persistent,
        autostart,
        type: config.type,
        vcpus: config.vcpus,
        memoryBytes: config.memoryBytes,
        disks: config.disks,
        nics: config.nics,
        snapshots: snapshots.length,
      };
    },

    GetDomainXml: async ({ inactive, ...ref }) => {
      const path = await domainPathOf(ctx, ref);
      return { xml: await manager.domainXml(path, inactive ? XML_INACTIVE : 0) };
    },

    GetDomainStats: async ({ names, activeOnly }) => {
      const stats = await libvirt.allDomainStats({ activeOnly: activeOnly === true });
      return { stats: names === undefined ? stats : stats.filter((entry) => names.includes(entry.name)) };
    },

    GetDomainAddresses: async ({ source, ...ref }) => {
      const path = await domainPathOf(ctx, ref);
      let raw: unknown[];
      try {
        raw = await manager.interfaceAddresses(path, ADDRESS_SOURCES[source]);
      } catch (err) {
        if (source === 'agent' && err instanceof NovaError) {
          throw new NovaError(
            'backend-unavailable',
            `the guest agent of the VM ${domainLabel(ref)} did not answer: ${err.message}`,
            'Install and start qemu-guest-agent in the guest, or ask with source "lease" or "arp".',
          );
        }
        throw err;
      }
      const interfaces: DomainInterfaceAddresses[] = raw.flatMap((entry) => {
        if (!Array.isArray(entry)) return [];
        const [iface, mac, addresses] = entry as [unknown, unknown, unknown];
        return [
          {
            interface: String(iface),
            mac: String(mac),
            addresses: (Array.isArray(addresses) ? addresses : []).flatMap((address) => {
              if (!Array.isArray(address)) return [];
              const [type, value, prefix] = address as [unknown, unknown, unknown];
              return [
                {
                  family: type === 1 ? ('ipv6' as const) : ('ipv4' as const),
                  address: String(value),
                  prefix: Number(prefix),
                },
              ];
            }),
          },
        ];
      });
      return { interfaces };
    },

    ListSnapshots: async (ref) => {
      const path = await domainPathOf(ctx, ref);
      const snapshots = await mapBounded(await manager.listSnapshotPaths(path), 8, async (snapshot) => {
        const [xml, current] = await Promise.all([
          manager.snapshotXml(snapshot),
          manager.snapshotIsCurrent(snapshot),
        ]);
        return parseSnapshot(xml, current);
      });
      return { snapshots: snapshots.sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
    },

    DefineDomain: async ({ spec }) => {
      const { project } = spec.ownership;
      const existing = await manager.domainPath(spec.name);
      let definition: DomainSpec = spec;
      if (existing !== undefined) {
        await domainTarget(ctx, { name: spec.name, project });
        definition = { ...spec, uuid: await manager.domainUuid(existing) };
      }
      await checkFiles(spec);
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

    StartDomain: async (target) => {
      const { path, config } = await domainTarget(ctx, target);
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

    StopDomain: async ({ mode, timeoutSeconds, forceAfterTimeout, ...target }) => {
      const { path } = await domainTarget(ctx, target);
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

    RebootDomain: async (target) => {
      const { path, name } = await domainTarget(ctx, target);
      if ((await manager.domainState(path)) !== 'running')
        throw new NovaError('conflict', `VM "${name}" is not running`);
      await manager.rebootDomain(path);
      return {};
    },

    PauseDomain: async (target) => {
      const { path, name } = await domainTarget(ctx, target);
      const state = await manager.domainState(path);
      if (state === 'running') await manager.suspendDomain(path);
      else if (state !== 'paused') throw new NovaError('conflict', `VM "${name}" is ${state}, not running`);
      return { state: await manager.domainState(path) };
    },

    ResumeDomain: async (target) => {
      const { path, name } = await domainTarget(ctx, target);
      const state = await manager.domainState(path);
      if (state === 'paused') await manager.resumeDomain(path);
      else if (state !== 'running') throw new NovaError('conflict', `VM "${name}" is ${state}, not paused`);
      return { state: await manager.domainState(path) };
    },

    DeleteDomain: async ({ removeVolumes, ...target }) => {
      const { path, name, config } = await domainTarget(ctx, target);
      if ((await manager.domainState(path)) !== 'stopped') {
        try {
          await manager.destroyDomain(path);
        } catch {
          // already off
        }
      }
      for (const snapshot of await manager.listSnapshotPaths(path)) await manager.deleteSnapshot(snapshot);
      await manager.undefineDomain(path);
      await removeCloudInitSeed(name);
      const removed: string[] = [];
      if (removeVolumes) {
        const registry = await origins.read();
        for (const disk of config.disks) {
          if (disk.source.type !== 'volume') continue;
          const key = `${disk.source.pool}/${disk.source.volume}`;
          const owner = registry.volumes[key];
          // Only what Nova created, and for the VM's own project (or the project asked for).
          const project = target.project ?? config.nova?.project;
          if (owner === undefined || (project !== undefined && owner.project !== project)) continue;
          const volumePath = await manager.volumePath(
            await poolPath(ctx, disk.source.pool),
            disk.source.volume,
          );
          if (volumePath !== undefined) await manager.deleteVolume(volumePath);
          await origins.update((o) => {
            Reflect.deleteProperty(o.volumes, key);
          });
          removed.push(key);
        }
      }
      return { removedVolumes: removed };
    },

    SetDomainAutostart: async ({ autostart, ...target }) => {
      const { path } = await domainTarget(ctx, target);
      await manager.setDomainAutostart(path, autostart);
      return {};
    },

    CreateSnapshot: async ({ snapshot, description, ...target }) => {
      const { path, name, config } = await domainTarget(ctx, target);
      if ((await manager.snapshotPath(path, snapshot)) !== undefined)
        throw conflict(`VM "${name}" has a snapshot named "${snapshot}" already`);
      if (!config.disks.some((disk) => disk.device === 'disk' && disk.format === 'qcow2')) {
        throw new NovaError(
          'invalid-input',
          `VM "${name}" has no qcow2 disk to hold a snapshot`,
          'Snapshots need at least one qcow2 disk.',
        );
      }
      const created = await manager.createSnapshot(path, buildSnapshotXml({ name: snapshot, description }));
      return parseSnapshot(await manager.snapshotXml(created), true);
    },

    RevertSnapshot: async ({ snapshot, ...target }) => {
      const { path, name } = await domainTarget(ctx, target);
      await manager.revertSnapshot(await snapshotTarget(path, name, snapshot));
      return { state: await manager.domainState(path) };
    },

    DeleteSnapshot: async ({ snapshot, ...target }) => {
      const { path, name } = await domainTarget(ctx, target);
      await manager.deleteSnapshot(await snapshotTarget(path, name, snapshot));
      return {};
    },

    CloneDomain: async ({ clone, ...target }) => {
      const { path, name, config } = await domainTarget(ctx, target);
      if ((await manager.domainState(path)) !== 'stopped')
        throw new NovaError('conflict', `VM "${name}" must be shut off to be cloned`);
      if ((await manager.domainPath(clone)) !== undefined)
        throw conflict(`a VM named "${clone}" exists already`);
      const fileDisks = config.disks.filter((disk) => disk.device === 'disk' && disk.source.type === 'file');
      if (fileDisks.length > 0) {
        throw new NovaError(
          'invalid-input',
          `VM "${name}" has disks outside storage pools (${fileDisks.map((d) => (d.source.type === 'file' ? d.source.path : '')).join(', ')})`,
          'Nova clones only disks that are volumes of a storage pool.',
        );
      }
      const project = config.nova?.project ?? target.project;
      const copies = new Map<string, string>();
      const created: { pool: string; path: string }[] = [];
      try {
        for (const disk of config.disks) {
          if (disk.source.type !== 'volume') continue;
          const pool = await poolPath(ctx, disk.source.pool);
          const source = await manager.volumePath(pool, disk.source.volume);
          if (source === undefined)
            throw new NovaError(
              'not-found',
              `disk image ${disk.source.pool}/${disk.source.volume} of VM "${name}" is missing`,
            );
          const info = await manager.volumeInfo(source);
          const copyName = disk.source.volume.startsWith(name)
            ? `${clone}${disk.source.volume.slice(name.length)}`
            : `${clone}-${disk.source.volume}`;
          const xml = buildVolumeXml({
            pool: disk.source.pool,
            name: copyName,
            format: disk.format,
            capacityBytes: Math.max(info.capacityBytes, 1024 * 1024),
          });
          created.push({
            pool: disk.source.pool,
            path: await manager.cloneVolume(pool, xml, await manager.volumeKey(source)),
          });
          copies.set(`${disk.source.pool}/${disk.source.volume}`, copyName);
          if (project !== undefined) {
            await origins.update((o) => {
              o.volumes[`${disk.source.type === 'volume' ? disk.source.pool : ''}/${copyName}`] = { project };
            });
          }
        }
        const clonePath = await manager.defineDomain(
          cloneDomainXml(await manager.domainXml(path, XML_INACTIVE), { name: clone, volumes: copies }),
        );
        return {
          name: clone,
          uuid: await manager.domainUuid(clonePath),
          volumes: [...copies.entries()].map(([from, to]) => `${from.split('/')[0] ?? ''}/${to}`),
        };
      } catch (err) {
        // A clone that fails leaves no copied disks behind.
        for (const copy of created) await manager.deleteVolume(copy.path).catch(() => undefined);
        await origins.update((o) => {
          for (const [from, to] of copies)
            Reflect.deleteProperty(o.volumes, `${from.split('/')[0] ?? ''}/${to}`);
        });
        throw err;
      }
    },

    AttachNic: async ({ nic, ...target }) => {
      const { path } = await domainTarget(ctx, target);
      const live = (await manager.domainState(path)) === 'running';
      await manager.attachDevice(path, buildNicXml(nic), live);
      const after = parseDomainConfig(await manager.domainXml(path, XML_INACTIVE));
      const added = nic.mac ?? after.nics.at(-1)?.mac;
      if (added === undefined) throw new NovaError('failed', 'libvirt did not report the new interface');
      return { mac: added, live };
    },

    DetachNic: async ({ mac, ...target }) => {
      const { path, name, config } = await domainTarget(ctx, target);
      const nic = config.nics.find((candidate) => candidate.mac === mac);
      if (nic === undefined)
        throw new NovaError('not-found', `VM "${name}" has no interface with MAC ${mac}`);
      const live = (await manager.domainState(path)) === 'running';
      await manager.detachDevice(path, buildNicXml(nic), live);
      return { live };
    },
  };
}
