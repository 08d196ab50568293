import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { tarballKind, tarballKindOfStream } from '../src/containers/tarball.js';

describe('telling an image archive from a root file system', () => {
  let dir = '';
  const tar = (name: string, args: string[]) => {
    const file = join(dir, name);
    execFileSync('tar', ['-cf', file, ...args]);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nova-tarball-'));
    // Like `docker save`: a large layer first, the manifest after it.
    mkdirSync(join(dir, 'image/layer'), { recursive: true });
    writeFileSync(join(dir, 'image/layer/layer.tar'), Buffer.alloc(300_000, 7));
    writeFileSync(join(dir, 'image/manifest.json'), '[]');
    writeFileSync(join(dir, 'image/repositories'), '{}');
    mkdirSync(join(dir, 'rootfs/etc'), { recursive: true });
    writeFileSync(join(dir, 'rootfs/etc/hostname'), 'box\n');
    writeFileSync(join(dir, 'rootfs/etc/big'), Buffer.alloc(200_000, 1));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds an image archive’s marker after other entries, plain, gzipped or under ./', async () => {
    const plain = tar('image.tar', ['-C', join(dir, 'image'), 'layer', 'manifest.json']);
    expect(await tarballKind(plain)).toBe('archive');
    const dotted = tar('dotted.tar', ['-C', join(dir, 'image'), './layer', './repositories']);
    expect(await tarballKind(dotted)).toBe('archive');
    const gzipped = join(dir, 'image.tar.gz');
    execFileSync('tar', ['-czf', gzipped, '-C', join(dir, 'image'), 'layer', 'manifest.json']);
    expect(await tarballKind(gzipped)).toBe('archive');
  });

  it('calls a tarball without a marker a root file system', async () => {
    expect(await tarballKind(tar('rootfs.tar', ['-C', join(dir, 'rootfs'), '.']))).toBe('rootfs');
    const gzipped = join(dir, 'rootfs.tar.gz');
    execFileSync('tar', ['-czf', gzipped, '-C', join(dir, 'rootfs'), '.']);
    expect(await tarballKind(gzipped)).toBe('rootfs');
    // An archive of no entries ends at once.
    expect(await tarballKindOfStream(Readable.from([Buffer.alloc(1024)]))).toBe('rootfs');
  });

  it('reads a stream that is already open, gzipped or not', async () => {
    const plain = tar('stream.tar', ['-C', join(dir, 'image'), 'manifest.json']);
    const bytes = readFileSync(plain);
    expect(await tarballKindOfStream(Readable.from([bytes]))).toBe('archive');
    expect(await tarballKindOfStream(Readable.from([gzipSync(bytes)]))).toBe('archive');
  });

  it('refuses what is no tarball, and an empty file', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a tar archive at all\n'.repeat(100));
    await expect(tarballKind(text)).rejects.toThrow(/not a tar archive/);
    const empty = join(dir, 'empty.tar');
    writeFileSync(empty, '');
    await expect(tarballKind(empty)).rejects.toThrow(/empty/);
    await expect(tarballKind(join(dir, 'missing.tar'))).rejects.toThrow(/cannot read/);
  });

  it('takes xz, zstd and bzip2 files for image archives without looking inside', async () => {
    const magic: Record<string, number[]> = {
      xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
      zst: [0x28, 0xb5, 0x2f, 0xfd, 0, 0],
      bz2: [0x42, 0x5a, 0x68, 0x39, 0, 0],
    };
    for (const [ext, bytes] of Object.entries(magic)) {
      const file = join(dir, `image.tar.${ext}`);
      writeFileSync(file, Buffer.from([...bytes, ...new Array<number>(600).fill(0)]));
      expect(await tarballKind(file)).toBe('archive');
    }
  });
});
