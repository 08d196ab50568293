// Copying a user's file into a storage pool. The file is opened by a child process running as the
// caller (uid and group), so the helper copies only what the caller could read anyway.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { NovaError } from '@nova/core';
import { removeStaleTemporaries, syncDirectory, syncFile } from '@nova/core/node';

const UPLOAD_TEMPORARY = /^\.nova-upload-(\d+)-\d+$/;

/** The primary group of a uid, from /etc/passwd. */
export async function primaryGroup(uid: number): Promise<number | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [, , id, gid] = line.split(':');
    if (Number(id) === uid) return Number(gid);
  }
  return undefined;
}

interface ImageInfo {
  format: string;
  virtualSize: number;
  backingFile: string | undefined;
}

function imageInfo(path: string): Promise<ImageInfo> {
  return new Promise((resolve, reject) => {
    execFile(
      'qemu-img',
      ['info', '--output=json', '-U', path],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(
            new NovaError(
              'invalid-input',
              `the file is not a disk image qemu-img can read: ${stderr.trim() || error.message}`,
            ),
          );
          return;
        }
        const info = JSON.parse(stdout) as {
          format?: string;
          'virtual-size'?: number;
          'backing-filename'?: string;
        };
        resolve({
          format: info.format ?? 'raw',
          virtualSize: info['virtual-size'] ?? 0,
          backingFile: info['backing-filename'],
        });
      },
    );
  });
}

/** An ISO 9660 image has "CD001" at byte 32769. */
async function isIso(path: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(5);
    await handle.read(buffer, 0, 5, 32769);
    return buffer.toString('latin1') === 'CD001';
  } finally {
    await handle.close();
  }
}

/**
 * Streams `source`, read as `uid`, into a new file `name` in `folder`; checks what arrived and refuses
 * images that refer to a backing file (they could expose host files to a guest). Leaves nothing
 * behind on failure.
 */
export async function uploadIntoFolder(
  folder: string,
  name: string,
  source: string,
  uid: number,
  wanted: 'qcow2' | 'raw' | 'iso' | undefined,
): Promise<{ path: string; format: string; sizeBytes: number }> {
  const gid = uid === 0 ? 0 : await primaryGroup(uid);
  if (gid === undefined) throw new NovaError('failed', `uid ${uid} has no entry in /etc/passwd`);
  // An upload killed midway leaves its image-sized temporary file: the next upload removes it.
  await removeStaleTemporaries(folder, UPLOAD_TEMPORARY);
  const temporary = join(folder, `.nova-upload-${process.pid}-${Date.now()}`);
  const target = join(folder, name);
  try {
    const reader = spawn('cat', ['--', source], { uid, gid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    reader.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number>((resolve) =>
      reader.on('close', (code) => {
        resolve(code ?? 1);
      }),
    );
    await pipeline(reader.stdout, createWriteStream(temporary, { mode: 0o600, flags: 'wx' }));
    if ((await exited) !== 0) {
      const denied = /permission denied/i.test(stderr);
      throw new NovaError(
        denied ? 'not-authorized' : 'not-found',
        `cannot read ${source}: ${stderr.trim().replace(/^cat: /, '') || 'it could not be read'}`,
        denied ? 'The file is read with your own rights: you must be able to read it.' : undefined,
      );
    }
    const info = await imageInfo(temporary);
    if (info.backingFile !== undefined) {
      throw new NovaError(
        'invalid-input',
        `${source} is an image on top of a backing file (${info.backingFile})`,
        'Convert it to a standalone image first (qemu-img convert).',
      );
    }
    const format = info.format === 'raw' && (await isIso(temporary)) ? 'iso' : info.format;
    if (format !== 'qcow2' && format !== 'raw' && format !== 'iso')
      throw new NovaError('invalid-input', `${source} is a ${format} image; Nova takes qcow2, raw and ISO`);
    if (wanted !== undefined && wanted !== format)
      throw new NovaError('invalid-input', `${source} is ${format}, not ${wanted}`);
    await chmod(temporary, 0o600);
    await syncFile(temporary);
    await rename(temporary, target);
    await syncDirectory(folder);
    return { path: target, format, sizeBytes: (await stat(target)).size };
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
