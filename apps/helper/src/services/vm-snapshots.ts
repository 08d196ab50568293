// The helper's methods for VM snapshots: listing them, taking one, reverting to one, deleting one.
import { NovaError } from '@nova/core';
import { buildSnapshotXml, mapBounded, parseSnapshotXml } from '@nova/core/node';

import type { HelperGroupImplementation } from '../dispatcher.js';
import { conflict, domainPathOf, domainTarget, type HelperContext } from './context.js';

export function vmSnapshotMethods(ctx: HelperContext): HelperGroupImplementation<'vmSnapshots'> {
  const { manager } = ctx;

  async function snapshotTarget(path: string, vm: string, snapshot: string): Promise<string> {
    const found = await manager.snapshotPath(path, snapshot);
    if (found === undefined)
      throw new NovaError('not-found', `VM "${vm}" has no snapshot named "${snapshot}"`);
    return found;
  }

  return {
    ListSnapshots: async (ref) => {
      const path = await domainPathOf(ctx, ref);
      const snapshots = await mapBounded(await manager.listSnapshotPaths(path), 8, async (snapshot) => {
        const [xml, current] = await Promise.all([
          manager.snapshotXml(snapshot),
          manager.snapshotIsCurrent(snapshot),
        ]);
        return parseSnapshotXml(xml, current);
      });
      return { snapshots: snapshots.sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
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
      return parseSnapshotXml(await manager.snapshotXml(created), true);
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
  };
}
