import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { tarGzArchive } from '../src/support/tar.js';

describe('the support bundle’s archive', () => {
  it('writes a gzipped archive the system tar lists and extracts, folders, modes and long paths included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-tar-'));
    // Past ustar's 100-byte name: split into prefix and name. Past its 255 bytes: a PAX header.
    const long = `bundle/${'deep/'.repeat(25)}file-with-a-long-name.json`;
    const longer = `bundle/${'a'.repeat(120)}/${'b'.repeat(150)}.json`;
    const text = 'héllo, wörld\n'.repeat(100);
    const archive = await tarGzArchive([
      { path: 'bundle', directory: true, mtime: 1_700_000_000 },
      { path: 'bundle/a.txt', content: new TextEncoder().encode(text), mode: 0o600, mtime: 1_700_000_000 },
      { path: 'bundle/empty', content: new Uint8Array(0), mtime: 1_700_000_000 },
      { path: long, content: new TextEncoder().encode('{}'), mtime: 1_700_000_000 },
      { path: longer, content: new TextEncoder().encode('[]'), mtime: 1_700_000_000 },
    ]);
    expect(gunzipSync(archive).length % 512).toBe(0);
    const file = join(dir, 'x.tar.gz');
    writeFileSync(file, archive);
    const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(['bundle/', 'bundle/a.txt', 'bundle/empty', long, longer]);
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect(readFileSync(join(dir, 'bundle/a.txt'), 'utf8')).toBe(text);
    expect(statSync(join(dir, 'bundle/a.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'bundle')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'bundle/empty')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, 'bundle/empty'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, long), 'utf8')).toBe('{}');
    expect(readFileSync(join(dir, longer), 'utf8')).toBe('[]');
    expect(statSync(join(dir, 'bundle/a.txt')).mtimeMs).toBe(1_700_000_000_000);
  });

  it('names root as every entry’s owner, whoever wrote it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-tar-'));
    const file = join(dir, 'x.tar.gz');
    writeFileSync(file, await tarGzArchive([{ path: 'f', content: new Uint8Array([1]), mtime: 0 }]));
    const [line] = execFileSync('tar', ['--numeric-owner', '-tvzf', file], { encoding: 'utf8' }).split('\n');
    expect(line).toMatch(/^-rw-r--r-- 0\/0 +1 /);
    expect(execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' })).toMatch(/ root\//);
  });
});
