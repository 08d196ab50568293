// What a NAT bridge needs besides the bridge: its nftables table, its dnsmasq, and IPv4 forwarding.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { NovaError } from '@nova/core';

import type { Exec } from './commands.js';
import {
  DNSMASQ_LEASE_DIR,
  DNSMASQ_RUN_DIR,
  dnsmasqArgs,
  leaseFileOf,
  type NatPlan,
  natRuleset,
  NFT_FAMILY,
  nftTableName,
  pidFileOf,
} from './nat.js';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export async function loadNatRuleset(exec: Exec, plan: NatPlan): Promise<void> {
  await exec('nft', ['-f', '-'], natRuleset(plan));
}

async function natTableExists(exec: Exec, bridge: string): Promise<boolean> {
  try {
    await exec('nft', ['list', 'table', NFT_FAMILY, nftTableName(bridge)]);
    return true;
  } catch {
    return false;
  }
}

/** Deletes the bridge's table; a table already gone is fine. */
export async function deleteNatTable(exec: Exec, bridge: string): Promise<void> {
  if (!(await natTableExists(exec, bridge))) return;
  await exec('nft', ['delete', 'table', NFT_FAMILY, nftTableName(bridge)]);
}

export async function readIpForward(): Promise<boolean> {
  return (await readFile(IP_FORWARD, 'utf8')).trim() === '1';
}

export async function writeIpForward(enabled: boolean): Promise<void> {
  await writeFile(IP_FORWARD, enabled ? '1\n' : '0\n');
}

/** The argv of a live process, or undefined if it is gone (or a zombie). */
async function processArgv(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/s.test(stat)) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').filter((arg) => arg !== '');
  } catch {
    return undefined;
  }
}

/** Whether this process is the dnsmasq Nova started for this bridge (a pid file can outlive its process). */
function isOurDnsmasq(argv: string[] | undefined, bridge: string): boolean {
  if (argv === undefined || argv.length === 0) return false;
  return basename(argv[0] ?? '') === 'dnsmasq' && argv.includes(`--pid-file=${pidFileOf(bridge)}`);
}

/** The pid of the bridge's dnsmasq: from its pid file, else by looking for its argv in /proc. */
async function findDnsmasq(bridge: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFileOf(bridge), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 1 && isOurDnsmasq(await processArgv(pid), bridge)) return pid;
  } catch {
    // No pid file: look for the process itself below.
  }
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (isOurDnsmasq(await processArgv(pid), bridge)) return pid;
  }
  return undefined;
}

export async function startDnsmasq(exec: Exec, plan: NatPlan): Promise<void> {
  await mkdir(DNSMASQ_LEASE_DIR, { recursive: true, mode: 0o755 });
  await mkdir(DNSMASQ_RUN_DIR, { recursive: true, mode: 0o755 });
  // dnsmasq reports startup errors through its exit status and daemonizes only once it serves.
  await exec('dnsmasq', dnsmasqArgs(plan));
}

/** Sends a signal; a process that is already gone is what we wanted. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ESRCH') throw err;
  }
}

/** Stops the bridge's dnsmasq (TERM, then KILL after 5 s) and removes its pid file. */
export async function stopDnsmasq(bridge: string): Promise<void> {
  const pid = await findDnsmasq(bridge);
  if (pid !== undefined) {
    signal(pid, 'SIGTERM');
    for (let waited = 0; isOurDnsmasq(await processArgv(pid), bridge); waited += 50) {
      if (waited >= 5000) {
        signal(pid, 'SIGKILL');
        await sleep(100);
        if (isOurDnsmasq(await processArgv(pid), bridge))
          throw new NovaError('failed', `dnsmasq (pid ${pid}) for bridge ${bridge} does not stop`);
        break;
      }
      await sleep(50);
    }
  }
  await rm(pidFileOf(bridge), { force: true });
}

export async function removeLeases(bridge: string): Promise<void> {
  await rm(leaseFileOf(bridge), { force: true });
}

export async function readLeaseFile(bridge: string): Promise<string> {
  try {
    return await readFile(leaseFileOf(bridge), 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return '';
    throw err;
  }
}
