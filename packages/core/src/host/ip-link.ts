import { execFile } from 'node:child_process';

export interface HostLink {
  name: string;
  kind: string | undefined;
  state: string;
  mac: string | undefined;
  /** The bridge this interface is a port of. */
  master: string | undefined;
  /** The link's flags as `ip link` prints them (UP, LOWER_UP, BROADCAST…). */
  flags: string[];
}

interface IpLinkEntry {
  ifname?: unknown;
  operstate?: unknown;
  address?: unknown;
  master?: unknown;
  flags?: unknown;
  linkinfo?: { info_kind?: unknown };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Parses `ip -j -d link show` output. Pure. */
export function parseIpLinks(json: string): HostLink[] {
  const entries = JSON.parse(json) as unknown;
  if (!Array.isArray(entries)) throw new Error('ip -j link did not print a list');
  return (entries as IpLinkEntry[]).flatMap((entry) => {
    const name = str(entry.ifname);
    if (name === undefined) return [];
    return [
      {
        name,
        kind: str(entry.linkinfo?.info_kind),
        state: str(entry.operstate) ?? 'UNKNOWN',
        mac: str(entry.address),
        master: str(entry.master),
        flags: Array.isArray(entry.flags) ? entry.flags.filter((flag) => typeof flag === 'string') : [],
      },
    ];
  });
}

/** The host's network interfaces (`ip -j -d link show`; needs no privilege). */
export function listHostLinks(): Promise<HostLink[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['-j', '-d', 'link', 'show'],
      { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) {
          reject(new Error(`ip link failed: ${error.message}`));
          return;
        }
        try {
          resolve(parseIpLinks(stdout));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
    );
  });
}
