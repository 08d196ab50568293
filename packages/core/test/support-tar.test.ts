import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { splitTarPath, tarArchive } from '../src/support/tar.js';

describe('the tar writer', () => {
  it('writes an archive the system tar lists and extracts, folders, modes and long paths included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-tar-'));
    const long = `bundle/${'deep/'.repeat(25)}file-with-a-long-name.json`;
    const text = 'héllo, wörld\n'.repeat(100);
    const archive = tarArchive([
      { path: 'bundle', directory: true, mtime: 1_700_000_000 },
      { path: 'bundle/a.txt', content: new TextEncoder().encode(text), mode: 0o600, mtime: 1_700_000_000 },
      { path: 'bundle/empty', content: new Uint8Array(0), mtime: 1_700_000_000 },
      { path: long, content: new TextEncoder().encode('{}'), mtime: 1_700_000_000 },
    ]);
    expect(archive.length % 512).toBe(0);
    const file = join(dir, 'x.tar');
    writeFileSync(file, archive);
    const listing = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(['bundle/', 'bundle/a.txt', 'bundle/empty', long]);
    execFileSync('tar', ['-xf', file, '-C', dir]);
    expect(readFileSync(join(dir, 'bundle/a.txt'), 'utf8')).toBe(text);
    expect(statSync(join(dir, 'bundle/a.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'bundle/empty'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, long), 'utf8')).toBe('{}');
  });

  it('splits long paths into prefix and name, and refuses what cannot fit', () => {
    expect(splitTarPath('short/name')).toEqual({ name: 'short/name', prefix: '' });
    const long = `${'a'.repeat(120)}/b.txt`;
    expect(splitTarPath(long)).toEqual({ name: 'b.txt', prefix: 'a'.repeat(120) });
    expect(() => splitTarPath(`dir/${'x'.repeat(101)}`)).toThrow(/too long/);
  });
});
