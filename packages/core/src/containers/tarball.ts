// Telling an image archive (`docker save`, `podman save`, OCI layout) from a root file system tarball:
// the first is loaded with its own names, the second imported under a name the user gives. The `tar`
// package (node-tar) reads the archive, gzipped or not; only the entries' names are looked at, and the
// reading stops at the first name that decides.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

import { Parser } from 'tar';

import { NovaError } from '../contract/errors.js';

export type TarballKind = 'archive' | 'rootfs';

/** Entries whose presence makes a tarball an image archive. */
const ARCHIVE_MARKERS = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);

function notATarball(): NovaError {
  return new NovaError(
    'invalid-input',
    'the file is not a tar archive',
    'Give a tarball made by `docker save`, `podman save` or `tar -C rootfs -c .` (optionally gzipped).',
  );
}

/**
 * Reads a tarball's entries from a stream (plain or gzipped) until it knows the kind: an image
 * archive's marker names it; the end of the archive without one makes it a root file system. Contents
 * are skipped, not kept. The stream is destroyed once the kind is known.
 */
export async function tarballKindOfStream(stream: Readable): Promise<TarballKind> {
  try {
    return await new Promise<TarballKind>((resolve, reject) => {
      let sawEntry = false;
      const parser = new Parser({
        // Compressed other than with gzip: tarballKind answers before reading; here it is no tar.
        zstd: false,
        brotli: false,
        // Only names are read and contents are dropped as they come: a well-compressed file (a root
        // file system with large empty files) costs time, not memory, so it is not refused.
        maxDecompressionRatio: Number.POSITIVE_INFINITY,
        onReadEntry: (entry) => {
          sawEntry = true;
          if (ARCHIVE_MARKERS.has(entry.path.replace(/^\.\//, ''))) resolve('archive');
          entry.resume();
        },
        onwarn: (code) => {
          // A first block that is no tar header: not a tarball. Later damage does not change the kind.
          if (code === 'TAR_ENTRY_INVALID' && !sawEntry) reject(notATarball());
        },
      });
      // The first empty block ends the archive's entries; no marker came before it.
      parser.on('nullBlock', () => {
        resolve('rootfs');
      });
      parser.on('end', () => {
        if (sawEntry) resolve('rootfs');
        else reject(new NovaError('invalid-input', 'the tarball is empty'));
      });
      parser.on('error', reject);
      stream.on('error', reject);
      stream.pipe(parser);
    });
  } finally {
    stream.destroy();
  }
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
  const xz = magic.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  const zstd = magic.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  const bzip2 = magic.subarray(0, 3).toString('ascii') === 'BZh';
  // The engine can read these, but Nova cannot look inside; an image archive is the likelier.
  if (xz || zstd || bzip2) return 'archive';
  return tarballKindOfStream(createReadStream(path));
}
