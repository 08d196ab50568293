import { NovaError } from '@nova/core';
import {
  type LibvirtDbusClient,
  type LibvirtManager,
  parseDomainConfig,
  parseNetworkXml,
} from '@nova/core/node';

import type { KvmHealth } from '../kvm-health.js';
import type { OriginRegistry } from '../origins.js';
import type { RootEngines } from './containers.js';

/** What the helper's methods work with. */
export interface HelperContext {
  libvirt: LibvirtDbusClient;
  manager: LibvirtManager;
  origins: OriginRegistry;
  kvm: KvmHealth;
  /** Docker's and Podman's root-owned sockets. */
  engines: RootEngines;
}

export function conflict(message: string, detail?: string): NovaError {
  return new NovaError('conflict', message, detail);
}

/** Which object a change is for, and whose it must be (see Target in the contract). */
export interface Target {
  name: string;
  project?: string | undefined;
  foreign?: boolean | undefined;
}

/** Nova changes what it created; something else only when the user said so (`foreign`). */
function checkOwner(what: string, target: Target, owner: { project?: string | undefined } | undefined): void {
  if (owner === undefined) {
    if (target.foreign === true && target.project === undefined) return;
    throw conflict(
      `${what} "${target.name}" was not created by Nova, and Nova changes only what it created`,
      target.project === undefined
        ? `Say that you mean it (nova … --foreign), or use ${what === 'VM' ? 'virsh' : 'virsh net-*'}.`
        : 'Rename it in your NovaFile, or remove the other one yourself.',
    );
  }
  if (target.project !== undefined && owner.project !== target.project) {
    throw conflict(
      `${what} "${target.name}" belongs to Nova project "${owner.project ?? '?'}", not to "${target.project}"`,
    );
  }
}

export async function domainTarget(
  ctx: HelperContext,
  target: Target,
): Promise<{ path: string; config: ReturnType<typeof parseDomainConfig> }> {
  const path = await ctx.manager.domainPath(target.name);
  if (path === undefined) throw new NovaError('not-found', `there is no VM named "${target.name}"`);
  const config = parseDomainConfig(await ctx.manager.domainXml(path));
  checkOwner('VM', target, config.nova);
  return { path, config };
}

export async function networkTarget(ctx: HelperContext, target: Target): Promise<string> {
  const path = await ctx.manager.networkPath(target.name);
  if (path === undefined) throw new NovaError('not-found', `there is no network named "${target.name}"`);
  checkOwner('network', target, parseNetworkXml(await ctx.manager.networkXml(path)).nova);
  return path;
}

export async function poolPath(ctx: HelperContext, name: string): Promise<string> {
  const path = await ctx.manager.poolPath(name);
  if (path === undefined) throw new NovaError('not-found', `there is no storage pool named "${name}"`);
  return path;
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
