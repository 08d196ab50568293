import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writeFileAtomic } from '@nova/core/node';

import type { BridgeRecord } from './host/bridges.js';

/**
 * What Nova created that libvirt has no place to mark: storage pools and volumes. Kept by the helper
 * in one file (root-owned, written atomically), so Nova deletes only what it made.
 */
export interface Origins {
  version: 1;
  pools: Record<string, { project: string; shared?: boolean }>;
  /** By "pool/volume". */
  volumes: Record<string, { project: string }>;
  /** Host bridges, with what they took from their uplink, to give it back. */
  bridges: Record<string, BridgeRecord>;
}

export const DEFAULT_ORIGINS_FILE = '/var/lib/nova/origins.json';

export class OriginRegistry {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string = process.env['NOVA_ORIGINS_FILE'] ?? DEFAULT_ORIGINS_FILE) {}

  async read(): Promise<Origins> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<Origins>;
      return {
        version: 1,
        pools: parsed.pools ?? {},
        volumes: parsed.volumes ?? {},
        bridges: parsed.bridges ?? {},
      };
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT')
        return { version: 1, pools: {}, volumes: {}, bridges: {} };
      throw err;
    }
  }

  /** Changes the registry; changes are applied one at a time, in call order. */
  update(change: (origins: Origins) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      const origins = await this.read();
      change(origins);
      await mkdir(dirname(this.file), { recursive: true, mode: 0o755 });
      await writeFileAtomic(this.file, `${JSON.stringify(origins, null, 2)}\n`, 0o644);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
