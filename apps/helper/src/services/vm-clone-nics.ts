// The helper's methods that copy a VM with its disks, and add or remove its network interfaces.
import { NovaError } from '@nova/core';
import { buildNicXml, buildVolumeXml, cloneDomainXml, parseDomainConfig } from '@nova/core/node';

import type { HelperGroupImplementation } from '../dispatcher.js';
import { XML_INACTIVE } from '../libvirt/libvirt-manage.js';
import { conflict, domainTarget, type HelperContext, poolPath } from './context.js';

export function vmCloneAndNicMethods(ctx: HelperContext): HelperGroupImplementation<'vmCloneAndNics'> {
  const { manager, origins } = ctx;
  return {
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
