// The helper's changes to a VM's life: defining it, starting, stopping, rebooting, pausing and resuming
// it, deleting it, and whether it starts with the host.
import { realpath } from 'node:fs/promises';

import { cloudInitSeedPath, type DomainSpec, isUnder, NovaError, SYSTEM_FILE_ROOTS } from '@nova/core';
import { buildDomainXml, KVM_FAILED, mapBounded, parsePoolXml } from '@nova/core/node';

import { removeCloudInitSeed, writeCloudInitSeed } from '../cloud-init.js';
import type { HelperGroupImplementation } from '../dispatcher.js';
import { delay, domainTarget, type HelperContext, poolPath } from './context.js';

/** QEMU's failures that come from KVM itself (nested virtualization, missing CPU features). */
function looksLikeKvmFailure(message: string): boolean {
  return /\bkvm\b|MSR|kvm_|KVM_/i.test(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.replace(/^libvirt: /, '') ?? text;
}

export function vmLifecycleMethods(ctx: HelperContext): HelperGroupImplementation<'vmLifecycle'> {
  const { manager, origins, kvm } = ctx;

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

  return {
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
  };
}
