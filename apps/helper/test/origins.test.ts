import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { OriginRegistry } from '../src/origins.js';

const root = mkdtempSync(join(tmpdir(), 'nova-origins-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let files = 0;
const file = () => join(root, String(files++), 'origins.json');

describe('OriginRegistry', () => {
  it('loses no change when two registries of one file change it at once', async () => {
    const path = file();
    const first = new OriginRegistry(path);
    const second = new OriginRegistry(path);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? first : second).update((origins) => {
          origins.pools[`pool-${String(i)}`] = { project: 'p' };
        }),
      ),
    );
    expect(Object.keys((await first.read()).pools).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `pool-${String(i)}`).sort(),
    );
    expect(readdirSync(join(path, '..'))).toEqual(['origins.json']);
  });

  it('writes nothing for a change that fails, and goes on with the next', async () => {
    const registry = new OriginRegistry(file());
    await registry.update((origins) => {
      origins.pools['kept'] = { project: 'p' };
    });
    await expect(
      registry.update((origins) => {
        origins.pools['lost'] = { project: 'p' };
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await registry.update((origins) => {
      origins.volumes['kept/disk.qcow2'] = { project: 'p' };
    });
    const origins = await registry.read();
    expect(Object.keys(origins.pools)).toEqual(['kept']);
    expect(Object.keys(origins.volumes)).toEqual(['kept/disk.qcow2']);
  });

  it('never replaces a registry it cannot read with an empty one', async () => {
    const registry = new OriginRegistry(file());
    await registry.update((origins) => {
      origins.pools['first'] = { project: 'p' };
    });
    writeFileSync(registry.file, '{"pools": {"first": ');
    const change = registry.update((origins) => {
      origins.pools['second'] = { project: 'p' };
    });
    await expect(change).rejects.toMatchObject({ code: 'failed' });
    await expect(change).rejects.toThrow(registry.file);
    expect(readFileSync(registry.file, 'utf8')).toBe('{"pools": {"first": ');
  });
});
