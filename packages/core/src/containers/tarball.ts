// Telling an image archive (`docker save`, `podman save`, OCI layout) from a root file system tarball:
// the first is loaded with its own names, the second imported under a name the user gives.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { NovaError } from '../contract/errors.js';

export type TarballKind = 'archive' | 'rootfs';

const BLOCK = 512;
/** Entries whose presence makes a tarball an image archive. */
const ARCHIVE_MARKERS = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);

function entryName(header: Buffer): string {
  const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
  const full = prefix === '' ? name : `${prefix}/${name}`;
  return full.replace(/^\.\//, '');
}

function entrySize(header: Buffer): number {
  const field = header.subarray(124, 136);
  // GNU base-256 for sizes past 8 GiB: the high bit of the first byte is set.
  if ((field[0] ?? 0) & 0x80) {
    let size = 0;
    for (let i = 1; i < field.length; i += 1) size = size * 256 + (field[i] ?? 0);
    return size;
  }
  const text = field
    .toString('ascii')
    .replace(/[\0 ]+$/, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Reads tar headers from a stream until it knows the kind; data blocks are skipped, not kept. */
export async function tarballKindOfStream(stream: Readable): Promise<TarballKind> {
  let pending: Buffer = Buffer.alloc(0);
  let skip = 0;
  let sawEntry = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (skip > 0) {
          const dropped = Math.min(skip, pending.length);
          pending = pending.subarray(dropped);
          skip -= dropped;
          if (skip > 0) break;
        }
        if (pending.length < BLOCK) break;
        const header = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (header.every((byte) => byte === 0)) return 'rootfs';
        if (header.subarray(257, 262).toString('ascii') !== 'ustar' && !sawEntry) {
          throw new NovaError(
            'invalid-input',
            'the file is not a tar archive',
            'Give a tarball made by `docker save`, `podman save` or `tar -C rootfs -c .` (optionally gzipped).',
          );
        }
        sawEntry = true;
        const name = entryName(header);
        if (ARCHIVE_MARKERS.has(name)) return 'archive';
        skip = Math.ceil(entrySize(header) / BLOCK) * BLOCK;
      }
    }
  } finally {
    stream.destroy();
  }
  if (!sawEntry) throw new NovaError('invalid-input', 'the tarball is empty');
  return 'rootfs';
}

/** Whether the tarball at `path` (plain or gzipped) is an image archive or a root file system. */
export async function tarballKind(path: string): Promise<TarballKind> {
  const magic = Buffer.alloc(6);
  try {
    const handle = await open(path, 'r');
    try {
      await handle.read(magic, 0, magic.length, 0);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new NovaError('invalid-input', `cannot read ${path}: ${reason}`);
  }
  const raw = createReadStream(path);
  if (magic[0] === 0x1f && magic[1] === 0x8b) return tarballKindOfStream(raw.pipe(createGunzip()));
  const xz = magic.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  const zstd = magic.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  const bzip2 = magic.subarray(0, 3).toString('ascii') === 'BZh';
  if (xz || zstd || bzip2) {
    raw.destroy();
    // The engine can read these, but Nova cannot look inside; an image archive is the likelier.
    return 'archive';
  }
  return tarballKindOfStream(raw);
}
