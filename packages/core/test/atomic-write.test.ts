import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { removeStaleTemporaries, writeFileAtomic } from '../src/fs/atomic-write.js';

const root = mkdtempSync(join(tmpdir(), 'nova-atomic-write-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let folders = 0;
const folder = () => {
  const dir = join(root, String(folders++));
  mkdirSync(dir);
  return dir;
};

/** A process id that no process has any more: one of a process that ran and ended. */
function deadPid(): number {
  return spawnSync('true').pid;
}

describe('writeFileAtomic', () => {
  it('replaces the content, keeps the mode of a file that exists, gives a new one the mode asked', async () => {
    const dir = folder();
    const kept = join(dir, 'kept');
    writeFileSync(kept, 'old');
    chmodSync(kept, 0o640);
    await writeFileAtomic(kept, 'new', 0o600);
    expect(readFileSync(kept, 'utf8')).toBe('new');
    expect(statSync(kept).mode & 0o777).toBe(0o640);
    const fresh = join(dir, 'fresh');
    await writeFileAtomic(fresh, new Uint8Array([1, 2, 3]), 0o600);
    expect([...readFileSync(fresh)]).toEqual([1, 2, 3]);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['fresh', 'kept']);
  });

  it('writes through a symbolic link: the link stays, its target gets the content', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'NovaFile'), 'old');
    symlinkSync(join(dir, 'real', 'NovaFile'), join(dir, 'NovaFile'));
    await writeFileAtomic(join(dir, 'NovaFile'), 'new');
    expect(lstatSync(join(dir, 'NovaFile')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real', 'NovaFile'), 'utf8')).toBe('new');
    expect(readdirSync(join(dir, 'real'))).toEqual(['NovaFile']);
  });

  it('removes the temporary files of writers that died mid-write, and only those', async () => {
    const dir = folder();
    const dead = `.NovaFile.nova-${String(deadPid())}-0123456789ab.tmp`;
    const deadOther = `.nova-support-1.tar.gz.nova-${String(deadPid())}-ba9876543210.tmp`;
    const alive = `.NovaFile.nova-${String(process.ppid)}-0123456789ab.tmp`;
    const notOurs = ['.NovaFile.swp', 'NovaFile.nova-1-0123456789ab.tmp.bak', '.x.nova-12-short.tmp'];
    for (const name of [dead, deadOther, alive, ...notOurs]) writeFileSync(join(dir, name), 'partial');
    await writeFileAtomic(join(dir, 'NovaFile'), 'new');
    expect(readdirSync(dir).sort()).toEqual(['NovaFile', alive, ...notOurs].sort());
  });

  it('removeStaleTemporaries names what it removed, and takes a missing folder calmly', async () => {
    const dir = folder();
    const dead = `.origins.json.nova-${String(deadPid())}-0123456789ab.tmp`;
    writeFileSync(join(dir, dead), '{');
    await expect(removeStaleTemporaries(dir)).resolves.toEqual([dead]);
    await expect(removeStaleTemporaries(join(dir, 'missing'))).resolves.toEqual([]);
  });

  it('removeStaleTemporaries takes another naming of temporaries (a disk image upload’s), by its pid', async () => {
    const dir = folder();
    const dead = `.nova-upload-${String(deadPid())}-1733320000000`;
    const alive = `.nova-upload-${String(process.pid)}-1733320000000`;
    for (const name of [dead, alive, 'web.qcow2']) writeFileSync(join(dir, name), 'image');
    await expect(removeStaleTemporaries(dir, /^\.nova-upload-(\d+)-\d+$/)).resolves.toEqual([dead]);
    expect(readdirSync(dir).sort()).toEqual([alive, 'web.qcow2'].sort());
  });

  it('leaves no temporary file when the write fails', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'a-folder'));
    await expect(writeFileAtomic(join(dir, 'a-folder'), 'text')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['a-folder']);
  });

  it('gives a long file name a temporary name that fits', async () => {
    const dir = folder();
    const name = 'n'.repeat(240);
    await writeFileAtomic(join(dir, name), 'text');
    expect(readFileSync(join(dir, name), 'utf8')).toBe('text');
  });

  it.runIf(process.getuid?.() === 0)('run as root, keeps the owner of a user’s file', async () => {
    const dir = folder();
    const file = join(dir, 'NovaFile');
    writeFileSync(file, 'old');
    chownSync(file, 4321, 4322);
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect([statSync(file).uid, statSync(file).gid]).toEqual([4321, 4322]);
  });
});
