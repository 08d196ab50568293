// The recovery tests' services (e2e/support/recovery.ts): what is killed, how the bus is kept from
// starting it again, and how it is brought back. Services the bus starts on demand (the helper,
// libvirt-dbus, polkitd) would come back at the next call: to be seen down they are held down, their
// activation file set aside (renamed in place, with a suffix the bus ignores) and the bus told to
// reload. Whatever happens, every service is given back.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import type { SourceId } from '@nova/core';

import { mustRun, run, startLibvirtd } from './lab.js';

const SERVICE_DIR = '/usr/share/dbus-1/system-services';
/** The bus reads only files ending in .service: one renamed with this suffix is set aside. */
const HELD_SUFFIX = '.nova-recovery-held';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails naming `what` (and the last thing seen) after `timeoutMs`. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  seen: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + Math.max(0, timeoutMs);
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) {
      const last = seen();
      throw new Error(
        `${what}: not within ${String(timeoutMs)} ms${last === '' ? '' : ` (last seen: ${last})`}`,
      );
    }
    await sleep(100);
  }
}

// ── the bus ──

function dbusSend(member: string, ...args: string[]) {
  return run('dbus-send', [
    '--system',
    '--print-reply',
    '--reply-timeout=10000',
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    `org.freedesktop.DBus.${member}`,
    ...args,
  ]);
}

async function reloadBus(): Promise<void> {
  const result = await dbusSend('ReloadConfig');
  if (result.code !== 0) throw new Error(`the bus did not reload its configuration: ${result.stderr}`);
}

async function activatable(busName: string): Promise<boolean> {
  const result = await dbusSend('ListActivatableNames');
  if (result.code !== 0) throw new Error(`ListActivatableNames failed: ${result.stderr}`);
  return result.stdout.includes(`"${busName}"`);
}

/** The pid of the process that owns a bus name, if any does. */
export async function busOwnerPid(busName: string): Promise<number | undefined> {
  const result = await dbusSend('GetConnectionUnixProcessID', `string:${busName}`);
  const match = /uint32 (\d+)/.exec(result.stdout);
  return result.code === 0 && match?.[1] !== undefined ? Number(match[1]) : undefined;
}

/** Keeps the bus from starting a service again: its activation file is set aside, the bus reloaded. */
export async function holdActivation(file: string, busName: string): Promise<void> {
  renameSync(file, `${file}${HELD_SUFFIX}`);
  await reloadBus();
  if (await activatable(busName)) throw new Error(`the bus still activates ${busName} after a reload`);
}

/** Gives the bus back every activation file set aside (also by a run that died half-way). */
export async function releaseActivations(): Promise<void> {
  let released = false;
  for (const entry of readdirSync(SERVICE_DIR)) {
    if (!entry.endsWith(HELD_SUFFIX)) continue;
    const held = join(SERVICE_DIR, entry);
    const original = held.slice(0, -HELD_SUFFIX.length);
    // A reinstall (install-helper) may have put a new one in place meanwhile: that one stays.
    if (existsSync(original)) rmSync(held);
    else renameSync(held, original);
    released = true;
  }
  if (released) await reloadBus();
}

// ── processes ──

/** Whether a process runs: it exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of running processes whose argv `match` accepts. */
function pidsWhere(match: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((arg) => arg !== '');
      if (match(argv) && alive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const programIs = (argv: string[], name: string) => argv[0]?.split('/').at(-1) === name;

// ── what is killed ──

export type Change =
  /** A VM defined with virsh while the backend is down. */
  | 'vm-while-down'
  /** A domain file written where libvirtd loads it at start, while it is down; and a VM defined with virsh right after it is back. */
  | 'vm-file-while-down'
  /** A container started with the engine's own CLI right after the engine is back. */
  | 'container-after-back';

export interface Backend {
  /** What the test calls it. */
  label: string;
  /** The window's source that this failure makes unavailable. */
  source: SourceId;
  /** What every message about the failure must name. */
  names: RegExp;
  /** The exporter's series that goes to 0 while it is down. */
  metric: { name: 'nova_helper_up' } | { name: 'nova_backend_up'; backend: string };
  /** The running process(es) to kill; waits until there is one (bus-activated ones start on demand). */
  pids(): Promise<number[]>;
  /** Bus-activated: its activation file and bus name. */
  activation?: { file: string; busName: string };
  /** Brings it back (its own start, or the activation file returned); resolves once it may answer. */
  restore(): Promise<void>;
  change: Change;
}

async function ownerPids(busName: string): Promise<number[]> {
  let pid: number | undefined;
  // Nova's windows and exporter call these all the time; a call of ours starts one otherwise.
  await waitUntil(`a process owning ${busName}`, 30_000, async () => {
    pid = await busOwnerPid(busName);
    if (pid === undefined)
      await run('dbus-send', [
        '--system',
        '--print-reply',
        `--dest=${busName}`,
        '/',
        'org.freedesktop.DBus.Peer.Ping',
      ]);
    return pid !== undefined;
  });
  return pid === undefined ? [] : [pid];
}

function lab(...args: string[]): Promise<string> {
  return mustRun('bash', ['scripts/lab.sh', ...args], { timeoutMs: 180_000 });
}

export const BACKENDS = {
  helper: {
    label: 'Nova’s helper',
    source: 'libvirt',
    names: /Nova.s helper|dev\.nova\.Helper1/,
    metric: { name: 'nova_helper_up' },
    pids: () => ownerPids('dev.nova.Helper1'),
    activation: { file: join(SERVICE_DIR, 'dev.nova.Helper1.service'), busName: 'dev.nova.Helper1' },
    restore: releaseActivations,
    change: 'vm-while-down',
  },
  'libvirt-dbus': {
    label: 'libvirt-dbus',
    source: 'libvirt',
    names: /libvirt-dbus/,
    metric: { name: 'nova_backend_up', backend: 'libvirt' },
    pids: () => ownerPids('org.libvirt'),
    activation: { file: join(SERVICE_DIR, 'org.libvirt.service'), busName: 'org.libvirt' },
    restore: releaseActivations,
    change: 'vm-while-down',
  },
  libvirtd: {
    label: 'libvirtd',
    source: 'libvirt',
    names: /libvirtd/,
    metric: { name: 'nova_backend_up', backend: 'libvirt' },
    pids: () => Promise.resolve(pidsWhere((argv) => programIs(argv, 'libvirtd'))),
    restore: startLibvirtd,
    change: 'vm-file-while-down',
  },
  dockerd: {
    label: 'dockerd',
    source: 'docker',
    names: /docker/i,
    metric: { name: 'nova_backend_up', backend: 'docker' },
    pids: () => Promise.resolve(pidsWhere((argv) => programIs(argv, 'dockerd'))),
    restore: () => lab('engine', 'start', 'docker').then(() => undefined),
    change: 'container-after-back',
  },
  podman: {
    label: 'Podman’s API service',
    source: 'podman',
    names: /podman/i,
    metric: { name: 'nova_backend_up', backend: 'podman' },
    pids: () =>
      Promise.resolve(
        pidsWhere((argv) => programIs(argv, 'podman') && argv.includes('system') && argv.includes('service')),
      ),
    restore: () => lab('engine', 'start', 'podman').then(() => undefined),
    change: 'container-after-back',
  },
  polkitd: {
    label: 'polkitd',
    source: 'libvirt',
    names: /polkit/,
    metric: { name: 'nova_backend_up', backend: 'polkit' },
    pids: () => ownerPids('org.freedesktop.PolicyKit1'),
    activation: {
      file: join(SERVICE_DIR, 'org.freedesktop.PolicyKit1.service'),
      busName: 'org.freedesktop.PolicyKit1',
    },
    restore: releaseActivations,
    change: 'vm-while-down',
  },
} satisfies Record<string, Backend>;

/** Whether a Docker-compatible engine answers its ping on this socket (no CLI to start: it is quick). */
function enginePings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

/**
 * Whatever happened, every service is back: the activation files set aside, then anything down
 * (libvirtd, dockerd, Podman's service, polkitd) started as the lab starts it.
 */
export async function restoreLab(): Promise<void> {
  await releaseActivations();
  const answers = (file: string, args: string[]) =>
    run(file, args, { timeoutMs: 15_000 }).then((result) => result.code === 0);
  // Only what these tests stop: every other part of the lab is someone else's to check.
  const up = await Promise.all([
    answers('virsh', ['-c', 'qemu:///system', 'uri']),
    enginePings('/var/run/docker.sock'),
    enginePings('/run/podman/podman.sock'),
    answers('dbus-send', [
      '--system',
      '--print-reply',
      '--dest=org.freedesktop.PolicyKit1',
      '/org/freedesktop/PolicyKit1/Authority',
      'org.freedesktop.DBus.Peer.Ping',
    ]),
  ]);
  if (up.includes(false)) await lab('up', '--runtime', '--no-helper');
}
