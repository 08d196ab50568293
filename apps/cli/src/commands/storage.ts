// `nova storage …`: libvirt storage pools and the disk images in them.
import { resolve as resolvePath } from 'node:path';

import { NovaError, type StoragePoolSummary } from '@nova/core';
import { ensureStoragePool } from '@nova/core/node';
import { type Command, Option } from 'commander';

import { table } from '../format.js';
import {
  addJsonOption,
  addYesOption,
  callHelper,
  checkName,
  checkVolumeName,
  checkVolumeSize,
  type CommandContext,
  confirmDeletion,
  done,
  humanBytes,
  type JsonOption,
  reporting,
  show,
} from './shared.js';

/** The project a disk image made from the command line belongs to, unless --project names one. */
const DEFAULT_PROJECT = 'default';

type Volume = StoragePoolSummary['volumes'][number] & { pool: string };

interface VolumeOptions extends JsonOption {
  project?: string;
}

function owner(origin: string, project: string | undefined, shared?: boolean): string {
  if (shared === true) return `${origin} (shared)`;
  return project === undefined ? origin : `${origin} (${project})`;
}

function formatPools(pools: readonly StoragePoolSummary[]): string {
  if (pools.length === 0) return 'No storage pools.';
  return table([
    ['NAME', 'STATE', 'AUTOSTART', 'ORIGIN', 'VOLUMES', 'PATH'],
    ...[...pools]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((pool) => [
        pool.name,
        pool.active ? 'active' : 'inactive',
        pool.autostart ? 'yes' : 'no',
        owner(pool.origin, pool.project, pool.shared),
        pool.active ? String(pool.volumes.length) : '-',
        pool.path,
      ]),
  ]);
}

function formatVolumes(volumes: readonly Volume[]): string {
  if (volumes.length === 0) return 'No disk images.';
  return table([
    ['POOL', 'NAME', 'FORMAT', 'SIZE', 'ORIGIN', 'PATH'],
    ...volumes.map((volume) => [
      volume.pool,
      volume.name,
      volume.format,
      humanBytes(volume.capacityBytes),
      owner(volume.origin, volume.project),
      volume.path,
    ]),
  ]);
}

function projectOf(options: VolumeOptions): string | undefined {
  return options.project === undefined ? undefined : checkName(options.project, 'project name');
}

const addProjectOption = (command: Command, what: string): Command =>
  command.option('--project <project>', `${what} only if it belongs to this Nova project`);

/** The pool a new disk image goes to, made (nova-disks) or started first; says so on stderr. */
async function poolForNewImage(ctx: CommandContext, pool: string, project: string): Promise<string> {
  const ensured = await ensureStoragePool(
    (method, input) => callHelper(ctx, method, input),
    pool,
    (message) => {
      ctx.io.err(`nova: ${message}`);
    },
    { project },
  );
  return ensured.name;
}

export function registerStorageCommands(program: Command, ctx: CommandContext): void {
  const storage = program.command('storage').description('storage pools and the disk images in them');
  const pool = storage.command('pool').description('libvirt storage pools');

  addJsonOption(
    pool.command('list').description('list every storage pool with its folder, state, owner and images'),
  ).action((options: JsonOption) =>
    reporting(ctx, options, async () => {
      const result = await callHelper(ctx, 'ListStorage', {});
      show(ctx, options, result, ({ pools }) => formatPools(pools));
    }),
  );

  const volume = storage.command('volume').description('disk images (libvirt storage volumes)');

  addJsonOption(
    volume
      .command('list')
      .description('list the disk images of every pool, or of one')
      .argument('[pool]', 'the storage pool'),
  ).action((poolName: string | undefined, options: JsonOption) =>
    reporting(ctx, options, async () => {
      if (poolName !== undefined) checkName(poolName, 'storage pool name');
      const { pools } = await callHelper(ctx, 'ListStorage', {});
      const chosen = poolName === undefined ? pools : pools.filter((entry) => entry.name === poolName);
      if (poolName !== undefined && chosen.length === 0) {
        throw new NovaError(
          'not-found',
          `there is no storage pool named "${poolName}"`,
          'See the pools with: nova storage pool list',
        );
      }
      const volumes: Volume[] = chosen.flatMap((entry) =>
        entry.volumes.map((image) => ({ pool: entry.name, ...image })),
      );
      show(ctx, options, { volumes }, () => formatVolumes(volumes));
    }),
  );

  addJsonOption(
    volume
      .command('create')
      .description('create a disk image in a storage pool, owned by a Nova project')
      .argument('<pool>', 'the storage pool (nova-disks is made on first use)')
      .argument('<name>', 'the disk image’s name (its file name in the pool)')
      .requiredOption('--size <size>', 'its capacity, such as 10Gi (Gi = 1024³ bytes) or 10G')
      .addOption(new Option('--format <format>', 'its format').choices(['qcow2', 'raw']).default('qcow2'))
      .option('--project <project>', 'the Nova project that owns it', DEFAULT_PROJECT),
  ).action(
    (
      poolName: string,
      name: string,
      options: JsonOption & { size: string; format: 'qcow2' | 'raw'; project: string },
    ) =>
      reporting(ctx, options, async () => {
        checkName(poolName, 'storage pool name');
        checkVolumeName(name);
        const project = checkName(options.project, 'project name');
        const capacityBytes = checkVolumeSize(options.size);
        const pool = await poolForNewImage(ctx, poolName, project);
        const result = await callHelper(ctx, 'CreateVolume', {
          project,
          spec: { pool, name, format: options.format, capacityBytes },
        });
        done(
          ctx,
          options,
          result,
          `Created disk image ${pool}/${name} (${options.format}, ${humanBytes(capacityBytes)}) for project "${project}": ${result.path}`,
        );
      }),
  );

  addJsonOption(
    volume
      .command('upload')
      .description(
        'copy a file into a storage pool as a new disk image (the file is read with your own rights)',
      )
      .argument('<pool>', 'the storage pool (nova-disks is made on first use)')
      .argument('<name>', 'the disk image’s name (its file name in the pool)')
      .argument('<file>', 'the file to copy: a qcow2 or raw image, or an ISO')
      .addOption(
        new Option('--format <format>', 'refuse the file unless it is this').choices(['qcow2', 'raw', 'iso']),
      )
      .option('--project <project>', 'the Nova project that owns it', DEFAULT_PROJECT),
  ).action(
    (
      poolName: string,
      name: string,
      file: string,
      options: JsonOption & { format?: 'qcow2' | 'raw' | 'iso'; project: string },
    ) =>
      reporting(ctx, options, async () => {
        checkName(poolName, 'storage pool name');
        checkVolumeName(name);
        const project = checkName(options.project, 'project name');
        const source = resolvePath(file);
        const pool = await poolForNewImage(ctx, poolName, project);
        const result = await callHelper(ctx, 'UploadVolume', {
          project,
          pool,
          name,
          source,
          ...(options.format === undefined ? {} : { format: options.format }),
        });
        done(
          ctx,
          options,
          result,
          `Copied ${source} into ${pool}/${name} (${result.format}, ${humanBytes(result.sizeBytes)}): ${result.path}`,
        );
      }),
  );

  addJsonOption(
    addProjectOption(
      volume
        .command('resize')
        .description('grow a disk image Nova created')
        .argument('<pool>', 'the storage pool')
        .argument('<name>', 'the disk image')
        .requiredOption('--size <size>', 'its new capacity, such as 20Gi'),
      'resize it',
    ),
  ).action((poolName: string, name: string, options: VolumeOptions & { size: string }) =>
    reporting(ctx, options, async () => {
      checkName(poolName, 'storage pool name');
      checkVolumeName(name);
      const project = projectOf(options);
      const capacityBytes = checkVolumeSize(options.size);
      const result = await callHelper(ctx, 'ResizeVolume', {
        ...(project === undefined ? {} : { project }),
        pool: poolName,
        name,
        capacityBytes,
      });
      done(
        ctx,
        options,
        { ...result, capacityBytes },
        `Disk image ${poolName}/${name} is ${humanBytes(capacityBytes)} now.`,
      );
    }),
  );

  addJsonOption(
    addYesOption(
      addProjectOption(
        volume
          .command('delete')
          .description('delete a disk image Nova created')
          .argument('<pool>', 'the storage pool')
          .argument('<name>', 'the disk image'),
        'delete it',
      ),
    ),
  ).action((poolName: string, name: string, options: VolumeOptions & { yes?: boolean }) =>
    reporting(ctx, options, async () => {
      checkName(poolName, 'storage pool name');
      checkVolumeName(name);
      const project = projectOf(options);
      await confirmDeletion(
        ctx,
        options,
        `disk image ${poolName}/${name}`,
        `Delete disk image ${poolName}/${name}? Its data is lost.`,
      );
      const result = await callHelper(ctx, 'DeleteVolume', {
        ...(project === undefined ? {} : { project }),
        pool: poolName,
        name,
      });
      done(ctx, options, result, `Deleted disk image ${poolName}/${name}.`);
    }),
  );
}
