import { stat } from 'node:fs/promises';

import { NovaError, type StoragePoolSummary } from '@nova/core';
import { buildPoolXml, buildVolumeXml, mapBounded, parsePoolXml, parseVolumeFormat } from '@nova/core/node';

import type { HelperGroupImplementation } from '../dispatcher.js';
import { conflict, type HelperContext, poolPath } from './context.js';
import { uploadIntoFolder } from './upload.js';

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Folders a pool may never be: the system's own, where writing disk images as root would do harm. */
const FORBIDDEN = [
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
];

function checkPoolFolder(path: string): void {
  const inside = FORBIDDEN.find((root) => path === root || (root !== '/' && path.startsWith(`${root}/`)));
  if (inside !== undefined) {
    throw new NovaError(
      'invalid-input',
      `spec.path: ${path} cannot hold a storage pool: it is ${inside === path ? '' : 'inside '}${inside}, a system folder`,
      'Use a folder such as /var/lib/nova/pools/NAME or /srv/vms.',
    );
  }
}

export function storageMethods(ctx: HelperContext): HelperGroupImplementation<'storage'> {
  const { manager, origins } = ctx;

  /** A disk image Nova created (for the project, when one is named). */
  async function ownedVolume(project: string | undefined, pool: string, name: string): Promise<string> {
    const owner = (await origins.read()).volumes[`${pool}/${name}`];
    if (owner === undefined) throw conflict(`disk image "${name}" in pool "${pool}" was not created by Nova`);
    if (project !== undefined && owner.project !== project)
      throw conflict(`disk image "${name}" belongs to Nova project "${owner.project}", not to "${project}"`);
    const path = await manager.volumePath(await poolPath(ctx, pool), name);
    if (path === undefined)
      throw new NovaError('not-found', `there is no disk image "${name}" in pool "${pool}"`);
    return path;
  }

  return {
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

    DefinePool: async ({ spec }) => {
      checkPoolFolder(spec.path);
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
        if (spec.createFolder) await manager.buildPool(path);
        else if (!(await isFolder(spec.path))) {
          throw new NovaError(
            'not-found',
            `folder ${spec.path} does not exist`,
            'Check the paths of the images and kernels the NovaFile names.',
          );
        }
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
      if (project !== undefined && owner.project !== project)
        throw conflict(
          `storage pool "${name}" belongs to Nova project "${owner.project}", not to "${project}"`,
        );
      const path = await poolPath(ctx, name);
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
      const pool = await poolPath(ctx, spec.pool);
      if ((await manager.volumePath(pool, spec.name)) !== undefined)
        throw conflict(`a disk image named "${spec.name}" exists in pool "${spec.pool}" already`);
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

    UploadVolume: async ({ project, pool, name, source, format }, call) => {
      if (call.uid === undefined)
        throw new NovaError(
          'not-authorized',
          'the bus could not say who is asking, so the file cannot be read with their rights',
        );
      const path = await poolPath(ctx, pool);
      if ((await manager.volumePath(path, name)) !== undefined)
        throw conflict(`a disk image named "${name}" exists in pool "${pool}" already`);
      const folder = parsePoolXml(await manager.poolXml(path)).path;
      if (folder === undefined) throw new NovaError('failed', `storage pool "${pool}" has no folder`);
      const uploaded = await uploadIntoFolder(folder, name, source, call.uid, format);
      await manager.refreshPool(path);
      await origins.update((o) => {
        o.volumes[`${pool}/${name}`] = { project: project ?? 'default' };
      });
      return uploaded;
    },

    DeleteVolume: async ({ project, pool, name }) => {
      const path = await ownedVolume(project, pool, name);
      await manager.deleteVolume(path);
      await origins.update((o) => {
        Reflect.deleteProperty(o.volumes, `${pool}/${name}`);
      });
      return {};
    },
  };
}
