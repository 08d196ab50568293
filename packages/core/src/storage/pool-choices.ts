// Which storage pools a disk image may be copied into, and what to tell a person who named one that
// does not exist. Pure: the pools come from the helper's ListStorage.
import type { StoragePoolSummary } from '../contract/helper-types.js';
import { DEFAULT_DISK_DIRECTORY, DEFAULT_POOL_NAME } from '../novafile/resolve.js';
import type { StoragePoolChoice } from '../wizard/answers.js';

/** The pool that stands in for the default one: nova-disks, else a pool that holds its folder. */
export function defaultPoolOf(pools: readonly StoragePoolSummary[]): StoragePoolSummary | undefined {
  return (
    pools.find((pool) => pool.name === DEFAULT_POOL_NAME) ??
    pools.find((pool) => pool.path === DEFAULT_DISK_DIRECTORY)
  );
}

/** The default pool first (marked as not existing before its first use), then the others by name. */
export function storagePoolChoices(pools: readonly StoragePoolSummary[]): StoragePoolChoice[] {
  const standIn = defaultPoolOf(pools);
  const choice = (pool: StoragePoolSummary): StoragePoolChoice => ({
    name: pool.name,
    path: pool.path,
    isDefault: pool === standIn,
    exists: true,
    active: pool.active,
    madeByNova: pool.origin === 'nova',
  });
  const first: StoragePoolChoice =
    standIn === undefined
      ? {
          name: DEFAULT_POOL_NAME,
          path: DEFAULT_DISK_DIRECTORY,
          isDefault: true,
          exists: false,
          active: false,
          madeByNova: true,
        }
      : choice(standIn);
  const others = pools
    .filter((pool) => pool !== standIn)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(choice);
  return [first, ...others];
}

/** How a person can make a pool, or pick one, when the one they named does not exist. */
export function missingPoolHint(name: string, pools: readonly StoragePoolSummary[]): string {
  const listed =
    pools.length === 0
      ? 'There are no storage pools on this host yet.'
      : `Storage pools on this host: ${[...pools]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((pool) => `${pool.name} (${pool.path})`)
          .join(', ')}.`;
  return [
    listed,
    `Choose one of them, or leave the pool out to use ${DEFAULT_POOL_NAME} (Nova makes it in ${DEFAULT_DISK_DIRECTORY} on first use).`,
    `To make "${name}", declare it in the NovaFile ([storage.${name}] with directory = "/path/to/folder") and run nova apply.`,
  ].join(' ');
}
