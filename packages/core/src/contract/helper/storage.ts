// The helper's methods for libvirt's storage pools and the disk images in them.
import { z } from 'zod';

import { StoragePoolSummary } from '../helper-types.js';
import { AbsolutePath, PoolSpec, ResourceName, VolumeSpec } from '../specs.js';
import { Empty } from './inputs.js';
import { helperMethod } from './method.js';

/** Listing pools and disk images, and making, resizing, filling and deleting them. */
export const storageMethods = {
  ListStorage: helperMethod({
    action: 'dev.nova.storage.read',
    summary: 'Every storage pool with its volumes and owner',
    input: Empty,
    output: z.object({ pools: z.array(StoragePoolSummary) }),
  }),
  DefinePool: helperMethod({
    action: 'dev.nova.pool.create',
    summary: 'Define, build, start and autostart a directory storage pool for Nova',
    input: z.object({ spec: PoolSpec }).strict(),
    output: Empty,
  }),
  DeletePool: helperMethod({
    action: 'dev.nova.pool.delete',
    summary: 'Stop and undefine an empty storage pool Nova created (its folder stays)',
    input: z.object({ name: ResourceName, project: ResourceName.optional() }).strict(),
    output: Empty,
  }),
  CreateVolume: helperMethod({
    action: 'dev.nova.volume.create',
    summary: 'Create a disk image in a storage pool, owned by a project',
    input: z.object({ project: ResourceName, spec: VolumeSpec }).strict(),
    output: z.object({ path: z.string() }),
    timeoutMs: 10 * 60_000,
  }),
  ResizeVolume: helperMethod({
    action: 'dev.nova.volume.resize',
    summary: 'Grow a disk image Nova created',
    input: z
      .object({
        project: ResourceName.optional(),
        pool: ResourceName,
        name: VolumeSpec.shape.name,
        capacityBytes: VolumeSpec.shape.capacityBytes,
      })
      .strict(),
    output: Empty,
  }),
  DeleteVolume: helperMethod({
    action: 'dev.nova.volume.delete',
    summary: 'Delete a disk image Nova created',
    input: z
      .object({ project: ResourceName.optional(), pool: ResourceName, name: VolumeSpec.shape.name })
      .strict(),
    output: Empty,
  }),
  UploadVolume: helperMethod({
    action: 'dev.nova.volume.upload',
    summary:
      'Copy a file into a storage pool as a new disk image; the file is read with the caller’s own rights, and images that point at a backing file are refused',
    input: z
      .object({
        project: ResourceName.optional(),
        pool: ResourceName,
        name: VolumeSpec.shape.name,
        source: AbsolutePath,
        format: z.enum(['qcow2', 'raw', 'iso']).optional(),
      })
      .strict(),
    output: z.object({ path: z.string(), format: z.string(), sizeBytes: z.number().int() }),
  }),
};
