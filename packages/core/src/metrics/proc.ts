// The host's own figures from /proc: parsers (pure, for any text) and one reader that does the I/O.
import { readFile } from 'node:fs/promises';

/** Cumulative counters of the whole host at one moment. */
export interface HostCounters {
  /** Jiffies of all CPUs: busy (everything but idle and iowait) and in all. */
  cpuBusy: number;
  cpuTotal: number;
  cpuCount: number;
  memoryTotalBytes: number;
  /** MemTotal − MemAvailable: what programs use, without the cache the kernel can drop. */
  memoryUsedBytes: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}

/** The aggregate `cpu` line of /proc/stat, and how many `cpuN` lines follow it. */
export function parseProcStat(text: string): { busy: number; total: number; cpus: number } {
  let busy = 0;
  let total = 0;
  let cpus = 0;
  for (const line of text.split('\n')) {
    if (/^cpu\d+\s/.test(line)) cpus++;
    if (!line.startsWith('cpu ')) continue;
    // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice).
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    total = fields.reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
    busy = total - idle;
  }
  return { busy, total, cpus: Math.max(cpus, 1) };
}

/** MemTotal and MemAvailable of /proc/meminfo, in bytes. */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kib = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const totalBytes = kib('MemTotal') ?? 0;
  // Kernels before 3.14 have no MemAvailable: free + buffers + cache is the old approximation.
  const availableBytes =
    kib('MemAvailable') ?? (kib('MemFree') ?? 0) + (kib('Buffers') ?? 0) + (kib('Cached') ?? 0);
  return { totalBytes, availableBytes };
}

/**
 * Whether a block device of /proc/diskstats is a whole physical disk. Partitions, loop and RAM disks
 * and device-mapper volumes would count the same bytes twice (or not be disks at all).
 */
export function isWholeDisk(name: string): boolean {
  if (/^(loop|ram|zram|dm-|sr|fd)\d*/.test(name)) return false;
  if (/^(nvme\d+n\d+|mmcblk\d+)p\d+$/.test(name)) return false;
  if (/^(sd|vd|xvd|hd)[a-z]+\d+$/.test(name)) return false;
  return true;
}

/** Bytes read and written by whole disks, from /proc/diskstats (sectors are 512 bytes there). */
export function parseDiskstats(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const name = fields[2];
    if (name === undefined || fields.length < 10 || !isWholeDisk(name)) continue;
    readBytes += Number(fields[5]) * 512 || 0;
    writeBytes += Number(fields[9]) * 512 || 0;
  }
  return { readBytes, writeBytes };
}

/**
 * Whether an interface's traffic counts for the host. Loopback is not traffic; veth, tap and vnet
 * links are one instance's end of a bridge, whose traffic the bridge already counts.
 */
export function isHostInterface(name: string): boolean {
  return name !== 'lo' && !/^(veth|vnet|tap|macvtap)/.test(name);
}

/** Bytes received and sent by the host's interfaces, from /proc/net/dev. */
export function parseNetDev(text: string): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (!isHostInterface(name)) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < 9) continue;
    rxBytes += Number(fields[0]) || 0;
    txBytes += Number(fields[8]) || 0;
  }
  return { rxBytes, txBytes };
}

/** All four files parsed into one reading. */
export function hostCountersFrom(files: {
  stat: string;
  meminfo: string;
  diskstats: string;
  netDev: string;
}): HostCounters {
  const cpu = parseProcStat(files.stat);
  const memory = parseMeminfo(files.meminfo);
  const disk = parseDiskstats(files.diskstats);
  const net = parseNetDev(files.netDev);
  return {
    cpuBusy: cpu.busy,
    cpuTotal: cpu.total,
    cpuCount: cpu.cpus,
    memoryTotalBytes: memory.totalBytes,
    memoryUsedBytes: Math.max(0, memory.totalBytes - memory.availableBytes),
    diskReadBytes: disk.readBytes,
    diskWriteBytes: disk.writeBytes,
    netRxBytes: net.rxBytes,
    netTxBytes: net.txBytes,
  };
}

/** Reads the host's counters from /proc (`root` for tests). */
export async function readHostCounters(root = '/proc'): Promise<HostCounters> {
  const read = (path: string) => readFile(`${root}/${path}`, 'utf8').catch(() => '');
  const [stat, meminfo, diskstats, netDev] = await Promise.all([
    read('stat'),
    read('meminfo'),
    read('diskstats'),
    read('net/dev'),
  ]);
  return hostCountersFrom({ stat, meminfo, diskstats, netDev });
}
