import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLOUD_INIT_DIR, cloudInitSeedPath, type DomainSpec, NovaError } from '@nova/core';
import { syncDirectory, syncFile } from '@nova/core/node';

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`${file} failed: ${stderr.trim() || error.message}`));
    });
  });
}

/**
 * Writes a VM's NoCloud seed: an ISO labelled "cidata" holding user-data and meta-data (JSON, which
 * is YAML). cloud-init in the guest finds it by its label and applies it on first boot.
 */
export async function writeCloudInitSeed(
  vm: string,
  cloudInit: NonNullable<DomainSpec['cloudInit']>,
): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'nova-seed-'));
  try {
    const metaData = {
      'instance-id': cloudInit.instanceId,
      ...(cloudInit.hostname === undefined ? {} : { 'local-hostname': cloudInit.hostname }),
      ...(cloudInit.publicKeys.length === 0 ? {} : { 'public-keys': cloudInit.publicKeys }),
    };
    await writeFile(join(work, 'user-data'), cloudInit.userData, { mode: 0o600 });
    await writeFile(join(work, 'meta-data'), `${JSON.stringify(metaData, null, 2)}\n`, { mode: 0o600 });
    try {
      await run(
        'genisoimage',
        ['-quiet', '-output', 'seed.iso', '-volid', 'cidata', '-joliet', '-rock', 'user-data', 'meta-data'],
        work,
      );
    } catch (err) {
      throw new NovaError(
        'backend-unavailable',
        `cannot build the cloud-init seed of VM "${vm}": ${err instanceof Error ? err.message : String(err)}`,
        'Install genisoimage.',
      );
    }
    await mkdir(CLOUD_INIT_DIR, { recursive: true, mode: 0o755 });
    const target = cloudInitSeedPath(vm);
    // User data may hold passwords: root only; libvirt hands it to QEMU's user when the VM starts.
    await chmod(join(work, 'seed.iso'), 0o600);
    await rename(join(work, 'seed.iso'), `${target}.tmp`).catch(async () => {
      // another file system: copy through a temporary file in the target folder
      const { copyFile } = await import('node:fs/promises');
      await copyFile(join(work, 'seed.iso'), `${target}.tmp`);
    });
    await syncFile(`${target}.tmp`);
    await rename(`${target}.tmp`, target);
    await syncDirectory(CLOUD_INIT_DIR);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function removeCloudInitSeed(vm: string): Promise<void> {
  await rm(cloudInitSeedPath(vm), { force: true });
}
