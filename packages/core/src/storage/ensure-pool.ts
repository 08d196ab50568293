// Making sure the storage pool a disk image is about to be written into exists and runs. Nova's default
// pool (nova-disks in /var/lib/nova/disks) is made on first use, as virt-manager makes its `default`,
// with the same spec NovaFile apply gives it; a pool the person named must exist already.
import { NovaError, toErrorData } from '../contract/errors.js';
import type { HelperCall } from '../contract/helper/index.js';
import type { StoragePoolSummary } from '../contract/helper-types.js';
import type { PoolSpec } from '../contract/specs.js';
import { DEFAULT_DISK_DIRECTORY, DEFAULT_POOL_NAME, specHash } from '../novafile/resolve.js';
import { defaultPoolOf, missingPoolHint } from './pool-choices.js';

export interface EnsuredPool {
  /** The pool to write into: the one named, or for the default the pool that holds its folder. */
  name: string;
  /** Its folder. */
  path: string;
  /** What it took: nothing, creating the default pool, or starting a stopped pool. */
  action: 'none' | 'created' | 'started';
}

export interface EnsurePoolOptions {
  /** The Nova project recorded as the maker of a pool created here (default "default"). */
  project?: string;
}

/** A pool spec with its ownership hash, as resolving a NovaFile makes one. */
function poolSpec(
  name: string,
  project: string,
  path: string,
  shared: boolean,
  createFolder: boolean,
): PoolSpec {
  const draft: PoolSpec = {
    name,
    ownership: { project, name, specHash: '' },
    path,
    shared,
    createFolder,
  };
  return { ...draft, ownership: { ...draft.ownership, specHash: specHash(draft) } };
}

/** The helper's error with what Nova was doing in front; its code and hint stay. */
function withContext(err: unknown, doing: string): NovaError {
  const error = toErrorData(err);
  return new NovaError(error.code, `${doing}: ${error.message}`, error.detail);
}

/** Starts a stopped pool Nova made (DefinePool starts an existing pool of Nova's); others are refused. */
async function startPool(
  helper: HelperCall,
  pool: StoragePoolSummary,
  project: string,
  progress: (message: string) => void,
): Promise<EnsuredPool> {
  if (pool.origin !== 'nova' || pool.path === '') {
    throw new NovaError(
      'conflict',
      `storage pool "${pool.name}" is not running`,
      `Nova starts only the pools it made. Start it with: virsh -c qemu:///system pool-start ${pool.name}; or choose another pool.`,
    );
  }
  try {
    await helper('DefinePool', {
      spec: poolSpec(pool.name, pool.project ?? project, pool.path, pool.shared === true, false),
    });
  } catch (err) {
    throw withContext(err, `cannot start storage pool ${pool.name}`);
  }
  progress(`storage pool ${pool.name} was not running: started it`);
  return { name: pool.name, path: pool.path, action: 'started' };
}

/**
 * Makes sure the pool exists and is active before a disk image is written into it, and says what it
 * did through `progress`. The default pool is created when missing; any other missing pool is a
 * `not-found` error that lists the pools there are and how to make one.
 */
export async function ensureStoragePool(
  helper: HelperCall,
  name: string,
  progress: (message: string) => void,
  options: EnsurePoolOptions = {},
): Promise<EnsuredPool> {
  const project = options.project ?? 'default';
  const { pools } = await helper('ListStorage', {});
  const found =
    pools.find((pool) => pool.name === name) ??
    (name === DEFAULT_POOL_NAME ? defaultPoolOf(pools) : undefined);
  if (found !== undefined) {
    if (found.name !== name)
      progress(`using storage pool ${found.name}: it holds ${DEFAULT_DISK_DIRECTORY}, the folder of ${name}`);
    if (found.active) return { name: found.name, path: found.path, action: 'none' };
    return startPool(helper, found, project, progress);
  }
  if (name !== DEFAULT_POOL_NAME) {
    throw new NovaError(
      'not-found',
      `there is no storage pool named "${name}"`,
      missingPoolHint(name, pools),
    );
  }
  try {
    await helper('DefinePool', {
      spec: poolSpec(DEFAULT_POOL_NAME, project, DEFAULT_DISK_DIRECTORY, true, true),
    });
  } catch (err) {
    throw withContext(err, `cannot create storage pool ${DEFAULT_POOL_NAME} in ${DEFAULT_DISK_DIRECTORY}`);
  }
  progress(`storage pool ${DEFAULT_POOL_NAME} did not exist: created it in ${DEFAULT_DISK_DIRECTORY}`);
  return { name: DEFAULT_POOL_NAME, path: DEFAULT_DISK_DIRECTORY, action: 'created' };
}
