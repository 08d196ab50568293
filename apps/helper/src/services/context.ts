import { type DomainRef, NovaError, type Target, type VmTarget } from '@nova/core';
import { parseDomainConfig, parseNetworkXml } from '@nova/core/node';

import type { KvmHealth } from '../kvm-health.js';
import type { LibvirtDbusClient } from '../libvirt/libvirt-dbus.js';
import type { LibvirtManager } from '../libvirt/libvirt-manage.js';
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

/** Nova changes what it created; something else only when the user said so (`foreign`). */
function checkOwner(
  what: string,
  name: string,
  target: Pick<Target, 'project' | 'foreign'>,
  owner: { project?: string | undefined } | undefined,
): void {
  if (owner === undefined) {
    if (target.foreign === true && target.project === undefined) return;
    throw conflict(
      `${what} "${name}" was not created by Nova, and Nova changes only what it created`,
      target.project === undefined
        ? `Say that you mean it (nova … --foreign), or use ${what === 'VM' ? 'virsh' : 'virsh net-*'}.`
        : 'Rename it in your NovaFile, or remove the other one yourself.',
    );
  }
  if (target.project !== undefined && owner.project !== target.project) {
    throw conflict(
      `${what} "${name}" belongs to Nova project "${owner.project ?? '?'}", not to "${target.project}"`,
    );
  }
}

/** How a person reads the VM a request names: "web" or "with UUID 0f…". */
export function domainLabel(ref: DomainRef | VmTarget): string {
  return ref.uuid === undefined ? `named "${ref.name ?? ''}"` : `with UUID ${ref.uuid}`;
}

/** The object path of the VM a request names, by its UUID or its name. */
export async function domainPathOf(ctx: HelperContext, ref: DomainRef | VmTarget): Promise<string> {
  const path =
    ref.uuid === undefined
      ? await ctx.manager.domainPath(ref.name ?? '')
      : await ctx.manager.domainPathByUuid(ref.uuid);
  if (path === undefined) throw new NovaError('not-found', `there is no VM ${domainLabel(ref)}`);
  return path;
}

/** The VM a change is for, once its owner allows the change; `name` is its name now. */
export async function domainTarget(
  ctx: HelperContext,
  target: VmTarget,
): Promise<{ path: string; name: string; config: ReturnType<typeof parseDomainConfig> }> {
  const path = await domainPathOf(ctx, target);
  const config = parseDomainConfig(await ctx.manager.domainXml(path));
  checkOwner('VM', config.name, target, config.nova);
  return { path, name: config.name, config };
}

export async function networkTarget(ctx: HelperContext, target: Target): Promise<string> {
  const path = await ctx.manager.networkPath(target.name);
  if (path === undefined) throw new NovaError('not-found', `there is no network named "${target.name}"`);
  checkOwner('network', target.name, target, parseNetworkXml(await ctx.manager.networkXml(path)).nova);
  return path;
}

export async function poolPath(ctx: HelperContext, name: string): Promise<string> {
  const path = await ctx.manager.poolPath(name);
  if (path === undefined) throw new NovaError('not-found', `there is no storage pool named "${name}"`);
  return path;
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
