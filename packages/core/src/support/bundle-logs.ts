// The bundle's logs: the helper's audit log, why KVM was given up, Nova's own logs and QEMU's log of
// each of Nova's VMs, each cut to its newest part. A log only root may read is skipped with a hint.
import { constants } from 'node:fs';
import { access, open, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

import type { DomainSummary } from '../contract/helper-types.js';
import { KVM_HEALTH_FILE } from '../diag/checks.js';
import { type Gathering, reasonOf, safeName } from './bundle-gather.js';

/** The helper's audit log (apps/helper/src/audit.ts); NOVA_AUDIT_LOG moves it, as it does for the helper. */
export const DEFAULT_AUDIT_LOG = '/var/log/nova/audit.log';
export const LIBVIRT_QEMU_LOG_DIR = '/var/log/libvirt/qemu';
/** Logs are cut to their newest part. */
const LOG_TAIL_BYTES = 1024 * 1024;
/** At most this many VMs' QEMU logs. */
const MAX_DOMAINS = 500;

/** The newest `max` bytes of a file, starting at a line; with a note when it was cut. */
async function readTail(path: string, max = LOG_TAIL_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - max);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    if (start > 0) {
      const newline = text.indexOf('\n');
      text = `[… ${start + newline + 1} earlier bytes left out …]\n${text.slice(newline + 1)}`;
    }
    return text;
  } finally {
    await handle.close();
  }
}

/** Gathers the logs into `out`; `domains` is the libvirt domain list, which may fail. */
export async function gatherLogs(
  env: NodeJS.ProcessEnv,
  domains: () => Promise<{ domains: DomainSummary[] }>,
  out: Gathering,
): Promise<void> {
  const audit = env['NOVA_AUDIT_LOG'] ?? DEFAULT_AUDIT_LOG;
  const sources: [string, string, string][] = [
    [
      audit,
      'logs/helper-audit.log',
      'The helper’s audit log: each privileged call, who made it, and its result (newest 1 MiB)',
    ],
    [KVM_HEALTH_FILE, 'logs/kvm-unusable', 'Why the helper stopped using KVM on this host, if it did'],
  ];
  const logDir =
    env['NOVA_LOG_DIR'] ?? join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'nova');
  try {
    for (const entry of (await readdir(logDir)).sort()) {
      if (entry.endsWith('.log'))
        sources.push([
          join(logDir, entry),
          `logs/nova/${safeName(entry)}`,
          `Nova’s own log ${entry} (newest 1 MiB)`,
        ]);
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') out.skip(`Nova logs in ${logDir}`, reasonOf(err));
    else out.note(`Nova keeps no logs of its own in ${logDir} yet.`);
  }
  const listed = await domains().catch(() => undefined);
  for (const domain of (listed?.domains ?? []).filter((d) => d.origin === 'nova').slice(0, MAX_DOMAINS)) {
    const file = join(LIBVIRT_QEMU_LOG_DIR, `${domain.name}.log`);
    const exists = await access(file, constants.F_OK).then(
      () => true,
      () => false,
    );
    if (exists)
      sources.push([
        file,
        `logs/qemu/${safeName(domain.name)}.log`,
        `QEMU’s log of Nova’s VM ${domain.name} (newest 1 MiB)`,
      ]);
  }
  for (const [file, path, why] of sources) {
    try {
      out.add(path, why, await readTail(file));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') out.skip(path, `${file} does not exist`);
      else if (code === 'EACCES' || code === 'EPERM')
        out.skip(
          path,
          `${file} is readable by root only: run nova support bundle as root (sudo) to include it`,
        );
      else out.skip(path, reasonOf(err));
    }
  }
}
