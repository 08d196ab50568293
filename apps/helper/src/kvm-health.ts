import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writeFileAtomic } from '@nova/core/node';

/**
 * Remembers that KVM failed to run a VM on this host (nested virtualization often passes libvirt's
 * capability check and then fails or hangs), so that accelerator = "auto" picks TCG from then on.
 */
export class KvmHealth {
  constructor(readonly file: string = process.env['NOVA_KVM_HEALTH_FILE'] ?? '/var/lib/nova/kvm-unusable') {}

  async failure(): Promise<string | undefined> {
    try {
      return (await readFile(this.file, 'utf8')).trim().split('\n')[0];
    } catch {
      return undefined;
    }
  }

  async markUnusable(reason: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o755 });
    const line = reason.split('\n').find((l) => /kvm|MSR/i.test(l)) ?? reason.split('\n')[0] ?? reason;
    await writeFileAtomic(this.file, `${new Date().toISOString()} ${line.trim()}\n`, 0o644);
  }
}
