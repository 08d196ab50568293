import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { NovaError } from '@nova/core';
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

const DEFAULT_ORIGINS_FILE = '/var/lib/nova/origins.json';

// Changes wait for each other per file, whichever registry object makes them: none reads a registry
// another is about to replace, so no entry written before is lost.
const queues = new Map<string, Promise<unknown>>();

export class OriginRegistry {
  constructor(readonly file: string = process.env['NOVA_ORIGINS_FILE'] ?? DEFAULT_ORIGINS_FILE) {}

  async read(): Promise<Origins> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT')
        return { version: 1, pools: {}, volumes: {}, bridges: {} };
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      parsed = err;
    }
    if (typeof parsed !== 'object' || parsed === null || parsed instanceof Error || Array.isArray(parsed)) {
      // Never replaced by an empty registry: Nova would forget what it made, and delete nothing of it.
      throw new NovaError(
        'failed',
        `the helper's record of what Nova created (${this.file}) is not a JSON object`,
        'Restore it from a backup, or move it away to let Nova start a new one (Nova then treats the pools, volumes and bridges it made before as not its own).',
      );
    }
    const origins = parsed as Partial<Origins>;
    return {
      version: 1,
      pools: origins.pools ?? {},
      volumes: origins.volumes ?? {},
      bridges: origins.bridges ?? {},
    };
  }

  /**
   * Changes the registry: read, change, atomic replace, one change at a time per file, in call order.
   * A crash leaves the registry as it was before the change or after it.
   */
  update(change: (origins: Origins) => void): Promise<void> {
    const file = resolve(this.file);
    const next = (queues.get(file) ?? Promise.resolve()).then(async () => {
      const origins = await this.read();
      change(origins);
      await mkdir(dirname(file), { recursive: true, mode: 0o755 });
      await writeFileAtomic(file, `${JSON.stringify(origins, null, 2)}\n`, 0o644);
    });
    const settled = next.catch(() => undefined);
    queues.set(file, settled);
    void settled.then(() => {
      if (queues.get(file) === settled) queues.delete(file);
    });
    return next;
  }
}
