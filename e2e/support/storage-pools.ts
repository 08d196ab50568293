// Storage pools for tests: forcing Nova's first use of its default pool (nova-disks) by taking the
// pool's definition away with virsh, and putting the host back afterwards; and a directory pool of a
// test's own. pool-destroy and pool-undefine leave a directory pool's folder and files where they are.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run, virsh } from './lab.js';

export const DEFAULT_POOL = 'nova-disks';

/** What a pool was before a test took it away. */
export interface TakenPool {
  name: string;
  existed: boolean;
  /** Its definition (pool-dumpxml --inactive), to define it again. */
  xml?: string;
  active?: boolean;
  autostart?: boolean;
}

export async function poolExists(name: string): Promise<boolean> {
  return (await run('virsh', ['-c', 'qemu:///system', 'pool-info', name])).code === 0;
}

export async function poolIsRunning(name: string): Promise<boolean> {
  const info = await run('virsh', ['-c', 'qemu:///system', 'pool-info', name]);
  return info.code === 0 && /^State:\s+running$/m.test(info.stdout);
}

/** Takes the pool's definition away (if there is one), remembering it for {@link restorePool}. */
export async function takeAwayPool(name = DEFAULT_POOL): Promise<TakenPool> {
  const info = await run('virsh', ['-c', 'qemu:///system', 'pool-info', name]);
  if (info.code !== 0) return { name, existed: false };
  const xml = await virsh('pool-dumpxml', '--inactive', name);
  const active = /^State:\s+running$/m.test(info.stdout);
  const autostart = /^Autostart:\s+yes$/m.test(info.stdout);
  if (active) await virsh('pool-destroy', name);
  await virsh('pool-undefine', name);
  return { name, existed: true, xml, active, autostart };
}

/** Removes the pool the test made in its place (if any), and defines the one taken away again. */
export async function restorePool(taken: TakenPool): Promise<void> {
  if (await poolExists(taken.name)) {
    await run('virsh', ['-c', 'qemu:///system', 'pool-destroy', taken.name]);
    await virsh('pool-undefine', taken.name);
  }
  if (!taken.existed || taken.xml === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'nova-pool-'));
  try {
    const file = join(dir, 'pool.xml');
    writeFileSync(file, taken.xml);
    await virsh('pool-define', file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (taken.active === true) await virsh('pool-start', taken.name);
  if (taken.autostart === true) await virsh('pool-autostart', taken.name);
}

/** A running directory pool of the test's own, in a new folder; `remove` deletes pool and folder. */
export async function makeDirectoryPool(name: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = mkdtempSync(join(tmpdir(), 'nova-test-pool-'));
  // QEMU may run as another user than root: it must reach the images.
  chmodSync(path, 0o755);
  await virsh('pool-define-as', name, 'dir', '--target', path);
  await virsh('pool-start', name);
  return {
    path,
    remove: async () => {
      await run('virsh', ['-c', 'qemu:///system', 'pool-destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'pool-undefine', name]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
