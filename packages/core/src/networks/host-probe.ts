// What /proc says about the host's network services, for the networks' health: which dnsmasq processes
// run (libvirt's and Nova's, told apart by their arguments) and whether the host forwards IPv4. Both are
// readable without privilege; what cannot be read is left undefined, and the check is skipped.
import { readdir, readFile } from 'node:fs/promises';

import type { HostNetworkProbe } from './network-model.js';

async function dnsmasqCommandLines(proc: string): Promise<string[][] | undefined> {
  let entries: string[];
  try {
    entries = await readdir(proc);
  } catch {
    return undefined;
  }
  const lines = await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (pid) => {
        try {
          const argv = (await readFile(`${proc}/${pid}/cmdline`, 'utf8'))
            .split('\0')
            .filter((arg) => arg !== '');
          return argv[0]?.split('/').at(-1) === 'dnsmasq' ? [argv] : [];
        } catch {
          // The process ended while we looked.
          return [];
        }
      }),
  );
  return lines.flat();
}

export async function probeHostNetwork(proc = '/proc'): Promise<HostNetworkProbe> {
  const [dnsmasq, forward] = await Promise.all([
    dnsmasqCommandLines(proc),
    readFile(`${proc}/sys/net/ipv4/ip_forward`, 'utf8').then(
      (text) => text.trim() === '1',
      () => undefined,
    ),
  ]);
  return { dnsmasq, ipForward: forward };
}
