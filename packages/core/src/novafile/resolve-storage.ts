// The NovaFile's storage pools as Nova creates them, and the pools it makes up for folders the file's
// VMs keep disk images and other files in without declaring a pool. Pure.
import type { PoolSpec } from '../contract/specs.js';
import { absolute, implicitPoolName } from './resolve-names.js';
import type { DesiredPool, ResolveContext, ResolveIssue } from './resolve-types.js';
import type { NovaFileModel } from './schema.js';
import { owned } from './spec-hash.js';

/** The pool that holds a folder, made up (and added to the pools) when none does yet. */
export type PoolFor = (directory: string, createFolder?: boolean) => string;

export function resolveStorage(
  project: string,
  model: NovaFileModel,
  context: ResolveContext,
  issues: ResolveIssue[],
): { pools: DesiredPool[]; poolFor: PoolFor } {
  const mark = (name: string) => ({ project, name });
  const pools: DesiredPool[] = [];
  const poolForDirectory = new Map<string, string>(context.poolsByPath);
  for (const [name, pool] of Object.entries(model.storage)) {
    if (pool.pool_type !== 'directory') {
      issues.push({
        path: ['storage', name, 'pool_type'],
        message: `storage pool "${name}": only directory pools can be applied`,
        hint: 'use pool_type = "directory"',
      });
      continue;
    }
    const path = absolute(context.fileDir, pool.directory);
    pools.push({
      spec: owned<PoolSpec>({
        name,
        ownership: mark(name),
        path,
        shared: false,
        createFolder: pool.auto_create,
      }),
      implicit: false,
    });
    poolForDirectory.set(path, name);
  }
  const poolFor: PoolFor = (directory, createFolder = true) => {
    const existing = poolForDirectory.get(directory);
    if (existing !== undefined) return existing;
    const name = implicitPoolName(directory);
    pools.push({
      spec: owned<PoolSpec>({ name, ownership: mark(name), path: directory, shared: true, createFolder }),
      implicit: true,
    });
    poolForDirectory.set(directory, name);
    return name;
  };
  return { pools, poolFor };
}
