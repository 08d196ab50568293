// Host bridges through iproute2 (argv, JSON output). Creating one with an uplink moves the uplink's
// addresses and default routes to the bridge; every step is undone if a later one fails.
import { execFile } from 'node:child_process';

import { type HostBridgeSpec, type HostBridgeSummary, NovaError } from '@nova/core';

import type { OriginRegistry } from './origins.js';

export interface BridgeRecord {
  project: string;
  uplink?: string;
  /** "10.0.0.2/24" and the like, moved from the uplink. */
  addresses: string[];
  /** Default gateways that went through the uplink. */
  gateways: { via: string; metric?: number }[];
}

export type Ip = (args: string[]) => Promise<string>;

export const ip: Ip = (args) =>
  new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 15_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || error.message}`));
    });
  });

interface LinkJson {
  ifname?: string;
  operstate?: string;
  master?: string;
  address?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string };
}

interface AddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string; dynamic?: boolean }[];
}

interface RouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
  metric?: number;
}

async function links(run: Ip): Promise<LinkJson[]> {
  return JSON.parse(await run(['-j', '-d', 'link', 'show'])) as LinkJson[];
}

function originOf(name: string, registered: boolean): HostBridgeSummary['origin'] {
  if (registered) return 'nova';
  if (/^virbr\d+$/.test(name) || name.startsWith('nv-')) return 'libvirt';
  if (
    name === 'docker0' ||
    /^br-[0-9a-f]{12}$/.test(name) ||
    name === 'podman0' ||
    /^cni-podman\d+$/.test(name)
  )
    return 'docker';
  return 'system';
}

export async function listHostBridges(origins: OriginRegistry, run: Ip = ip): Promise<HostBridgeSummary[]> {
  const all = await links(run);
  const registry = (await origins.read()).bridges;
  return all
    .filter((link) => link.linkinfo?.info_kind === 'bridge' && link.ifname !== undefined)
    .map((link) => {
      const name = link.ifname ?? '';
      const record = registry[name];
      return {
        name,
        state: link.operstate ?? 'UNKNOWN',
        members: all
          .filter((member) => member.master === name && member.ifname !== undefined)
          .map((member) => member.ifname ?? ''),
        origin: originOf(name, record !== undefined),
        ...(record === undefined ? {} : { project: record.project }),
        ...(record?.uplink === undefined ? {} : { uplink: record.uplink }),
      };
    });
}

/** Runs steps in order; when one fails, runs the undo of those that succeeded, newest first. */
async function transaction(
  steps: { run: () => Promise<unknown>; undo?: () => Promise<unknown> }[],
): Promise<void> {
  const done: (() => Promise<unknown>)[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      for (const undo of done.reverse()) await undo().catch(() => undefined);
      throw err;
    }
    if (step.undo !== undefined) done.push(step.undo);
  }
}

export async function createHostBridge(
  spec: HostBridgeSpec,
  takeUplink: boolean,
  origins: OriginRegistry,
  run: Ip = ip,
): Promise<string[]> {
  const { name, uplink } = spec;
  const all = await links(run);
  const existing = all.find((link) => link.ifname === name);
  const record = (await origins.read()).bridges[name];
  if (existing !== undefined) {
    if (record?.project !== spec.ownership.project) {
      throw new NovaError(
        'conflict',
        `an interface named "${name}" exists and Nova did not create it for project "${spec.ownership.project}"`,
      );
    }
    if (record.uplink !== uplink)
      throw new NovaError(
        'conflict',
        `bridge "${name}" exists with another uplink (${record.uplink ?? 'none'})`,
      );
    return [];
  }
  const steps: { run: () => Promise<unknown>; undo?: () => Promise<unknown> }[] = [
    {
      run: () => run(['link', 'add', 'name', name, 'type', 'bridge', 'stp_state', spec.stp ? '1' : '0']),
      undo: () => run(['link', 'del', name]),
    },
  ];
  const addresses: string[] = [];
  const gateways: BridgeRecord['gateways'] = [];
  if (uplink !== undefined) {
    if (!takeUplink) {
      throw new NovaError(
        'not-authorized',
        `enslaving ${uplink} to bridge ${name} can cut this host's network connection, and the caller did not consent to it`,
        'Pass --allow-uplink ' + uplink + ' to nova apply.',
      );
    }
    const link = all.find((l) => l.ifname === uplink);
    if (link === undefined) throw new NovaError('not-found', `there is no host interface named "${uplink}"`);
    if (link.link_type === 'loopback' || link.linkinfo?.info_kind === 'bridge')
      throw new NovaError('invalid-input', `${uplink} cannot be the uplink of a bridge`);
    if (link.master !== undefined)
      throw new NovaError('conflict', `${uplink} is already part of bridge ${link.master}`);
    const [addrJson] = JSON.parse(await run(['-j', 'addr', 'show', 'dev', uplink])) as AddrJson[];
    for (const info of addrJson?.addr_info ?? []) {
      if (info.scope === 'global' && info.local !== undefined && info.prefixlen !== undefined)
        addresses.push(`${info.local}/${info.prefixlen}`);
    }
    const routes = JSON.parse(await run(['-j', 'route', 'show', 'default', 'dev', uplink])) as RouteJson[];
    for (const route of routes)
      if (route.gateway !== undefined)
        gateways.push({
          via: route.gateway,
          ...(route.metric === undefined ? {} : { metric: route.metric }),
        });
    // The bridge takes the uplink's MAC, so that DHCP servers and switches see the same host.
    if (link.address !== undefined)
      steps.push({ run: () => run(['link', 'set', name, 'address', link.address ?? '']) });
    steps.push({
      run: () => run(['link', 'set', uplink, 'master', name]),
      undo: () => run(['link', 'set', uplink, 'nomaster']),
    });
    for (const address of addresses) {
      steps.push({
        run: () => run(['addr', 'del', address, 'dev', uplink]),
        undo: () => run(['addr', 'add', address, 'dev', uplink]),
      });
    }
    steps.push({ run: () => run(['link', 'set', name, 'up']) });
    for (const address of addresses) {
      steps.push({
        run: () => run(['addr', 'add', address, 'dev', name]),
        undo: () => run(['addr', 'del', address, 'dev', name]),
      });
    }
    for (const gateway of gateways) {
      const metric = gateway.metric === undefined ? [] : ['metric', String(gateway.metric)];
      steps.push({
        run: () => run(['route', 'replace', 'default', 'via', gateway.via, 'dev', name, ...metric]),
        undo: () => run(['route', 'replace', 'default', 'via', gateway.via, 'dev', uplink, ...metric]),
      });
    }
  } else {
    steps.push({ run: () => run(['link', 'set', name, 'up']) });
  }
  steps.push({
    run: () =>
      origins.update((o) => {
        o.bridges[name] = {
          project: spec.ownership.project,
          ...(uplink === undefined ? {} : { uplink }),
          addresses,
          gateways,
        };
      }),
  });
  await transaction(steps);
  return addresses;
}

export async function deleteHostBridge(
  project: string,
  name: string,
  origins: OriginRegistry,
  run: Ip = ip,
): Promise<void> {
  const record = (await origins.read()).bridges[name];
  if (record === undefined)
    throw new NovaError(
      'conflict',
      `bridge "${name}" was not created by Nova; Nova does not change system bridges`,
    );
  if (record.project !== project)
    throw new NovaError(
      'conflict',
      `bridge "${name}" belongs to Nova project "${record.project}", not to "${project}"`,
    );
  const exists = (await links(run)).some((link) => link.ifname === name);
  if (exists) {
    const { uplink } = record;
    const steps: { run: () => Promise<unknown> }[] = [];
    if (uplink !== undefined) {
      for (const address of record.addresses)
        steps.push({ run: () => run(['addr', 'del', address, 'dev', name]).catch(() => undefined) });
      steps.push({ run: () => run(['link', 'set', uplink, 'nomaster']) });
      for (const address of record.addresses)
        steps.push({ run: () => run(['addr', 'replace', address, 'dev', uplink]) });
      for (const gateway of record.gateways) {
        const metric = gateway.metric === undefined ? [] : ['metric', String(gateway.metric)];
        steps.push({
          run: () => run(['route', 'replace', 'default', 'via', gateway.via, 'dev', uplink, ...metric]),
        });
      }
    }
    steps.push({ run: () => run(['link', 'del', name]) });
    for (const step of steps) await step.run();
  }
  await origins.update((o) => {
    Reflect.deleteProperty(o.bridges, name);
  });
}
