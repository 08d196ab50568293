import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  isWholeDisk,
  parseDiskstats,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  readHostCounters,
} from '../src/metrics/proc.js';

const STAT = `cpu  100 20 30 800 50 0 0 0 0 0
cpu0 50 10 15 400 25 0 0 0 0 0
cpu1 50 10 15 400 25 0 0 0 0 0
intr 12345 0 0
ctxt 999
`;

const MEMINFO = `MemTotal:        8000000 kB
MemFree:          500000 kB
MemAvailable:    6000000 kB
Buffers:          100000 kB
Cached:          2000000 kB
`;

const DISKSTATS = `   8       0 sda 100 0 2000 50 200 0 4000 80 0 100 130 0 0 0 0
   8       1 sda1 90 0 1800 40 190 0 3800 70 0 90 110 0 0 0 0
 259       0 nvme0n1 10 0 100 5 20 0 300 8 0 10 13 0 0 0 0
 259       1 nvme0n1p1 10 0 100 5 20 0 300 8 0 10 13 0 0 0 0
   7       0 loop0 5 0 999 1 0 0 0 0 0 1 1 0 0 0 0
 253       0 dm-0 80 0 1500 40 150 0 3500 60 0 80 100 0 0 0 0
`;

const NETDEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 99999     100    0    0    0     0          0         0    99999     100    0    0    0     0       0          0
  eth0: 1000       10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
virbr0: 300         3    0    0    0     0          0         0      400       4    0    0    0     0       0          0
vethab12: 7777      7    0    0    0     0          0         0     8888       8    0    0    0     0       0          0
 vnet3: 5555        5    0    0    0     0          0         0     6666       6    0    0    0     0       0          0
`;

describe('/proc parsing', () => {
  it('/proc/stat: busy is everything but idle and iowait; counts the CPUs', () => {
    expect(parseProcStat(STAT)).toEqual({ busy: 150, total: 1000, cpus: 2 });
  });

  it('/proc/meminfo: total and available in bytes, and the old approximation without MemAvailable', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ totalBytes: 8000000 * 1024, availableBytes: 6000000 * 1024 });
    const old = MEMINFO.replace(/^MemAvailable.*\n/m, '');
    expect(parseMeminfo(old).availableBytes).toBe((500000 + 100000 + 2000000) * 1024);
  });

  it('/proc/diskstats: whole disks only, sectors of 512 bytes', () => {
    expect(parseDiskstats(DISKSTATS)).toEqual({
      readBytes: (2000 + 100) * 512,
      writeBytes: (4000 + 300) * 512,
    });
    expect(['sda', 'vdb', 'nvme0n1', 'mmcblk0'].every(isWholeDisk)).toBe(true);
    expect(['sda2', 'nvme0n1p3', 'mmcblk0p1', 'loop3', 'dm-1', 'sr0'].some(isWholeDisk)).toBe(false);
  });

  it('/proc/net/dev: leaves out loopback and instances’ own links (the bridge counts their traffic)', () => {
    expect(parseNetDev(NETDEV)).toEqual({ rxBytes: 1300, txBytes: 2400 });
  });

  it('reads all four files into one set of counters', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nova-proc-'));
    mkdirSync(join(root, 'net'));
    writeFileSync(join(root, 'stat'), STAT);
    writeFileSync(join(root, 'meminfo'), MEMINFO);
    writeFileSync(join(root, 'diskstats'), DISKSTATS);
    writeFileSync(join(root, 'net/dev'), NETDEV);
    const counters = await readHostCounters(root);
    expect(counters).toMatchObject({
      cpuBusy: 150,
      cpuTotal: 1000,
      cpuCount: 2,
      memoryUsedBytes: 2000000 * 1024,
      netRxBytes: 1300,
    });
  });

  it('reads this host’s /proc', async () => {
    const counters = await readHostCounters();
    expect(counters.cpuTotal).toBeGreaterThan(0);
    expect(counters.memoryTotalBytes).toBeGreaterThan(counters.memoryUsedBytes);
  });
});
