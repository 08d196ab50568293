// Names and paths Nova derives from a NovaFile: the project, Linux bridge and storage pool names, and
// paths of the file made absolute. Pure.
import { basename, isAbsolute, normalize, resolve as resolvePath } from 'node:path';

import type { NovaFileModel } from './schema.js';
import { shortHash } from './spec-hash.js';

/** Where VM disk images go when the file names no folder, and the pool Nova makes for that folder. */
export const DEFAULT_DISK_DIRECTORY = '/var/lib/nova/disks';
export const DEFAULT_POOL_NAME = 'nova-disks';

/** The project a file belongs to: its `project`, else its folder's name made safe. */
export function projectName(model: NovaFileModel, fileDir: string): string {
  if (model.project !== undefined) return model.project;
  const fromFolder = basename(fileDir)
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return fromFolder === '' ? 'default' : fromFolder.slice(0, 63);
}

/** A Linux bridge name (at most 15 characters) for a Nova network. */
export function bridgeNameFor(network: string): string {
  const name = `nv-${network}`;
  return name.length <= 15 ? name : `nv-${network.slice(0, 7)}-${shortHash(network)}`;
}

/** The name of the pool Nova makes for a disk folder that no pool holds yet. */
export function implicitPoolName(directory: string): string {
  return directory === DEFAULT_DISK_DIRECTORY
    ? DEFAULT_POOL_NAME
    : `nova-${basename(directory).slice(0, 40) || 'root'}-${shortHash(directory)}`;
}

/** A path of the file, absolute: relative paths are relative to the file's folder. */
export function absolute(fileDir: string, path: string): string {
  return normalize(isAbsolute(path) ? path : resolvePath(fileDir, path));
}
